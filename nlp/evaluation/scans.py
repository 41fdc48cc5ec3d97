"""The scan harness (issue 18): scanned PDFs made from the development reports, read
back by OCR and scored against the gold.

``make_scan`` rasterises a text PDF with PDFium at a resolution, prints a red seal
over the signature of its last page (multiplied in, as ink on paper: the black text
under it stays black), adds the noise of a level (Gaussian grain, specks, a slight
rotation, JPEG compression) and rebuilds an image-only PDF with img2pdf. ``score``
reads every scan through the whole pipeline and reports, per resolution and noise
level: character accuracy of the scan's text against the text layer of the PDF it
was made from, and sections, cells and metrics against the gold
(``scorers.score_document``). Scans and OCR output are cached under ``.ocr-cache/``.
"""

from __future__ import annotations

import io
import json
import math
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..io.ocr import get_engine, page_text
from ..pipeline.corpus import Processor
from .harness import MANIFEST, REPO, Entry, _repo_of, _resolve
from .scorers import Score, score_document

CACHE = REPO / ".ocr-cache" / "scans"
# The reports scanned by default: one of each template era with its tables
# (pre-2019 统计表, 2019, 2021), 18 pages in all.
DEFAULT_REPORTS = (
    "000_8ef287be2d4f18ab",
    "002_1a7472626beedd53",
    "hongze-district-2023",
)
# (dpi, noise) conditions: the target one for every report, the others for the first.
TARGET = (200, "mild")
GRID = ((150, "mild"), (200, "clean"), (200, "heavy"), (300, "mild"))


@dataclass(frozen=True)
class Noise:
    """Degradations of a noise level."""

    grain: float  # standard deviation of Gaussian grain, in grey levels
    specks: float  # share of pixels turned black or white
    rotation: float  # degrees, counter-clockwise
    jpeg: int  # JPEG quality (0: lossless PNG)


LEVELS = {
    "clean": Noise(grain=0.0, specks=0.0, rotation=0.0, jpeg=0),
    "mild": Noise(grain=12.0, specks=0.0005, rotation=0.6, jpeg=80),
    "heavy": Noise(grain=28.0, specks=0.002, rotation=1.5, jpeg=55),
}


def seal_image(diameter: int) -> Any:
    """A red round seal (ring, star, a band of strokes where its ring text goes) as
    an RGBA image, drawn with Pillow."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (diameter, diameter), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    red = (214, 36, 44, 230)
    ring = max(3, diameter // 28)
    draw.ellipse(
        (ring, ring, diameter - ring, diameter - ring), outline=red, width=ring
    )
    c = diameter / 2
    outer, inner = diameter * 0.16, diameter * 0.064
    star = []
    for k in range(10):
        r = outer if k % 2 == 0 else inner
        a = -math.pi / 2 + k * math.pi / 5
        star.append((c + r * math.cos(a), c + r * math.sin(a)))
    draw.polygon(star, fill=red)
    band = diameter * 0.36  # strokes around the ring, where the agency's name goes
    for k in range(18):
        a = math.pi * (0.85 + 1.3 * k / 17)
        x, y = c + band * math.cos(a), c + band * math.sin(a)
        s = diameter * 0.035
        draw.line((x - s, y - s, x + s, y + s), fill=red, width=max(2, ring // 2))
        draw.line((x - s, y + s, x + s, y - s), fill=red, width=max(2, ring // 2))
    return image


def _text_lines(page: np.ndarray) -> list[tuple[int, int, int, int]]:
    """(top, bottom, left, right) of the page's lines of ink, top to bottom."""
    ink = page.min(axis=2) < 128
    rows = np.where(ink.sum(axis=1) > 3)[0]
    lines = []
    if not len(rows):
        return lines
    start = previous = int(rows[0])
    for r in [*rows[1:].tolist(), None]:
        if r is not None and r - previous <= 3:
            previous = r
            continue
        cols = np.where(ink[start : previous + 1].any(axis=0))[0]
        lines.append((start, previous, int(cols[0]), int(cols[-1])))
        if r is not None:
            start = previous = r
    return lines


