"""``RjiebaSegmenter``: jieba-rs (``rjieba==0.2.2``) giving Python jieba 0.42.1's tokens.

rjieba wraps jieba-rs 0.11, a Rust port of jieba with the same dictionary (dict.txt of
jieba 0.42.1, embedded), the same route search and the same HMM tables. It differs from
Python jieba in four places; this adapter corrects each one:

1. **Non-Chinese runs in the HMM fallback.** Python's ``finalseg`` splits the non-Han
   part of an unknown run with ``[a-zA-Z0-9]+(?:\\.\\d+)?%?``. jieba-rs uses
   ``[a-zA-Z0-9]+(?:[._-][a-zA-Z0-9]+)*%?`` and keeps dates, telephone numbers, host
   and file names whole: jieba gives ``2015 / - / 08 / - / 03``, jieba-rs
   ``2015-08-03``. Every token jieba-rs joins this way has ``.``, ``_`` or ``-``
   between two ASCII letters or digits, and jieba-rs's pieces never cut where
   Python's do not, so splitting such a token again with Python's expression gives
   Python's pieces. A token that is itself a dictionary word (``COVID-19`` in a user
   dictionary) is kept when the no-HMM cut of its block takes it whole: that cut
   follows the same route.
2. **Which characters are Han.** Python: ``[\\u4E00-\\u9FD5a-zA-Z0-9+#&._%-]``;
   jieba-rs also counts U+9FD6-U+9FFF, Extension A, the compatibility ideographs and
   the supplementary planes, and may join them (``㐀㐁``), where Python yields each
   alone. The adapter cuts the text at each such character and yields it alone; lone
   surrogates, which rjieba cannot encode, likewise.
3. **The dictionary total**, the denominator of every word probability. Python adds
   every frequency it reads to ``total``, also for a word it already has (dict.txt
   lists ``B超`` twice; 17 words of the domain dictionary are in dict.txt); jieba-rs
   replaces the old frequency. Uncorrected, its total is 11,397 lower with the domain
   dictionary, which flips near-ties (``训练者`` against ``训练 / 者``). rjieba does
   not expose the total, so the adapter measures it (``_rs_total``) and makes up the
   difference with the frequency of a private-use character, which never reaches the
   word graph because it is never part of a Han block.
4. **User dictionaries.** rjieba has no ``load_userdict``; lines are read as jieba
   reads them (``read_userdict``) and added with ``add_word`` in file order. A line
   without a frequency gets jieba's ``suggest_freq`` value, computed here (jieba-rs's
   own differs: 条例 20000 against 20001). A line with frequency 0 (a deletion in
   jieba) is refused: jieba-rs cannot delete a word the same way.

Python's total for its main dictionary is the sum of dict.txt's frequencies. It is
known for jieba 0.42.1's file (checked by its SHA-256) and summed for any other file:
nothing is cached or written.

The corrections encode jieba-rs 0.11's behaviour, hence the exact pin. Before any
upgrade of rjieba or jieba run ``tests/test_segmenter.py``: it compares this adapter
with jieba over every text of ``corpora/``.
"""

from __future__ import annotations

import bisect
import hashlib
import importlib.machinery
import importlib.util
import logging
import math
import os
import re
import sys
from itertools import accumulate
from pathlib import Path

from ..errors import ConfigError, Errors
from .jieba_segmenter import read_userdict, spans_of

log = logging.getLogger(__name__)

# jieba 0.42.1, jieba/finalseg/__init__.py: re_skip, the split of non-Han HMM runs.
_HMM_SKIP = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")
# Characters Python jieba does not take as Han (outside U+4E00-U+9FD5) but jieba-rs
# may: CJK radicals, Extension A, U+9FD6-U+9FFF, compatibility ideographs, the
# supplementary ideographic planes; and lone surrogates. Broad on purpose: cutting
# the text at a character jieba takes as non-Han never changes jieba's tokens.
_RS_ONLY_HAN = re.compile(
    "([\u2e80-\u2fdf\u3400-\u4dbf\u9fd6-\u9fff\ud800-\udfff\uf900-\ufaff"
    "\U00020000-\U0003ffff])"
)
# Where jieba-rs's HMM fallback joins what Python's splits.
_JOINED = re.compile(r"[a-zA-Z0-9][._\-][a-zA-Z0-9]")
# The rest of a Han block (jieba's re_han_default) from a position.
_BLOCK_TAIL = re.compile("[\u4e00-\u9fd5a-zA-Z0-9+#&._%\\-]*")
_BLOCK_ASCII = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+#&._%-"
)
# From one joinable connector per _DENSE_RATIO characters (markup, lists of links)
# on, one cut of the whole text and a pass over its tokens beat re-cutting blocks.
_DENSE_MIN = 2000
_DENSE_RATIO = 1000

