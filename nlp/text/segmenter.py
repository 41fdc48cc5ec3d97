"""Word segmenters: one interface, jieba 0.42.1's tokens from every engine.

A ``Segmenter`` cuts a text into words (``cut``) and gives the words' character offsets
with white-space tokens dropped (``spans``, the form ``Report.tokens`` stores). Two
engines give the same tokens on the domain dictionary:

- ``rjieba`` (the default): jieba-rs through the ``rjieba`` binding, with an adapter
  for the places where jieba-rs 0.11 differs from Python jieba (``rjieba_adapter``).
  About ten times faster than jieba, and it loads in a fraction of the time.
- ``jieba``: Python jieba 0.42.1 itself, the reference.

``load_segmenter(name, user_dict, hmm)`` builds one segmenter per setting and process;
every stage and the search index share it. ``tests/test_segmenter.py`` compares the
two engines token for token over every text in ``corpora/``.

Nothing here imports an engine until a segmenter is built.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Protocol, runtime_checkable

from ..errors import ConfigError, Errors
from .jieba_segmenter import JiebaSegmenter, UserWord, read_userdict, spans_of
from .rjieba_adapter import RjiebaSegmenter

__all__ = [
    "SEGMENTERS",
    "JiebaSegmenter",
    "RjiebaSegmenter",
    "Segmenter",
    "UserWord",
    "load_segmenter",
    "read_userdict",
    "spans_of",
]


@runtime_checkable
class Segmenter(Protocol):
    """What the pipeline and the search index need from a word segmenter."""

    name: str
    hmm: bool

    def cut(self, text: str) -> list[str]:
        """The words of ``text`` in order; joined they give ``text`` back."""
        ...

    def spans(self, text: str) -> list[list[int]]:
        """``[start, end]`` of every word of ``text``, white-space words dropped."""
        ...


# Engine name (``tokenize.segmenter`` in configs/sections.yaml) -> constructor.
SEGMENTERS = {"rjieba": RjiebaSegmenter, "jieba": JiebaSegmenter}


@functools.lru_cache(maxsize=8)
def load_segmenter(
    name: str = "rjieba", user_dict: str | None = None, hmm: bool = True
) -> Segmenter:
    """The segmenter ``name`` with ``user_dict`` (a path; None for none), built once
    per process and setting and shared by every caller."""
    factory = SEGMENTERS.get(name)
    if factory is None:
        raise ConfigError(
            Errors.E605.format(
                name=name, detail=f"unknown; choose one of {sorted(SEGMENTERS)}"
            )
        )
    if user_dict is not None and not Path(user_dict).is_file():
        raise ConfigError(Errors.E604.format(path=user_dict))
    try:
        return factory(user_dict, hmm=hmm)
    except ImportError as e:
        raise ConfigError(
            Errors.E605.format(
                name=name,
                detail=f"{e}; install the project's dependencies "
                "(pip install -e .) or set tokenize.segmenter to another engine",
            )
        ) from e
