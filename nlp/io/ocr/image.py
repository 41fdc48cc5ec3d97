"""Page images for OCR: rasterising with PDFium, deskewing, and lifting red seals.

A scan is deskewed before recognition (the projection-profile method: the rotation
whose row profile of ink is sharpest). A red seal (公章) is found as a large blob of
red pixels; its red is whitened so the black text printed under it is recognised,
and its box is kept so the lines under it can be marked low-confidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # Pillow is imported when a page is prepared, not at start-up
    from PIL import Image

# Bumped whenever preparing a page changes what the engine sees (the OCR cache of
# ``document`` keys on it).
VERSION = 2
# Search range and steps of the skew estimate, in degrees.
MAX_SKEW = 5.0
COARSE_STEP = 0.5
FINE_STEP = 0.1
# Width the skew is estimated at (the angle does not need full resolution).
SKEW_WIDTH = 800


@dataclass(frozen=True)
class Prepared:
    """A page image ready for recognition, and what was done to it."""

    image: np.ndarray  # RGB uint8
    skew: float  # degrees the scan was rotated (counter-clockwise positive)
    seals: list[tuple[float, float, float, float]]  # pixel boxes of red seals


def render_page(page, dpi: int) -> Image.Image:
    """An RGB image of a pypdfium2 page at ``dpi``."""
    return page.render(scale=dpi / 72).to_pil().convert("RGB")


def native_dpi(page, default: int = 200, low: int = 150, high: int = 300) -> int:
    """The resolution of the largest image on a scanned page, clamped to
    [``low``, ``high``]; ``default`` when the page holds no image."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    width_pt = page.get_width()
    best = 0
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2):
        try:
            px_w, _ = obj.get_px_size()
            # get_bounds in pypdfium2 5, get_pos in 4
            bounds = getattr(obj, "get_bounds", None) or obj.get_pos
            left, _, right, _ = bounds()
        except pdfium.PdfiumError:  # a broken image object: the others decide
            continue
        if right - left > 0.5 * width_pt:
            best = max(best, round(px_w / ((right - left) / 72)))
    if not best:
        return default
    return max(low, min(high, best))


def has_image(page) -> bool:
    import pypdfium2.raw as pdfium_c

    return any(
        True
        for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2)
    )


def _profile_score(ink: Image.Image, angle: float) -> float:
    from PIL import Image

    rotated = np.asarray(ink.rotate(angle, resample=Image.BILINEAR, fillcolor=0))
    rows = rotated.sum(axis=1, dtype=np.float64)
    return float(np.sum(np.diff(rows) ** 2))


def estimate_skew(gray: np.ndarray) -> float:
    """The angle (degrees, counter-clockwise positive) the page's text lines are
    rotated by; 0.0 for a page without enough ink to tell."""
    from PIL import Image

    image = Image.fromarray(gray)
    if image.width > SKEW_WIDTH:
        image = image.resize(
            (SKEW_WIDTH, round(image.height * SKEW_WIDTH / image.width)),
            Image.BILINEAR,
        )
    ink = Image.fromarray(((np.asarray(image) < 128) * 255).astype(np.uint8))
    if np.count_nonzero(np.asarray(ink)) < 200:
        return 0.0
    angles = np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, COARSE_STEP)
    scores = [_profile_score(ink, a) for a in angles]
    best = float(angles[int(np.argmax(scores))])
    fine = np.arange(best - COARSE_STEP, best + COARSE_STEP + 1e-9, FINE_STEP)
    scores = [_profile_score(ink, a) for a in fine]
    correction = float(fine[int(np.argmax(scores))])
    # Rotating by ``correction`` straightens the page: the scan was at -correction.
    return round(-correction, 2) + 0.0


def red_mask(rgb: np.ndarray) -> np.ndarray:
    """Pixels of seal red: strongly red, weakly green and blue (text under the seal,
    dark where it is printed, is not red)."""
    r = rgb[..., 0].astype(np.int16)
    g = rgb[..., 1].astype(np.int16)
    b = rgb[..., 2].astype(np.int16)
    return (r > 140) & (r - g > 60) & (r - b > 50)


def find_seals(
    mask: np.ndarray, min_side: int
) -> list[tuple[float, float, float, float]]:
    """Boxes of red blobs at least ``min_side`` pixels across (a seal, not a red
    heading letter or a red rule)."""
    from scipy import ndimage

    if not mask.any():
        return []
    step = 4  # label a downsampled mask: seals are large
    small = mask[::step, ::step]
    grown = ndimage.binary_dilation(small, iterations=3)
    labels, _ = ndimage.label(grown)
    boxes = []
    for sl in ndimage.find_objects(labels):
        if sl is None:
            continue
        h = (sl[0].stop - sl[0].start) * step
        w = (sl[1].stop - sl[1].start) * step
        if h >= min_side and w >= min_side and 0.5 <= w / h <= 2.0:
            boxes.append(
                (
                    float(sl[1].start * step),
                    float(sl[0].start * step),
                    float(sl[1].stop * step),
                    float(sl[0].stop * step),
                )
            )
    return boxes


def prepare(image: Image.Image, dpi: int) -> Prepared:
    """Deskew ``image`` and whiten its seals' red, for recognition."""
    from PIL import Image

    rgb = np.asarray(image.convert("RGB"))
    mask = red_mask(rgb)
    seals = find_seals(mask, min_side=round(dpi * 0.6))  # a seal is ≥ 1.5 cm across
    if seals:
        # Inside a seal, the red channel is the page without the seal: red ink is
        # bright there, black text dark (and black text inked over in red, dark red,
        # stays dark). Outside, only the seal's red pixels are whitened.
        rgb = rgb.copy()
        rgb[mask] = 255
        for x0, y0, x1, y1 in seals:
            ys = slice(int(y0), int(y1))
            xs = slice(int(x0), int(x1))
            red = rgb[ys, xs, 0]
            red = np.where(red > 170, 255, red).astype(np.uint8)
            rgb[ys, xs] = red[..., None]
    gray = np.asarray(Image.fromarray(rgb).convert("L"))
    skew = estimate_skew(gray)
    if abs(skew) >= FINE_STEP:
        rotated = Image.fromarray(rgb).rotate(
            -skew, resample=Image.BICUBIC, fillcolor=(255, 255, 255)
        )
        rgb = np.asarray(rotated)
        if seals:  # the seal boxes move with the page: recompute them on it
            seals = _rotate_boxes(seals, -skew, rgb.shape[1], rgb.shape[0])
    return Prepared(image=np.ascontiguousarray(rgb), skew=skew, seals=seals)


def _rotate_boxes(boxes, angle, width, height):
    theta = np.deg2rad(angle)
    cx, cy = width / 2, height / 2
    out = []
    for x0, y0, x1, y1 in boxes:
        corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]) - (cx, cy)
        # PIL rotates counter-clockwise on screen: y points down.
        xs = corners[:, 0] * np.cos(theta) + corners[:, 1] * np.sin(theta) + cx
        ys = -corners[:, 0] * np.sin(theta) + corners[:, 1] * np.cos(theta) + cy
        out.append((float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())))
    return out
