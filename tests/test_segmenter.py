"""The word segmenters (``nlp.text.segmenter``): rjieba with its adapter gives Python
jieba 0.42.1's tokens, token for token, on every text of ``corpora/``.

Each of the four corrections of ``nlp/text/rjieba_adapter.py`` also has a direct example
that plain jieba-rs gets wrong. Run this file before upgrading rjieba or jieba.
"""

from __future__ import annotations

import difflib
import hashlib

import pytest
from conftest import ROOT

from nlp.config import CONFIG_DIR
from nlp.errors import ConfigError
from nlp.io.readers import EXTENSIONS, load_report
from nlp.pipeline.registry import create
from nlp.text import rjieba_adapter
from nlp.text.rjieba_adapter import (
    KNOWN_MAIN_TOTALS,
    RjiebaSegmenter,
    jieba_dict_path,
    main_dict_total,
)
from nlp.text.segmenter import (
    JiebaSegmenter,
    Segmenter,
    load_segmenter,
    read_userdict,
    spans_of,
)

USER_DICT = str(CONFIG_DIR / "jieba_dict.txt")


def _corpus_texts() -> dict[str, str]:
    """Every readable file under corpora/: the text as read and as cleaned."""
    normalize = create("normalize.v1").initialize()
    texts: dict[str, str] = {}
    for path in sorted((ROOT / "corpora").rglob("*")):
        if path.suffix.lower() not in EXTENSIONS or not path.is_file():
            continue
        report = load_report(path, path.parent)
        name = str(path.relative_to(ROOT))
        texts[f"{name} (read)"] = report.text
        texts[f"{name} (cleaned)"] = normalize(report).text
    return texts


@pytest.fixture(scope="module")
def corpus_texts() -> dict[str, str]:
    return _corpus_texts()


@pytest.fixture(scope="module")
def jieba_seg() -> JiebaSegmenter:
    return load_segmenter("jieba", USER_DICT, True)


@pytest.fixture(scope="module")
def rjieba_seg() -> RjiebaSegmenter:
    return load_segmenter("rjieba", USER_DICT, True)


@pytest.fixture(scope="module")
def jieba_words(corpus_texts, jieba_seg) -> dict[str, list[str]]:
    """The reference: jieba's words of every corpus text."""
    return {name: jieba_seg.cut(text) for name, text in corpus_texts.items()}


def _first_difference(a: list[str], b: list[str]) -> str:
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    op = next(o for o in ops if o[0] != "equal")
    _, i1, i2, j1, j2 = op
    return f"jieba {a[max(0, i1 - 3) : i2 + 3]} vs rjieba {b[max(0, j1 - 3) : j2 + 3]}"


def test_the_corpus_covers_every_format_and_layout(corpus_texts):
    names = " ".join(corpus_texts)
    for part in ("sample/", "layouts/html", "layouts/docx", "layouts/pdf"):
        assert part in names
    for part in ("layouts/md/", "md_pipe", "cell_per_line", "run_together"):
        assert part in names
    assert len(corpus_texts) >= 600


def test_rjieba_gives_jieba_tokens_on_every_corpus_text(
    corpus_texts, jieba_words, rjieba_seg
):
    differing = {}
    for name, text in corpus_texts.items():
        expected, got = jieba_words[name], rjieba_seg.cut(text)
        if got != expected:
            differing[name] = _first_difference(expected, got)
        elif rjieba_seg.spans(text) != spans_of(expected):
            differing[name] = "same words, other spans"
    assert not differing, f"{len(differing)} texts differ, e.g. {differing}"


def test_plain_jieba_rs_differs_on_the_corpus(corpus_texts, jieba_words, rjieba_seg):
    """What the adapter corrects occurs in the corpus: without it, many texts differ
    (so the comparison above would catch a broken adapter)."""
    plain = sum(
        rjieba_seg.rs.cut(text, True) != jieba_words[name]
        for name, text in corpus_texts.items()
    )
    assert plain >= len(corpus_texts) // 4


def test_without_hmm_too(corpus_texts):
    jieba = load_segmenter("jieba", USER_DICT, False)
    rjieba = load_segmenter("rjieba", USER_DICT, False)
    sample = {n: t for n, t in corpus_texts.items() if n.startswith("corpora/sample")}
    assert sample
    assert [n for n, t in sample.items() if rjieba.cut(t) != jieba.cut(t)] == []


# -- the four corrections, each with a text plain jieba-rs gets wrong --------------
@pytest.mark.parametrize(
    "text,expected",
    [
        ("2015-08-03", ["2015", "-", "08", "-", "03"]),
        ("电话0517-87222589", ["电话", "0517", "-", "87222589"]),
        ("t20120418_80716.htm", ["t20120418", "_", "80716", ".", "htm"]),
        ("版本1.2.3和2.5D", ["版本", "1.2", ".", "3", "和", "2.5", "D"]),
    ],
)
def test_ascii_runs_split_as_jieba_does(rjieba_seg, jieba_seg, text, expected):
    assert jieba_seg.cut(text) == expected
    assert rjieba_seg.cut(text) == expected
    assert rjieba_seg.rs.cut(text, True) != expected  # what the adapter corrects


def test_dense_and_block_paths_agree(rjieba_seg, jieba_seg, monkeypatch):
    """Many connectors take the one-cut-then-fix path, few the block path: both
    give jieba's tokens."""
    text = "网址www.a-b.gov.cn,邮箱x_y@126.com。" * 120
    expected = jieba_seg.cut(text)
    assert rjieba_seg.cut(text) == expected  # dense: over 2,000 characters
    monkeypatch.setattr(rjieba_adapter, "_DENSE_RATIO", 0)
    assert rjieba_seg.cut(text) == expected  # forced block by block
    monkeypatch.setattr(rjieba_adapter, "_DENSE_MIN", 0)
    monkeypatch.setattr(rjieba_adapter, "_DENSE_RATIO", 10**9)
    assert rjieba_seg.cut(text[:40]) == jieba_seg.cut(text[:40])  # forced dense


