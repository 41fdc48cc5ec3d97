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
import logging
import os
import re
from itertools import accumulate, compress
from operator import not_
from pathlib import Path
from typing import Protocol, runtime_checkable

from ..errors import ConfigError, Errors

__all__ = [
    "SEGMENTERS",
    "JiebaSegmenter",
    "Segmenter",
    "UserWord",
    "load_segmenter",
    "read_userdict",
    "spans_of",
]

# jieba 0.42.1, jieba/__init__.py: how ``load_userdict`` reads a line.
_USERDICT_LINE = re.compile("^(.+?)( [0-9]+)?( [a-z]+)?$")

UserWord = tuple[str, int | None, str | None]


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


def spans_of(words: list[str]) -> list[list[int]]:
    """``[start, end]`` of ``words`` laid end to end; white-space words dropped."""
    ends = list(accumulate(map(len, words)))
    starts = [0]
    starts += ends[:-1]
    keep = map(not_, map(str.isspace, words))
    return list(map(list, compress(zip(starts, ends), keep)))


def read_userdict(path: str | os.PathLike) -> list[UserWord]:
    """``(word, freq, tag)`` per line of a jieba user dictionary, read exactly as
    ``jieba.Tokenizer.load_userdict`` reads it: each line stripped, UTF-8, a BOM
    dropped, ``word [freq] [tag]`` (so a word may contain spaces); empty lines skipped.
    """
    entries: list[UserWord] = []
    with open(path, "rb") as f:
        for raw in f:
            try:
                line = raw.strip().decode("utf-8").lstrip("\ufeff")
            except UnicodeDecodeError:
                raise ConfigError(
                    Errors.E605.format(
                        name="user dictionary", detail=f"{path} is not UTF-8"
                    )
                ) from None
            if not line:
                continue
            m = _USERDICT_LINE.match(line)
            assert m is not None  # the pattern matches every non-empty line
            word, freq, tag = m.groups()
            entries.append(
                (
                    word,
                    int(freq) if freq is not None else None,
                    tag.strip() if tag is not None else None,
                )
            )
    return entries


class JiebaSegmenter:
    """Python jieba 0.42.1: its own dictionary plus the user dictionary, loaded with
    ``load_userdict`` into a private ``jieba.Tokenizer``. The reference for the others.
    """

    name = "jieba"

    def __init__(self, user_dict: str | os.PathLike | None, hmm: bool = True):
        import jieba

        jieba.setLogLevel(logging.WARNING)  # it logs its dictionary loading at DEBUG
        self.hmm = hmm
        self.tokenizer = jieba.Tokenizer()
        self.tokenizer.initialize()
        if user_dict is not None:
            self.tokenizer.load_userdict(str(user_dict))

    @classmethod
    def with_tokenizer(cls, tokenizer, hmm: bool = True) -> JiebaSegmenter:
        """A segmenter over a ``jieba.Tokenizer`` set up elsewhere (e.g. with the word
        frequencies a search index stores)."""
        self = cls.__new__(cls)
        self.hmm = hmm
        self.tokenizer = tokenizer
        return self

    def cut(self, text: str) -> list[str]:
        return list(self.tokenizer.cut(text, HMM=self.hmm))

    def spans(self, text: str) -> list[list[int]]:
        return spans_of(self.cut(text))


def _rjieba(user_dict: str | os.PathLike | None, hmm: bool = True) -> Segmenter:
    from .rjieba_adapter import RjiebaSegmenter

    return RjiebaSegmenter(user_dict, hmm=hmm)


# Engine name (``tokenize.segmenter`` in configs/sections.yaml) -> constructor.
SEGMENTERS = {"rjieba": _rjieba, "jieba": JiebaSegmenter}


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