def _stamp(page: np.ndarray, dpi: int) -> np.ndarray:
    """``page`` with a seal multiplied over the right end of its last line of text
    (the agency and date of a report; the bottom rows of a table otherwise), the
    page number below it left alone."""
    lines = _text_lines(page)
    width = page.shape[1]
    while len(lines) > 1 and lines[-1][3] - lines[-1][2] < 0.15 * width:
        lines.pop()  # a page number
    if not lines:
        return page
    top, bottom, _, right = lines[-1]
    diameter = int(dpi * 1.6)  # a 4 cm seal
    cx = max(diameter // 2, min(width - diameter // 2, right - diameter // 3))
    cy = max(diameter // 2, (top + bottom) // 2, bottom - diameter // 3)
    seal = np.asarray(seal_image(diameter)).astype(np.float64) / 255
    x0, y0 = cx - diameter // 2, cy - diameter // 2
    out = page.astype(np.float64)
    ys = slice(max(0, y0), min(page.shape[0], y0 + diameter))
    xs = slice(max(0, x0), min(width, x0 + diameter))
    part = seal[ys.start - y0 : ys.stop - y0, xs.start - x0 : xs.stop - x0]
    alpha = part[..., 3:4]
    out[ys, xs] = out[ys, xs] * (1 - alpha) + out[ys, xs] * part[..., :3] * alpha
    return out.clip(0, 255).astype(np.uint8)


def _degrade(page: np.ndarray, noise: Noise, rng: np.random.Generator) -> Any:
    from PIL import Image

    out = page.astype(np.float64)
    if noise.grain:
        out += rng.normal(0, noise.grain, out.shape[:2])[..., None]
    if noise.specks:
        mask = rng.random(out.shape[:2])
        out[mask < noise.specks / 2] = 0
        out[mask > 1 - noise.specks / 2] = 255
    image = Image.fromarray(out.clip(0, 255).astype(np.uint8))
    if noise.rotation:
        image = image.rotate(
            noise.rotation, resample=Image.BICUBIC, fillcolor=(255, 255, 255)
        )
    return image


def make_scan(
    source: Path, out: Path, dpi: int, level: str, seed: int = 0, seal: bool = True
) -> Path:
    """An image-only PDF of ``source`` at ``dpi`` with the noise of ``level``."""
    import img2pdf
    import pypdfium2 as pdfium

    noise = LEVELS[level]
    rng = np.random.default_rng(seed)
    pdf = pdfium.PdfDocument(source)
    images = []
    try:
        for number in range(len(pdf)):
            page = pdf[number]
            rgb = np.asarray(page.render(scale=dpi / 72).to_pil().convert("RGB"))
            page.close()
            if seal and number == len(pdf) - 1:
                rgb = _stamp(rgb, dpi)
            image = _degrade(rgb, noise, rng)
            buffer = io.BytesIO()
            if noise.jpeg:
                image.save(buffer, "JPEG", quality=noise.jpeg, dpi=(dpi, dpi))
            else:
                image.save(buffer, "PNG", dpi=(dpi, dpi))
            images.append(buffer.getvalue())
    finally:
        pdf.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    layout = img2pdf.get_fixed_dpi_layout_fun((dpi, dpi))
    out.write_bytes(img2pdf.convert(images, layout_fun=layout, nodate=True))
    return out


def scan_entries(
    reports: Sequence[str] = DEFAULT_REPORTS,
    conditions: Sequence[tuple[int, str]] | None = None,
    manifest: Path = MANIFEST,
    cache: Path = CACHE,
) -> list[tuple[Entry, Path]]:
    """(scan entry, text PDF it was made from) for every report and condition; scans
    are made once and kept under ``cache``."""
    data = json.loads(manifest.read_text(encoding="utf-8"))
    repo = _repo_of(manifest)
    pdfs = {
        Path(item["file"]).stem: item
        for item in data.get("files", [])
        if item["layout"] == "pdf"
    }
    out = []
    for k, name in enumerate(reports):
        if name not in pdfs:
            raise KeyError(f"{name}: no pdf rendering in {manifest}")
        item = pdfs[name]
        source = _resolve(item["file"], manifest.parent)
        gold = _resolve(item["gold"], repo)
        wanted = conditions or ([TARGET, *GRID] if k == 0 else [TARGET])
        for dpi, level in wanted:
            target = cache / f"{dpi}-{level}" / f"{name}.pdf"
            if not target.exists():
                make_scan(source, target, dpi, level, seed=k)
            out.append(
                (Entry(path=target, gold=gold, group=f"{dpi}dpi {level}"), source)
            )
    return out


def _chars(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text) if not c.isspace())


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (numpy rows; pages are a few hundred characters)."""
    if not a:
        return len(b)
    if not b:
        return len(a)
    codes_b = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    previous = np.arange(len(b) + 1)
    for i, ch in enumerate(a, 1):
        cost = (codes_b != ord(ch)).astype(np.int64)
        current = np.empty_like(previous)
        current[0] = i
        substitute = previous[:-1] + cost
        delete = previous[1:] + 1
        best = np.minimum(substitute, delete)
        # insertions run left to right: a cumulative minimum of (best - j) + j
        j = np.arange(1, len(b) + 1)
        current[1:] = np.minimum.accumulate(np.minimum(best, i + j) - j) + j
        previous = current
    return int(previous[-1])


def page_texts(record: dict[str, Any]) -> list[str]:
    text = record.get("text", "")
    pages = record.get("source", {}).get("pages", [])
    return [text[p["start"] : p["end"]] for p in pages] or [text]


@dataclass
class ConditionScore:
    files: int = 0
    pages: int = 0
    chars: int = 0
    errors: int = 0  # character edits against the text layer
    # The same, order-free (multiset difference): what recognition got wrong, apart
    # from the reading order of stacked table headers.
    bag_errors: int = 0
    low_confidence_lines: int = 0
    seal_lines: int = 0
    scores: dict[str, Score] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    @property
    def char_accuracy(self) -> float | None:
        return None if not self.chars else 1 - self.errors / self.chars

    @property
    def bag_accuracy(self) -> float | None:
        return None if not self.chars else 1 - self.bag_errors / self.chars


def score(
    entries: Sequence[tuple[Entry, Path]], processor: Processor | None = None
) -> dict[str, ConditionScore]:
    """Read every scan, score it against its gold and its text layer, per condition."""
    processor = processor or Processor()
    originals: dict[Path, list[str]] = {}
    groups: dict[str, ConditionScore] = defaultdict(ConditionScore)
    for entry, source in entries:
        if source not in originals:
            originals[source] = page_texts(processor.process(source).to_dict())
        record = processor.process(entry.path).to_dict()
        group = groups[entry.group]
        group.files += 1
        for error in record.get("errors", []):
            group.failures.append(f"{entry.path.name}: {error.get('message')}")
        scanned = page_texts(record)
        for ref, hyp in zip(originals[source], scanned, strict=False):
            ref, hyp = _chars(ref), _chars(hyp)
            group.pages += 1
            group.chars += len(ref)
            group.errors += edit_distance(ref, hyp)
            a, b = Counter(ref), Counter(hyp)
            group.bag_errors += max(sum((a - b).values()), sum((b - a).values()))
        for page in record["source"].get("ocr", []):
            for line in page["lines"]:
                group.seal_lines += line["under_seal"]
                group.low_confidence_lines += line["confidence"] < 0.8
        gold = json.loads(entry.gold.read_text(encoding="utf-8"))
        for task, s in score_document(gold, record).items():
            group.scores.setdefault(task, Score()).merge(s)
    return dict(groups)


def rows(groups: dict[str, ConditionScore]) -> list[dict[str, Any]]:
    out = []
    for name in sorted(groups, key=lambda g: (int(g.split("dpi")[0]), g)):
        g = groups[name]

        def value(task: str, g: ConditionScore = g) -> float | None:
            s = g.scores.get(task)
            return None if s is None or s.value is None else round(s.value, 4)

        cells = g.scores.get("cells", Score())
        out.append(
            {
                "condition": name,
                "files": g.files,
                "pages": g.pages,
                "char_accuracy": None
                if g.char_accuracy is None
                else round(g.char_accuracy, 4),
                "chars_order_free": None
                if g.bag_accuracy is None
                else round(g.bag_accuracy, 4),
                "sections": value("sections"),
                "cells": value("cells"),
                "cells_correct": cells.correct,
                "cells_total": cells.total,
                "metrics": value("metrics"),
                "meta": value("meta"),
                "seal_lines": g.seal_lines,
                "low_confidence_lines": g.low_confidence_lines,
                "failures": g.failures,
            }
        )
    return out


def format_rows(table: list[dict[str, Any]]) -> str:
    def f(v: float | None) -> str:
        return "-" if v is None else f"{v:.3f}"

    lines = [
        "Scanned PDFs read by OCR (nlp/evaluation/scans.py):",
        (
            f"{'condition':14s} {'files':>5s} {'pages':>5s} {'chars':>7s} {'bag':>6s} "
            f"{'sections':>8s} {'cells':>7s} {'right/total':>12s} {'metrics':>7s} "
            f"{'meta':>6s} {'seal lines':>10s}"
        ),
    ]
    for r in table:
        right = f"{r['cells_correct']}/{r['cells_total']}"
        lines.append(
            f"{r['condition']:14s} {r['files']:>5d} {r['pages']:>5d} "
            f"{f(r['char_accuracy']):>7s} {f(r['chars_order_free']):>6s} "
            f"{f(r['sections']):>8s} {f(r['cells']):>7s} "
            f"{right:>12s} {f(r['metrics']):>7s} {f(r['meta']):>6s} "
            f"{r['seal_lines']:>10d}"
        )
        for failure in r["failures"]:
            lines.append(f"  error: {failure}")
    return "\n".join(lines)


# ---------------------------------------------------------------- engine comparison

# The pages the engines were compared on (docs/ocr.md §1): two prose pages, two
# table pages, of the pdf renderings.
ENGINE_PAGES = (
    ("000_8ef287be2d4f18ab", 1),
    ("hongze-district-2023", 2),
    ("hongze-district-2023", 3),
    ("002_1a7472626beedd53", 4),
)


def compare_engines(
    engines: Sequence[str],
    pages: Sequence[tuple[str, int]] = ENGINE_PAGES,
    dpi: int = 200,
    noise: float = 25.0,
    rotation: float = 0.8,
    manifest: Path = MANIFEST,
) -> list[dict[str, Any]]:
    """Each engine on the same page images (clean, and with grain and a rotation,
    not deskewed): character accuracy against the text layer (in order and
    order-free), on the digits alone, and CPU-seconds (the process's and its
    children's: tesseract runs as one)."""
    import re
    import resource
    import time

    import pypdfium2 as pdfium
    from PIL import Image

    def cpu() -> float:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + children.ru_utime + children.ru_stime

    def accuracy(ref: str, hyp: str) -> float:
        return round(1 - edit_distance(ref, hyp) / max(1, len(ref)), 4)

    rng = np.random.default_rng(0)
    loaded = {name: get_engine(name, 1) for name in engines}
    out = []
    for name, number in pages:
        source = manifest.parent / "pdf" / f"{name}.pdf"
        pdf = pdfium.PdfDocument(source)
        page = pdf[number - 1]
        ref = _chars(page.get_textpage().get_text_range())
        gray = np.asarray(page.render(scale=dpi / 72).to_pil().convert("L"))
        pdf.close()
        grain = gray.astype(np.float64) + rng.normal(0, noise, gray.shape)
        noisy = Image.fromarray(grain.clip(0, 255).astype(np.uint8)).rotate(
            rotation, resample=Image.BICUBIC, fillcolor=255
        )
        for condition, image in (("clean", gray), ("noisy", np.asarray(noisy))):
            rgb = np.ascontiguousarray(np.stack([image] * 3, axis=-1))
            for engine in loaded.values():
                start = cpu()
                text, _ = page_text(engine.recognise(rgb))
                seconds = cpu() - start
                hyp = _chars(text)
                a, b = Counter(ref), Counter(hyp)
                bag = max(sum((a - b).values()), sum((b - a).values()))
                digits = (
                    "".join(re.findall(r"\d", ref)),
                    "".join(re.findall(r"\d", hyp)),
                )
                out.append(
                    {
                        "page": f"{name} p{number}",
                        "condition": condition,
                        "engine": engine.name,
                        "chars": len(ref),
                        "char_accuracy": accuracy(ref, hyp),
                        "order_free": round(1 - bag / max(1, len(ref)), 4),
                        "digits": len(digits[0]),
                        "digit_accuracy": accuracy(*digits),
                        "cpu_s": round(seconds, 2),
                    }
                )
    return out


def format_engines(table: list[dict[str, Any]]) -> str:
    lines = [
        "OCR engines on the same pages (nlp/evaluation/scans.py compare_engines):",
        (
            f"{'page':28s} {'cond':6s} {'engine':28s} {'chars':>6s} {'acc':>7s} "
            f"{'bag':>7s} {'digits':>6s} {'dig acc':>7s} {'CPU-s':>6s}"
        ),
    ]
    for r in table:
        lines.append(
            f"{r['page']:28s} {r['condition']:6s} {r['engine']:28s} {r['chars']:>6d} "
            f"{r['char_accuracy']:>7.4f} {r['order_free']:>7.4f} {r['digits']:>6d} "
            f"{r['digit_accuracy']:>7.4f} {r['cpu_s']:>6.2f}"
        )
    return "\n".join(lines)
