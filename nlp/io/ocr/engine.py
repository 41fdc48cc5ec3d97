"""OCR engines behind one interface: an image in, boxed words with confidences out.

``RapidOcrEngine`` (the default) runs PP-OCR's detection, direction and recognition
models in ONNX Runtime; rapidocr 3.10 ships them inside its wheel, so nothing is
downloaded at run time. ``TesseractEngine`` (Debian's ``tesseract-ocr-chi-sim``
through pytesseract) is kept for comparison (docs/ocr.md). Both are optional: the
``ocr`` extra installs the default one.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from importlib import metadata
from typing import Protocol

import numpy as np

from ...errors import Errors, IngestError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Word:
    """One recognised box: ``(x0, y0, x1, y1)`` in pixels of the image it came from."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    confidence: float

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


class Engine(Protocol):
    name: str

    def recognise(self, image: np.ndarray) -> list[Word]:
        """The words of an RGB ``uint8`` image (height, width, 3)."""
        ...


def available() -> bool:
    """Whether the default engine can be loaded (the ``ocr`` extra is installed)."""
    try:
        import onnxruntime  # noqa: F401
        import rapidocr  # noqa: F401
    except ImportError:
        return False
    return True


class RapidOcrEngine:
    """PP-OCR (detection, 0/180° direction, recognition) in ONNX Runtime via rapidocr.

    ``threads`` bounds ONNX Runtime's intra-op threads (the machine is shared and a
    corpus run parallelises over documents instead)."""

    def __init__(self, threads: int = 1):
        self.threads = threads
        try:
            from rapidocr import RapidOCR
        except ImportError as e:
            raise IngestError(
                "ocr_missing", Errors.E164.format(name="rapidocr", detail=e)
            ) from e
        self.name = f"rapidocr-{metadata.version('rapidocr')}"
        self._ocr = RapidOCR(
            params={
                "Global.log_level": "error",
                "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            }
        )

    def recognise(self, image: np.ndarray) -> list[Word]:
        result = self._ocr(image)
        if result.boxes is None or result.txts is None:
            return []
        words = []
        for box, text, score in zip(result.boxes, result.txts, result.scores):
            xs = [float(p[0]) for p in box]
            ys = [float(p[1]) for p in box]
            if text.strip():
                words.append(
                    Word(min(xs), min(ys), max(xs), max(ys), text, float(score))
                )
        return words


class TesseractEngine:
    """Tesseract 5 with ``chi_sim`` through pytesseract: one word per Tesseract line."""

    def __init__(self, lang: str = "chi_sim", threads: int = 1):
        try:
            import pytesseract

            version = str(pytesseract.get_tesseract_version())
        except Exception as e:  # ImportError, or the binary missing
            raise IngestError(
                "ocr_missing", Errors.E164.format(name="tesseract", detail=e)
            ) from e
        # Tesseract's OpenMP threads: read by the tesseract process pytesseract spawns.
        os.environ.setdefault("OMP_THREAD_LIMIT", str(threads))
        self._tess = pytesseract
        self.lang = lang
        self.threads = threads
        self.name = f"tesseract-{version}-{lang}"

    def recognise(self, image: np.ndarray) -> list[Word]:
        data = self._tess.image_to_data(
            image, lang=self.lang, output_type=self._tess.Output.DICT
        )
        lines: dict[tuple[int, int, int], list[int]] = {}
        for i, text in enumerate(data["text"]):
            if text.strip():
                key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
                lines.setdefault(key, []).append(i)
        words = []
        for members in lines.values():
            x0 = min(data["left"][i] for i in members)
            y0 = min(data["top"][i] for i in members)
            x1 = max(data["left"][i] + data["width"][i] for i in members)
            y1 = max(data["top"][i] + data["height"][i] for i in members)
            text = "".join(data["text"][i] for i in members)
            conf = [
                float(data["conf"][i]) for i in members if float(data["conf"][i]) >= 0
            ]
            words.append(
                Word(
                    x0, y0, x1, y1, text, (sum(conf) / len(conf) / 100) if conf else 0.0
                )
            )
        return words


ENGINES = {"rapidocr": RapidOcrEngine, "tesseract": TesseractEngine}
_LOADED: dict[tuple[str, int], Engine] = {}


def get_engine(name: str = "rapidocr", threads: int = 1) -> Engine:
    """The engine ``name``, loaded once per process (loading the models takes ~1 s)."""
    if name not in ENGINES:
        raise IngestError(
            "ocr_engine", Errors.E165.format(name=name, known=", ".join(ENGINES))
        )
    key = (name, threads)
    if key not in _LOADED:
        _LOADED[key] = ENGINES[name](threads=threads)
    return _LOADED[key]