# Private-use characters, never in a Han block: the total's pad word and the probes.
_PAD = "\U0010fffd"
_PROBE = ("\U0010fffb", "\U0010fffc")

# SHA-256 of a main dictionary -> the sum of its frequencies (Python jieba's total
# after ``gen_pfdict``). jieba 0.42.1's dict.txt; tests/test_segmenter.py sums it.
KNOWN_MAIN_TOTALS = {
    "7197c3211ddd98962b036cdf40324d1ea2bfaa12bd028e68faa70111a88e12a8": 60_101_967,
}


def _is_block_char(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fd5" or c in _BLOCK_ASCII


def jieba_dict_path() -> Path | None:
    """The dict.txt of the installed jieba, found without importing jieba."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.origin:
        return None
    path = Path(spec.origin).with_name("dict.txt")
    return path if path.is_file() else None


def main_dict_total(data: bytes) -> int:
    """Python jieba's total for the main dictionary ``data`` (dict.txt's bytes)."""
    known = KNOWN_MAIN_TOTALS.get(hashlib.sha256(data).hexdigest())
    if known is not None:
        return known
    return sum(int(line.split(b" ")[1]) for line in data.splitlines() if line.strip())


def _predict_pair(total: int, a: int) -> int:
    """jieba-rs's ``suggest_freq`` of two characters of frequency ``a`` that form no
    word, with dictionary total ``total``: the same floating-point steps."""
    lt = math.log(total)
    lf = 0.0
    lf = lf + math.log(a) - lt
    lf = lf + math.log(a) - lt
    return max(int(math.exp(lf + lt)) + 1, 1)


def _rs_total(rs, max_probes: int = 200) -> int | None:
    """jieba-rs's dictionary total, which rjieba does not expose.

    Two private-use characters get frequency ``a``; ``suggest_freq`` of the pair is
    then int(a²/(T+2a)) + 1. A probe with a large ``a`` pins T to a few units; probes
    with pseudo-random ``a`` near 1e9 rule out all candidates but one. None when no
    single candidate is left (the arithmetic is not reproduced). The probes are left
    at frequency 0, which a private-use character never uses.
    """
    c1, c2 = _PROBE

    def probe(a: int) -> int:
        rs.add_word(c1, a, None)
        rs.add_word(c2, a, None)
        return rs.suggest_freq(c1 + c2)

    try:
        a0 = 10**12
        v = probe(a0)
        est = round(a0 * a0 / (v - 1)) - 2 * a0
        cands = {
            t
            for t in range(est - 16, est + 17)
            if t > 0 and _predict_pair(t + 2 * a0, a0) == v
        }
        k = 0
        while len(cands) > 1 and k < max_probes:
            k += 1
            a = 10**9 + (k * 2654435761) % 10**9
            v = probe(a)
            cands = {t for t in cands if _predict_pair(t + 2 * a, a) == v}
    finally:
        rs.add_word(c1, 0, None)
        rs.add_word(c2, 0, None)
    return cands.pop() if len(cands) == 1 else None


def _rjieba_class() -> type:
    """``rjieba.Jieba`` without the default instance ``import rjieba`` builds.

    rjieba's ``__init__`` makes a module-level ``Jieba()`` (0.15 s, 22 MiB) that is
    never used here; the extension module loaded by itself skips it. It is registered
    as ``rjieba.rjieba``, so a later ``import rjieba`` reuses it.
    """
    for name in ("rjieba", "rjieba.rjieba"):
        if name in sys.modules:
            return sys.modules[name].Jieba
    spec = importlib.util.find_spec("rjieba")
    if spec is None or spec.origin is None:
        raise ImportError("No module named 'rjieba'")
    try:
        so = next(
            p
            for p in Path(spec.origin).parent.iterdir()
            if p.name.startswith("rjieba.") and p.suffix in (".so", ".pyd")
        )
        loader = importlib.machinery.ExtensionFileLoader("rjieba.rjieba", str(so))
        ext_spec = importlib.util.spec_from_file_location(
            "rjieba.rjieba", so, loader=loader
        )
        assert ext_spec is not None
        ext = importlib.util.module_from_spec(ext_spec)
        loader.exec_module(ext)
    except (StopIteration, ImportError, AssertionError, OSError):
        import rjieba  # another layout: the ordinary import

        return rjieba.Jieba
    sys.modules["rjieba.rjieba"] = ext
    return ext.Jieba


class RjiebaSegmenter:
    """rjieba (jieba-rs) with the corrections that give jieba 0.42.1's tokens.

    ``main_dict`` is jieba's dict.txt (found next to the installed jieba when not
    given): its total, and for a user word without frequency the prefixes it holds.
    ``fix_total=False`` leaves jieba-rs's total as it is: only for showing what the
    correction changes (tokens can then differ, e.g. 训练者).
    """

    name = "rjieba"

    def __init__(
        self,
        user_dict: str | os.PathLike | None,
        hmm: bool = True,
        main_dict: str | os.PathLike | None = None,
        fix_total: bool = True,
    ):
        self.hmm = hmm
        self.rs = _rjieba_class()()
        self._has_word = self.rs.has_word
        self._cut = self.rs.cut
        self._pad = 0
        self._main_bytes: bytes | None = None
        self._user_prefixes: set[str] = set()
        self.total: int | None = None  # Python jieba's total, once jieba-rs has it
        self.total_correction = 0
        entries = read_userdict(user_dict) if user_dict is not None else []
        for word, freq, _tag in entries:
            if freq == 0:
                raise ConfigError(
                    Errors.E605.format(
                        name=self.name,
                        detail=f"{user_dict}: {word!r} has frequency 0, a deletion in "
                        "jieba that jieba-rs cannot make; remove the line",
                    )
                )
        main = Path(main_dict) if main_dict is not None else jieba_dict_path()
        self._main_dict = main
        total = None
        if fix_total:
            if main is None:
                log.warning(
                    "jieba's dict.txt not found: tokens may differ from jieba's"
                )
            else:
                self._main_bytes = main.read_bytes()
                total = main_dict_total(self._main_bytes)
        for word, freq, tag in entries:
            if freq is None:
                if total is not None and self._sync_total(total):
                    freq = self._jieba_suggest_freq(word, total)
                else:
                    log.warning(
                        "%s: %r has no frequency; jieba-rs suggests one its own way, "
                        "tokens may differ from jieba's",
                        user_dict,
                        word,
                    )
            freq = self.rs.add_word(word, freq, tag)
            if total is not None:
                total += freq  # jieba adds it, also for a word it already had
            self._user_prefixes.update(word[: i + 1] for i in range(len(word)))
        if total is not None and self._sync_total(total):
            self.total = total
            self.total_correction = self._pad
        self._main_bytes = None  # only needed while loading

    # -- the dictionary total ------------------------------------------------------
    def _sync_total(self, want: int) -> bool:
        """Make jieba-rs's total ``want`` through the pad word's frequency."""
        have = _rs_total(self.rs)
        if have is None:
            log.warning("cannot measure jieba-rs's dictionary total; left as it is")
            return False
        pad = self._pad + want - have
        if pad < 0:
            log.warning(
                "jieba-rs's total %d exceeds jieba's %d; left as it is", have, want
            )
            return False
        if pad != self._pad:
            self.rs.add_word(_PAD, pad, None)
            self._pad = pad
        return True

    # -- jieba's suggest_freq, for user words without a frequency ------------------
    def _jieba_freq(self, word: str, default: int) -> int:
        """``jieba.Tokenizer.FREQ.get(word, default)`` for the dictionary so far."""
        if self._has_word(word):
            # Setting the word to 1 moves the total by (old - 1): measured exactly.
            before = _rs_total(self.rs)
            self.rs.add_word(word, 1, None)
            after = _rs_total(self.rs)
            if before is None or after is None:
                return default
            old = before - after + 1
            self.rs.add_word(word, old, None)
            return old
        if word in self._user_prefixes:
            return 0  # a prefix of a user word: in FREQ with frequency 0
        data = b"\n" + (self._main_bytes or b"")
        if data.find(b"\n" + word.encode("utf-8")) >= 0:
            return 0  # a prefix of a dict.txt word
        return default

    def _jieba_suggest_freq(self, word: str, total: int) -> int:
        """``jieba.Tokenizer.suggest_freq(word, tune=False)``, the same arithmetic."""
        ftotal = float(total)
        freq = 1.0
        for seg in self._cut_text(word, False):
            freq *= self._jieba_freq(seg, 1) / ftotal
        return max(int(freq * total) + 1, self._jieba_freq(word, 1))

    # -- cutting -------------------------------------------------------------------
    def cut(self, text: str) -> list[str]:
        return self._cut_text(text, self.hmm)

    def spans(self, text: str) -> list[list[int]]:
        return spans_of(self._cut_text(text, self.hmm))

    def _cut_text(self, text: str, hmm: bool) -> list[str]:
        if _RS_ONLY_HAN.search(text) is None:
            return self._cut_piece(text, hmm)
        words: list[str] = []
        for i, piece in enumerate(_RS_ONLY_HAN.split(text)):
            if i % 2:
                words.append(piece)  # a character jieba yields alone
            elif piece:
                words.extend(self._cut_piece(piece, hmm))
        return words

    def _cut_piece(self, text: str, hmm: bool) -> list[str]:
        if not hmm:
            return self._cut(text, False)  # identical to jieba's without the HMM
        if len(text) > _DENSE_MIN:
            joined = len(_JOINED.findall(text))
            if joined * _DENSE_RATIO > len(text):
                return self._fix_dense(text)
        m = _JOINED.search(text)
        if m is None:
            return self._cut(text, True)
        # Few connectors: re-cut only the Han blocks that hold one. Blocks are cut
        # independently (by jieba and by jieba-rs), so the rest needs no look.
        words: list[str] = []
        done = 0
        n = len(text)
        while m is not None:
            lo = m.start()
            while lo > done and _is_block_char(text[lo - 1]):
                lo -= 1
            hi = _BLOCK_TAIL.match(text, m.end()).end()  # type: ignore[union-attr]
            if lo > done:
                words.extend(self._cut(text[done:lo], True))
            words.extend(self._fix_block(text[lo:hi]))
            done = hi
            m = _JOINED.search(text, hi) if hi < n else None
        if done < n:
            words.extend(self._cut(text[done:], True))
        return words

    def _fix_block(self, block: str) -> list[str]:
        """jieba's tokens of one Han block that holds a joinable connector."""
        out: list[str] = []
        pos = 0
        for word in self._cut(block, True):
            start, pos = pos, pos + len(word)
            if len(word) < 3 or not word.isascii() or _JOINED.search(word) is None:
                out.append(word)  # not joined by jieba-rs's HMM fallback
            elif self._has_word(word) and self._route_has(block, start, pos):
                out.append(word)  # a dictionary word the route takes whole
            else:
                out.extend(p for p in _HMM_SKIP.split(word) if p)
        return out

    def _fix_dense(self, text: str) -> list[str]:
        """Many connectors: one cut of the whole text, then the joined tokens fixed."""
        words = self._cut(text, True)
        ends = list(accumulate(map(len, words)))
        todo = set()
        for m in _JOINED.finditer(text):
            i = bisect.bisect_right(ends, m.start())  # the token with the first alnum
            if ends[i] >= m.end():  # ... also holds the connector and the next one
                todo.add(i)
        out: list[str] = []
        last = 0
        for i in sorted(todo):
            word = words[i]
            if not word.isascii():
                continue  # mixes Han and ASCII: a dictionary word of the route
            start, end = ends[i] - len(word), ends[i]
            if self._has_word(word):
                lo = start
                while lo > 0 and _is_block_char(text[lo - 1]):
                    lo -= 1
                hi = _BLOCK_TAIL.match(text, end).end()  # type: ignore[union-attr]
                if self._route_has(text[lo:hi], start - lo, end - lo):
                    continue
            out.extend(words[last:i])
            out.extend(p for p in _HMM_SKIP.split(word) if p)
            last = i + 1
        if last == 0:
            return words
        out.extend(words[last:])
        return out

    def _route_has(self, block: str, start: int, end: int) -> bool:
        """Whether the best route through ``block`` takes ``block[start:end]`` whole.

        The no-HMM cut follows the route the HMM cut starts from: a dictionary word
        with a connector is whole in it only if the route took it as one word (else
        the route left its characters single and the HMM fallback joined them).
        """
        words = self._cut(block, False)
        starts = accumulate(map(len, words), initial=0)
        return (start, end) in zip(starts, accumulate(map(len, words)))
