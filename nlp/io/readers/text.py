"""Plain text and Markdown in any Chinese encoding, detected rather than assumed."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from ...errors import Errors, IngestError
from .base import DEFAULT_LIMITS, Limits, RawDocument

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Candidates tried in order after UTF-8; GB18030 is a superset of GBK and GB2312.
_CJK_ENCODINGS = ("gb18030", "big5hkscs", "utf-16")


def decode(path: Path, data: bytes) -> tuple[str, str]:
    """Decode bytes to text; return (text, encoding name).

    A decoding is accepted only when the result reads as report text
    (``reads_as_report``): bytes that decode without error in some codec are not
    thereby text. When none fits, ``ingest/undecodable`` names every codec tried."""
    tried: list[str] = []
    for bom, name in _BOMS:
        if data.startswith(bom):
            tried.append(name)
            try:
                text = data.decode(name)
            except UnicodeDecodeError:
                break  # a BOM made by a flipped bit: try the other readings
            if reads_as_report(text):
                return text, name
            break
    if b"\x00" in data[:8000]:
        # NUL bytes: UTF-16 without a BOM, or binary. Keep a UTF-16 reading only when
        # it is plainly report text.
        for name in ("utf-16-le", "utf-16-be"):
            tried.append(name)
            try:
                text = data.decode(name)
            except UnicodeDecodeError:
                continue
            if _plain_share(text[:4000]) > 0.9 and reads_as_report(text):
                return text, name
    _reject_binary(path, data)
    tried.append("utf-8")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if reads_as_report(text):
            return text, "utf-8"
    try:
        return _decode_cjk(path, data, tried)
    except IngestError:
        # A few damaged bytes (a flipped bit, a cut at the end) in otherwise valid
        # UTF-8 or GB18030: keep the reading, the damage shown as U+FFFD, rather
        # than a wrong codec's garbage or nothing.
        for name in ("utf-8", "gb18030"):
            text = data.decode(name, errors="replace")
            damaged = text.count("\ufffd")
            if (
                damaged <= max(3, len(text) // 1000)
                and reads_as_report(text)
                and (name == "utf-8" or _cjk_score(text) >= CJK_SCORE)
            ):
                return text, name
        raise


# What report text is made of: ASCII, CJK ideographs (with extension A), CJK and
# full-width punctuation, general punctuation, Latin-1 signs (°, ×), enclosed numbers
# (①), box drawing (tables) and the few symbols reports use.
_READABLE = (
    "\t\n\r\x20-\x7e\u00a0-\u00ff\u2000-\u206f\u2100-\u2bff\u3000-\u303f"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
    "\u0391-\u03c9\u0401-\u0451"
)
_UNREADABLE = re.compile(f"[^{_READABLE}]+")
_PRIVATE_RUN = re.compile("[\ue000-\uf8ff\U000f0000-\U0010ffff]{2,}")
# A mis-decoded report scatters code points over the planes: far below this share.
READABLE_SHARE = 0.95


# A multi-byte CJK codec decodes most byte strings into ideographs: a reading is kept
# only when this share of its characters are ASCII or frequent report characters
# (the sample reports: 0.69-0.80, 0.63 in traditional characters; UTF-8 bytes read
# as GB18030: 0.18-0.23; GB18030 bytes read as Big5: 0.25).
CJK_SCORE = 0.45


def reads_as_report(text: str) -> bool:
    """True when ``text`` reads as (Chinese) report text: at least
    ``READABLE_SHARE`` of its characters are ASCII, CJK or common punctuation, and
    no two private-use characters stand together (what a wrong codec yields)."""
    if not text:
        return True
    if _PRIVATE_RUN.search(text):
        return False
    other = sum(len(run) for run in _UNREADABLE.findall(text))
    return other <= (1 - READABLE_SHARE) * len(text)


_CONTROL_BYTES = bytes([*range(9), *range(14, 32)])


def _reject_binary(path: Path, data: bytes) -> None:
    sample = data[:8000]
    nul = sample.count(0)
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if nul or controls / max(1, len(sample)) > 0.05:
        raise IngestError(
            "binary",
            Errors.E103.format(
                path=path, detail=f"{nul} NUL and {controls} control bytes"
            ),
        )


def _decode_cjk(path: Path, data: bytes, tried: list[str]) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    # A guess from the first 256 KiB is as good as from all of it, and bounded.
    best = from_bytes(data[: 1 << 18], cp_isolation=None).best()
    # charset-normalizer is good at telling Big5 from GB; keep its answer when it is
    # a CJK codec, and otherwise fall back to the strict CJK candidates in order.
    candidates: list[str] = []
    if best is not None and best.encoding:
        candidates.append(best.encoding)
    candidates.extend(_CJK_ENCODINGS)
    scored = []
    for name in dict.fromkeys(candidates):
        tried.append(name)
        try:
            text = data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
        if reads_as_report(text) and _cjk_score(text) >= CJK_SCORE:
            scored.append((_cjk_score(text), name, text))
    if not scored:
        raise IngestError(
            "undecodable",
            Errors.E115.format(path=path, tried=", ".join(dict.fromkeys(tried))),
        )
    scored.sort(key=lambda item: -item[0])
    _, name, text = scored[0]
    return text, _canonical(name)


# Frequent characters of these reports, in simplified and traditional forms: a wrong
# codec still yields CJK code points, but rarely these.
_COMMON = frozenset(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动"
    "同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自"
    "二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日"
    "那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变"
    "条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总"
    "次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指"
    "息信府务办申请报告况据规范监督年度網開個們會與於為發對關時說資訊這務報請區縣機"
    "。，、：；（）“”《》"
)


_PLAIN = re.compile(r"[\t\n\r\x20-\x7e\u4e00-\u9fff\u3000-\u303f\uff00-\uffef“”‘’…—]")


def _plain_share(text: str) -> float:
    """Share of ASCII, CJK ideographs and CJK punctuation (a wrong UTF-16 byte order
    scatters code points over the whole plane)."""
    return len(_PLAIN.findall(text)) / len(text) if text else 0.0


def _cjk_score(text: str) -> float:
    """Share of characters that are frequent report characters or ASCII."""
    if not text:
        return 0.0
    good = sum(1 for ch in text if ch < "\x80" or ch in _COMMON)
    return good / len(text)


def _canonical(name: str) -> str:
    name = name.lower().replace("_", "-")
    return {
        "gb2312": "gb18030",
        "gbk": "gb18030",
        "big5": "big5hkscs",
        "cp950": "big5hkscs",
    }.get(name, name)


def _check_size(path: Path, data: bytes, limits: Limits) -> None:
    """A character takes at most 4 bytes: past 4 bytes per allowed character the
    text is too long whatever its encoding, and need not be decoded to know it."""
    if limits.max_chars is not None and len(data) > 4 * limits.max_chars:
        raise IngestError(
            "too_long",
            Errors.E112.format(
                path=path, chars=f"at least {len(data) // 4}", limit=limits.max_chars
            ),
        )


def read_text(path: Path, data: bytes, limits: Limits = DEFAULT_LIMITS) -> RawDocument:
    _check_size(path, data, limits)
    text, encoding = decode(path, data)
    return RawDocument(text=text, format="txt", encoding=encoding)


def read_markdown(
    path: Path, data: bytes, limits: Limits = DEFAULT_LIMITS
) -> RawDocument:
    _check_size(path, data, limits)
    text, encoding = decode(path, data)
    return RawDocument(text=text, format="md", encoding=encoding)
