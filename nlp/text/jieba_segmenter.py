"""Python jieba 0.42.1 as a segmenter (the reference), and what every segmenter shares:
``spans_of`` (word offsets, white space dropped) and ``read_userdict`` (a user
dictionary read exactly as jieba reads it).
"""

from __future__ import annotations

import logging
import os
import re
from itertools import accumulate, compress
from operator import not_

from ..errors import ConfigError, Errors

# jieba 0.42.1, jieba/__init__.py: how ``load_userdict`` reads a line.
_USERDICT_LINE = re.compile("^(.+?)( [0-9]+)?( [a-z]+)?$")

UserWord = tuple[str, int | None, str | None]


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