@pytest.mark.parametrize("text", ["㐀㐁", "鿖鿗政府", "𠀀𠀁信息", "豈更", "a\ud800b"])
def test_characters_jieba_does_not_take_as_han(rjieba_seg, jieba_seg, text):
    assert rjieba_seg.cut(text) == jieba_seg.cut(text)


def test_dictionary_total_is_jieba_s(rjieba_seg, jieba_seg):
    assert rjieba_seg.total == jieba_seg.tokenizer.total
    assert rjieba_seg.total_correction > 0
    assert rjieba_adapter._rs_total(rjieba_seg.rs) == jieba_seg.tokenizer.total
    # a near-tie the uncorrected total flips
    assert rjieba_seg.cut("训练者") == jieba_seg.cut("训练者") == ["训练者"]
    uncorrected = RjiebaSegmenter(USER_DICT, fix_total=False)
    assert uncorrected.cut("训练者") == ["训练", "者"]


def test_known_main_total_is_the_sum_of_dict_txt():
    path = jieba_dict_path()
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() in KNOWN_MAIN_TOTALS
    summed = sum(int(line.strip().split(b" ")[1]) for line in data.splitlines())
    assert main_dict_total(data) == summed
    assert main_dict_total(data + b"\nzz 5 n\n") == summed + 5  # any other file: summed


def test_user_dictionary_lines(tmp_path):
    path = tmp_path / "user.txt"
    path.write_bytes(
        "\ufeff政务新媒体 30000 n\n\n云 计算 200 n\n  网上申请 7  \n公开指南\n".encode()
    )
    assert read_userdict(path) == [
        ("政务新媒体", 30000, "n"),
        ("云 计算", 200, "n"),
        ("网上申请", 7, None),
        ("公开指南", None, None),
    ]


def test_user_words_without_frequency_get_jieba_s(tmp_path):
    path = tmp_path / "nofreq.txt"
    path.write_text("条例\n政府\n公开指南\n训练者说\n依申请公开 30000 v\n", "utf-8")
    jieba = JiebaSegmenter(path)
    rjieba = RjiebaSegmenter(path)
    assert rjieba.total == jieba.tokenizer.total
    text = "依据条例,政府公开指南写明训练者说的依申请公开。"
    assert rjieba.cut(text) == jieba.cut(text)


def test_a_dictionary_word_with_a_connector_follows_jieba_s_route(tmp_path):
    path = tmp_path / "route.txt"
    path.write_text(
        "x 50000000 n\ny 50000000 n\n- 50000000 x\nx-y 1 n\nCOVID-19 50000 n\n",
        "utf-8",
    )
    jieba, rjieba = JiebaSegmenter(path), RjiebaSegmenter(path)
    # kept whole where the route takes the word, split where it does not
    assert jieba.cut("COVID-19病例") == ["COVID-19", "病例"]
    assert jieba.cut("中x-y") == ["中", "x", "-", "y"]
    for text in ("COVID-19病例", "中x-y", "中x-y,COVID-19" * 300):
        assert rjieba.cut(text) == jieba.cut(text)


def test_frequency_zero_is_refused(tmp_path):
    path = tmp_path / "zero.txt"
    path.write_text("政府 0\n", "utf-8")
    with pytest.raises(ConfigError, match="frequency 0"):
        RjiebaSegmenter(path)


# -- the interface -------------------------------------------------------------------
def test_one_segmenter_per_setting_and_process():
    assert load_segmenter("rjieba", USER_DICT, True) is load_segmenter(
        "rjieba", USER_DICT, True
    )
    assert isinstance(load_segmenter("rjieba", USER_DICT, True), Segmenter)
    assert isinstance(load_segmenter("jieba", USER_DICT, True), Segmenter)


def test_spans_drop_white_space():
    words = ["政府", " ", "信息", "\r\n", "公开", "\u3000"]
    assert spans_of(words) == [[0, 2], [3, 5], [7, 9]]


def test_bad_settings_are_clear_errors(tmp_path):
    with pytest.raises(ConfigError, match="E605"):
        load_segmenter("pkuseg", USER_DICT, True)
    with pytest.raises(ConfigError, match="E604"):
        load_segmenter("rjieba", str(tmp_path / "missing.txt"), True)
    bad = tmp_path / "gbk.txt"
    bad.write_bytes("政府 5 n\n".encode("gbk"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        read_userdict(bad)


def test_no_engine_imported_before_a_segmenter_is_built():
    import subprocess
    import sys

    code = (
        "import sys, nlp.text.segmenter, nlp.stages.segment.tokenize;"
        "print(sorted(m for m in ('jieba', 'rjieba', 'rjieba.rjieba') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_rjieba_package_init_is_not_run():
    """The adapter loads the extension module alone (rjieba's __init__ builds a
    dictionary it never uses: 0.15 s and 22 MiB)."""
    import subprocess
    import sys

    code = (
        "import sys; from nlp.text.rjieba_adapter import RjiebaSegmenter;"
        f"RjiebaSegmenter({USER_DICT!r}); print('rjieba' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_search_cuts_with_the_pipeline_s_segmenter():
    from nlp.search.analysis import SearchAnalyzer
    from nlp.stages.segment import TokenSegmenter

    analyzer = SearchAnalyzer()
    assert analyzer.segmenter is TokenSegmenter().initialize().segmenter
    text = "政务新媒体运维管理还需加强,网址www.gov.cn"
    assert analyzer.token_spans(text) == analyzer.segmenter.spans(text)
