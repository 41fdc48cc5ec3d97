"""OCR of PDF pages: render, prepare, recognise, lay out; with an optional cache.

``read_pages`` returns, for each page asked, its text and an ``OcrPage`` record whose
lines carry their box (PDF points, origin top left), their span of the page text,
their confidence, and whether a seal covered them. ``NLP_OCR_CACHE=DIR`` keeps each
page's recognised boxes on disk (keyed by the PDF's hash, page, resolution and
engine), so re-reading a scan during development costs no recognition.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from ...errors import Errors, IngestError
from ...records import OcrLine, OcrPage, Report
from .engine import Word, get_engine
from .image import VERSION, native_dpi, prepare, render_page
from .layout import page_text

log = logging.getLogger(__name__)

# Confidence given to text recognised under a seal: kept, but below any threshold
# that trusts a reading.
SEAL_CONFIDENCE = 0.5
# Share of a box's area a seal must cover for the box to count as under it.
SEAL_COVER = 0.2


@dataclass(frozen=True)
class Settings:
    engine: str = "rapidocr"
    threads: int = 1
    dpi: int | None = None  # None: the scan's own resolution, clamped to 150..300
    cache: Path | None = None

    @classmethod
    def from_env(cls) -> Settings:
        cache = os.environ.get("NLP_OCR_CACHE")
        dpi = os.environ.get("NLP_OCR_DPI")
        return cls(
            engine=os.environ.get("NLP_OCR_ENGINE", "rapidocr"),
            threads=int(os.environ.get("NLP_OCR_THREADS", "1")),
            dpi=int(dpi) if dpi else None,
            cache=Path(cache) if cache else None,
        )


@dataclass(frozen=True)
class PageResult:
    text: str
    page: OcrPage


def _covered(word: Word, seal: tuple[float, float, float, float]) -> bool:
    x0, y0, x1, y1 = seal
    w = max(0.0, min(word.x1, x1) - max(word.x0, x0))
    h = max(0.0, min(word.y1, y1) - max(word.y0, y0))
    area = max(1.0, (word.x1 - word.x0) * (word.y1 - word.y0))
    return w * h / area >= SEAL_COVER


def _recognise(page, path: Path, number: int, key: str, settings: Settings):
    """(words, skew, seals, dpi, engine name) of one page, from the cache if there."""
    dpi = settings.dpi or native_dpi(page)
    cached = None
    if settings.cache is not None:
        name = f"{key}-p{number}-{dpi}-{settings.engine}-v{VERSION}.json"
        cached = settings.cache / name
        if cached.exists():
            data = json.loads(cached.read_text("utf-8"))
            words = [Word(**w) for w in data["words"]]
            seals = [tuple(s) for s in data["seals"]]
            return words, data["skew"], seals, dpi, data["engine"]
    import pypdfium2 as pdfium

    engine = get_engine(settings.engine, settings.threads)
    try:
        image = render_page(page, dpi)
    except pdfium.PdfiumError as e:
        raise IngestError(
            "ocr_render", Errors.E163.format(path=path, page=number, detail=e)
        ) from e
    prepared = prepare(image, dpi)
    words = engine.recognise(prepared.image)
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "engine": engine.name,
            "skew": prepared.skew,
            "seals": [list(s) for s in prepared.seals],
            "words": [asdict(w) for w in words],
        }
        cached.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return words, prepared.skew, prepared.seals, dpi, engine.name


def read_pages(
    path: Path, data: bytes, pdf, numbers: list[int], settings: Settings | None = None
) -> dict[int, PageResult]:
    """OCR the 0-based pages ``numbers`` of the open pypdfium2 document ``pdf``."""
    settings = settings or Settings.from_env()
    key = hashlib.sha256(data).hexdigest()[:16]
    results = {}
    for number in numbers:
        page = pdf[number]
        try:
            words, skew, seals, dpi, engine = _recognise(
                page, path, number + 1, key, settings
            )
        except IngestError:
            raise
        except Exception as e:  # the engine's own failures, with the page named
            raise IngestError(
                "ocr_failed", Errors.E166.format(path=path, page=number + 1, detail=e)
            ) from e
        finally:
            page.close()
        text, pieces = page_text(words)
        scale = 72 / dpi
        lines = []
        for piece in pieces:
            word = piece.word
            under = any(_covered(word, s) for s in seals)
            confidence = (
                min(word.confidence, SEAL_CONFIDENCE) if under else word.confidence
            )
            lines.append(
                OcrLine(
                    page=number + 1,
                    box=[
                        round(v * scale, 2)
                        for v in (word.x0, word.y0, word.x1, word.y1)
                    ],
                    raw_start=piece.start,
                    raw_end=piece.end,
                    confidence=round(confidence, 4),
                    under_seal=under,
                )
            )
        results[number] = PageResult(
            text=text,
            page=OcrPage(
                number=number + 1,
                engine=engine,
                dpi=dpi,
                skew=float(skew),
                seals=len(seals),
                lines=lines,
            ),
        )
        log.info("%s: page %d read by OCR (%d boxes)", path, number + 1, len(lines))
    return results


def line_at(report: Report, offset: int) -> OcrLine | None:
    """The OCR line (page, box, confidence) that ``report.text[offset]`` was read
    from, or None when it was not read by OCR (or was added by cleaning)."""
    raw = report.raw_offset(offset)
    if raw is None:
        return None
    for page in report.source.ocr:
        for line in page.lines:
            if line.raw_start <= raw < line.raw_end:
                return line
    return None
