"""Search words: the same segmenter and dictionary cut the reports and the queries.

Index words come from the pipeline's token spans (``Report.tokens``: jieba 0.42.1's
words, from the segmenter the ``tokenize`` stage names); long words are also split
into their dictionary sub-words so that 网站建设 finds 门户网站建设 as words, never as
loose characters. Records written without tokens are cut by that same segmenter
(``nlp.text.segmenter.load_segmenter``, one per process); queries too, except when an
index supplies the word frequencies it stores (``use_frequencies``): then jieba over
them, the same words without loading a dictionary. The sub-word split follows those
frequencies.
"""

from __future__ import annotations

import hashlib
import logging
import re
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..config import CONFIG_DIR, load_config, load_yaml, resource_path
from ..errors import Errors, SearchError
from ..text.segmenter import JiebaSegmenter, Segmenter, load_segmenter

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
        self.segmenter_name = str(tokenize.get("segmenter", "rjieba"))
        self.split_min_length = int(
            split_min_length
            if split_min_length is not None
            else analysis.get("split_min_length", 3)
        )
        self._tokenizer = None
        self._segmenter: Segmenter | None = None
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
        if self._segmenter is None:
            # Queries are then cut by jieba over these frequencies: jieba 0.42.1's
            # words, as every segmenter gives them (tests/test_segmenter.py), without
            # loading a dictionary (rjieba's would add 0.3-0.5 s and 38 MiB to every
            # search command).
            self._segmenter = JiebaSegmenter.with_tokenizer(tokenizer, self.hmm)

    @property
    def segmenter(self) -> Segmenter:
        """The pipeline's segmenter (the ``tokenize`` stage's, loaded on first use)."""
        if self._segmenter is None:
            self._segmenter = load_segmenter(
                self.segmenter_name, self._user_dict_name(), self.hmm
            )
        return self._segmenter

    @property
    def tokenizer(self):
        """A jieba tokenizer with the pipeline's dictionary, for its word frequencies
        (``FREQ``, ``total``): the index's stored ones, else jieba's (loaded once)."""
        if self._tokenizer is None:
            jieba = load_segmenter("jieba", self._user_dict_name(), self.hmm)
            self._tokenizer = jieba.tokenizer  # type: ignore[attr-defined]
        return self._tokenizer

    def _user_dict_name(self) -> str | None:
        if self.user_dict is None:
            logger.warning("no jieba user dictionary; cutting with jieba's own")
            return None
        return str(self.user_dict)

    def token_spans(self, text: str) -> list[list[int]]:
        """Word spans of ``text``, for queries and records written without ``tokens``."""
        return self.segmenter.spans(text)

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
        """A query phrase cut into search words (the segmenter, then the same split)."""
        spans = self.token_spans(query)
        return self.terms(query, spans)


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
