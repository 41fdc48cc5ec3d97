"""OCR without an engine: boxes into lines and table rows, deskew, seals, the
readable-text test that sends a page to OCR, and the scan harness's measures.

These run everywhere (numpy, Pillow and scipy are core dependencies); the tests that
recognise real pages are in tests/test_ocr.py.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image, ImageDraw

from nlp.cli.run import main as run_main
from nlp.errors import IngestError
from nlp.evaluation.scans import LEVELS, _degrade, edit_distance, seal_image
from nlp.io.ocr.engine import Word
from nlp.io.ocr.image import estimate_skew, find_seals, prepare, red_mask
from nlp.io.ocr.layout import clean_values, group_lines, page_text
from nlp.io.readers import pdf, read_document
from nlp.io.readers.pdf import needs_ocr, readable


def word(x0, y0, text, width=None, height=30, confidence=0.99):
    width = width if width is not None else 24 * len(text)
    return Word(x0, y0, x0 + width, y0 + height, text, confidence)


def table_words(blank_at=None):
    """A 3-column table of 4 rows under a heading, the boxes slightly jittered."""
    words = [word(100, 40, "三、收到和处理政府信息公开申请情况")]
    labels = [
        "一、本年新收政府信息公开申请数量",
        "二、上年结转",
        "（一）予以公开",
        "（七）总计",
    ]
    values = [["21", "0", "21"], ["0", "0", "0"], ["4", "0", "4"], ["25", "3", "28"]]
    for r, (label, row) in enumerate(zip(labels, values)):
        y = 100 + 50 * r + (r % 2) * 3
        words.append(word(100, y, label))
        for c, v in enumerate(row):
            if (r, c) != blank_at:
                words.append(word(700 + 120 * c - len(v) * 6, y + 2 - c, v))
    return words


def test_lines_in_reading_order_whatever_the_box_order():
    words = table_words()
    shuffled = words[::-1]
    text, pieces = page_text(shuffled)
    lines = text.splitlines()
    assert lines[0] == "三、收到和处理政府信息公开申请情况"
    assert lines[1] == "一、本年新收政府信息公开申请数量 21 0 21"
    assert lines[4] == "（七）总计 25 3 28"
    # every piece of text is one box's text, at its offsets
    for piece in pieces:
        assert text[piece.start : piece.end] == piece.word.text


def test_an_empty_cell_keeps_its_column_as_a_pipe_row():
    text, pieces = page_text(table_words(blank_at=(2, 1)))
    lines = text.splitlines()
    assert lines[3] == "| （一）予以公开 | 4 |  | 4 |"
    assert lines[2] == "二、上年结转 0 0 0"  # full rows stay running lines
    for piece in pieces:
        assert text[piece.start : piece.end] == piece.word.text


def test_a_label_printed_a_character_a_line_does_not_split_a_row():
    words = [word(100, 100, "（二）部分公开"), word(100, 145, "只计这一情形")]
    words += [word(700 + 120 * c, 125, v) for c, v in enumerate(["4", "0", "4"])]
    words.append(word(40, 108, "三"))  # a header printed a character a line beside
    words.append(word(40, 148, "本"))
    lines = group_lines(words)
    assert [[w.text for w in line] for line in lines] == [
        ["三", "（二）部分公开"],
        ["4", "0", "4"],
        ["本", "只计这一情形"],
    ]


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (
            ["1.信访举报投诉类申请", "1", "0", "1."],
            ["1.信访举报投诉类申请", "1", "0", "1"],
        ),
        (["规章", "O", "5", "1O"], ["规章", "O", "5", "10"]),
        # one value closing a labelled row (the pre-2019 统计表)
        (
            ["（一）维持具体行政行为数", "件", "0."],
            ["（一）维持具体行政行为数", "件", "0"],
        ),
        # not a table row: a dotted enumeration marker stays
        (["1.", "属于国家秘密"], ["1.", "属于国家秘密"]),
    ],
)
def test_misread_value_cells_are_repaired_in_table_rows(texts, expected):
    line = [word(100 + 200 * i, 100, t) for i, t in enumerate(texts)]
    assert [w.text for w in clean_values(line)] == expected


def _text_image(angle: float) -> np.ndarray:
    image = Image.new("L", (1200, 1600), 255)
    draw = ImageDraw.Draw(image)
    for k in range(30):
        y = 100 + 45 * k
        for x in range(100, 1100, 40):
            draw.rectangle((x, y, x + 30, y + 22), fill=0)
    return np.asarray(image.rotate(angle, fillcolor=255))


@pytest.mark.parametrize("angle", [0.0, 0.6, -1.5, 3.0])
def test_skew_is_measured(angle):
    assert estimate_skew(_text_image(angle)) == pytest.approx(angle, abs=0.15)


def test_a_red_seal_is_found_and_its_red_lifted_but_not_the_text_under_it():
    gray = _text_image(0.0)
    rgb = np.stack([gray] * 3, axis=-1).astype(np.float64)
    seal = np.asarray(seal_image(320)).astype(np.float64) / 255
    alpha = seal[..., 3:4]
    patch = rgb[600:920, 600:920]
    rgb[600:920, 600:920] = patch * (1 - alpha) + patch * seal[..., :3] * alpha
    rgb = rgb.astype(np.uint8)
    boxes = find_seals(red_mask(rgb), min_side=120)
    assert len(boxes) == 1
    x0, y0, x1, _y1 = boxes[0]
    assert 580 <= x0 <= 620 and 900 <= x1 <= 940 and 580 <= y0 <= 620
    prepared = prepare(Image.fromarray(rgb), dpi=200)
    assert len(prepared.seals) == 1
    out = prepared.image[600:920, 600:920]
    assert not red_mask(prepared.image).any()
    # the black boxes under the seal are still black
    assert (out.min(axis=2) < 60).mean() == pytest.approx(
        (gray[600:920, 600:920] < 60).mean(), abs=0.02
    )


def test_noise_alone_has_no_seal():
    rng = np.random.default_rng(0)
    page = np.full((800, 600, 3), 255, np.uint8)
    noisy = np.asarray(_degrade(page, LEVELS["heavy"], rng))
    assert find_seals(red_mask(noisy), min_side=120) == []


@pytest.mark.parametrize(
    ("text", "has_image", "expected"),
    [
        (
            "本报告由某某区人民政府办公室根据《中华人民共和国政府信息公开条例》编制。",
            False,
            False,
        ),
        ("- 3 -", True, True),  # a scan with a page number in its text layer
        ("", True, True),
        ("", False, False),  # a blank page of a text PDF
        # a font without a usable character map: private-use and Latin-1 soup
        (
            "\ue000\ue001\ue002ÕþÈ¸®ÐÅÏ¢¹«¿ª\ue003\ue004ÄêÈ¸±¨¸æ¡£\ue005" * 3,
            False,
            True,
        ),
    ],
)
def test_which_pages_need_ocr(text, has_image, expected):
    assert needs_ocr(text, has_image) is expected


def test_readable_counts_chinese_digits_and_punctuation():
    good, share, _ = readable("二、主动公开 12件（含）")
    assert good == 12 and share == 1.0


@pytest.mark.parametrize(
    ("a", "b", "d"),
    [
        ("", "abc", 3),
        ("kitten", "sitting", 3),
        ("公开申请", "公开申请", 0),
        ("公开", "开公", 2),
    ],
)
def test_edit_distance(a, b, d):
    assert edit_distance(a, b) == d


def test_a_wrapped_label_is_whole_before_the_row_values():
    """A label cell over two lines with its unit and value centred beside them (the
    pre-2019 统计表): the value comes after the whole label, not inside it."""
    words = [
        word(
            100,
            100,
            "（一）主动公开政府信息数（不同渠道和方式公开相同信息计",
            width=600,
        ),
        word(100, 140, "1条）", width=60),
        word(760, 120, "条"),
        word(900, 120, "1628", width=70),
        word(100, 200, "其中：主动公开规范性文件数", width=320),
        word(760, 200, "条"),
        word(900, 200, "0"),
    ]
    text, pieces = page_text(words)
    lines = text.splitlines()
    # the row may start a line of its own (the cleaner joins a wrapped line)
    assert "".join(lines[:-1]) == (
        "（一）主动公开政府信息数（不同渠道和方式公开相同信息计1条） 条 1628"
    )
    assert lines[-1] == "其中：主动公开规范性文件数 条 0"
    for piece in pieces:
        assert text[piece.start : piece.end] == piece.word.text


@pytest.fixture
def image_pdf(tmp_path):
    """An image-only PDF (Pillow writes it): a scan, as far as the reader can tell."""
    path = tmp_path / "scan.pdf"
    Image.fromarray(_text_image(0.0)).convert("RGB").save(path, "PDF", resolution=150)
    return path


def test_a_scan_without_the_ocr_extra_says_how_to_install_it(image_pdf, monkeypatch):
    monkeypatch.setattr(pdf.ocr, "available", lambda: False)
    with pytest.raises(IngestError) as err:
        read_document(image_pdf)
    assert err.value.code == "E160" and "pip install -e .[ocr]" in str(err.value)
    monkeypatch.setenv("NLP_OCR", "off")
    with pytest.raises(IngestError) as err:
        read_document(image_pdf)
    assert err.value.code == "E161"


def test_nlp_run_no_ocr_fails_a_scan_with_E161(image_pdf, tmp_path, monkeypatch):

    monkeypatch.delenv("NLP_OCR", raising=False)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    image_pdf.rename(corpus / "scan.pdf")
    out = tmp_path / "out"
    assert run_main([str(corpus), "--out", str(out), "--no-progress", "--no-ocr"]) == 1
    record = json.loads(next((out / "docs").glob("*.json")).read_text("utf-8"))
    assert [e["code"] for e in record["errors"]] == ["E161"]


def test_a_page_whose_text_layer_decides_is_not_searched_for_images():
    # Looking for an image walks every object of the page: asked only when needed.
    def never() -> bool:
        raise AssertionError("the page's objects were walked")

    text = "本报告由某某区人民政府办公室根据《中华人民共和国政府信息公开条例》编制。"
    assert needs_ocr(text, never) is False
    assert needs_ocr("\ue000ÕþÈ¸®ÐÅÏ¢¹«¿ª\ue003" * 3, never) is True
    assert needs_ocr("- 3 -", lambda: True) is True
    assert needs_ocr("", lambda: False) is False
