"""Search words: the same jieba dictionary cuts the reports and the queries.

Index words come from the pipeline's jieba token spans (``Report.tokens``); long words
are also split into their dictionary sub-words so that 网站建设 finds 门户网站建设 as
words, never as loose characters. Queries are cut with the same dictionary and split
the same way.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..config import CONFIG_DIR, load_config, load_yaml, resource_path
from ..errors import Errors, SearchError

logger = logging.getLogger(__name__)

SEARCH_CONFIG = CONFIG_DIR / "search" / "search.yaml"
_CJK_WORD = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_HAS_WORD_CHAR = re.compile(r"\w")


def search_config() -> dict[str, Any]:
    """``configs/search/search.yaml``, validated."""
    data = load_yaml(SEARCH_CONFIG)
    for key in ("analysis", "ranking", "snippet"):
        if not isinstance(data.get(key), dict):
            raise SearchError(
                Errors.E800.format(
                    path=SEARCH_CONFIG, detail=f"{key!r} must be a mapping"
                )
            )
    return data


class SearchAnalyzer:
    """Turns token spans and query strings into the words the index stores.

    ``terms(text, spans)`` gives the search words of the tokens ``spans`` of ``text``;
    ``query_words(string)`` cuts a query the same way. ``fingerprint`` identifies the
    settings (dictionary hash, HMM, split length): an index built with other settings
    must be rebuilt, since its words would not meet the query's.
    """

    def __init__(
        self,
        user_dict: str | Path | None = None,
        hmm: bool | None = None,
        split_min_length: int | None = None,
    ):
        analysis = search_config()["analysis"]
        tokenize = (
            load_config(str(analysis.get("tokenize_config", "sections"))).get(
                "tokenize"
            )
            or {}
        )
        path = resource_path(user_dict or tokenize.get("user_dict", "jieba_dict.txt"))
        if not path.is_absolute():
            path = CONFIG_DIR.parent / path
        self.user_dict = path if path.is_file() else None
        self.hmm = bool(tokenize.get("hmm", True)) if hmm is None else hmm
        self.split_min_length = int(
            split_min_length
            if split_min_length is not None
            else analysis.get("split_min_length", 3)
        )
        self._tokenizer = None
        self._split_cache: dict[str, tuple[str, ...]] = {}
        self._terms_cache: dict[str, tuple[str, ...]] = {}

    @property
    def fingerprint(self) -> dict[str, Any]:
        import jieba

        digest = (
            hashlib.sha256(self.user_dict.read_bytes()).hexdigest()[:16]
            if self.user_dict
            else "none"
        )
        return {
            "jieba": jieba.__version__,
            "user_dict": self.user_dict.name if self.user_dict else None,
            "user_dict_sha256": digest,
            "hmm": self.hmm,
            "split_min_length": self.split_min_length,
        }

    def use_frequencies(self, frequencies: Mapping[str, int], total: float) -> None:
        """Cut with these word frequencies instead of loading jieba's dictionaries.

        An index keeps the frequencies it was built with (the main dictionary merged
        with the user dictionary), so a search does not spend seconds loading jieba's
        dictionary for a query of a few words; the cut is the same.
        """
        import jieba

        jieba.setLogLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        tokenizer.FREQ = frequencies
        tokenizer.total = total
        tokenizer.initialized = True
        self._tokenizer = tokenizer

    @property
    def tokenizer(self):
        """The process-wide jieba tokenizer of the pipeline (loaded on first use)."""
        if self._tokenizer is None:
            if self.user_dict is None:
                logger.warning("no jieba user dictionary; cutting with jieba's own")
            self._tokenizer = _jieba(str(self.user_dict) if self.user_dict else None)
        return self._tokenizer

    def token_spans(self, text: str) -> list[list[int]]:
        """Jieba spans of ``text``, for records written without ``tokens``."""
        spans = []
        pos = 0
        for word in self.tokenizer.cut(text, HMM=self.hmm):
            end = pos + len(word)
            if not word.isspace():
                spans.append([pos, end])
            pos = end
        return spans

    def split(self, word: str) -> tuple[str, ...]:
        """``word`` as dictionary sub-words when it is a long CJK word, else itself."""
        cached = self._split_cache.get(word)
        if cached is None:
            if len(word) < self.split_min_length or not _CJK_WORD.fullmatch(word):
                cached = (word,)
            else:
                cached = tuple(self._split_long(word))
            if len(self._split_cache) < 500_000:
                self._split_cache[word] = cached
        return cached

    def _split_long(self, word: str) -> list[str]:
        # jieba's best route through the word's dictionary graph, without the edge
        # that takes the whole word: the most likely way to read it as shorter words.
        tokenizer = self.tokenizer
        dag = tokenizer.get_DAG(word)
        dag[0] = [end for end in dag[0] if end != len(word) - 1] or [0]
        route: dict[int, tuple[float, int]] = {}
        tokenizer.calc(word, dag, route)
        pieces = []
        i = 0
        while i < len(word):
            j = route[i][1] + 1
            pieces.extend(self.split(word[i:j]))
            i = j
        return pieces

    def terms(self, text: str, spans: Sequence[Sequence[int]]) -> list[str]:
        """Search words of the token ``spans`` of ``text`` (punctuation dropped)."""
        words: list[str] = []
        cache = self._terms_cache
        for start, end in spans:
            token = text[start:end]
            found = cache.get(token)
            if found is None:
                found = self.split(token) if _HAS_WORD_CHAR.search(token) else ()
                if len(cache) < 500_000:
                    cache[token] = found
            words.extend(found)
        return words

    def query_words(self, query: str) -> list[str]:
        """A query phrase cut into search words (jieba, then the same split)."""
        spans = self.token_spans(query)
        return self.terms(query, spans)


@functools.lru_cache(maxsize=4)
def _jieba(user_dict: str | None):
    """One jieba tokenizer per dictionary and process, set up as the ``tokenize`` stage
    does (not imported from it: that package loads the section classifier's libraries,
    which would make every search command slow to start)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    if user_dict:
        tokenizer.load_userdict(user_dict)
    return tokenizer


def spans_within(
    tokens: Sequence[Sequence[int]], starts: Sequence[int], start: int, end: int
) -> Sequence[Sequence[int]]:
    """The token spans that start inside ``[start, end)``, clipped to ``end``.

    ``starts`` is the list of token start offsets (sorted), for bisecting.
    """
    first = bisect_left(starts, start)
    last = bisect_left(starts, end, lo=first)
    selected = tokens[first:last]
    if selected and selected[-1][1] > end:
        selected = [*selected[:-1], [selected[-1][0], end]]
    return selected
