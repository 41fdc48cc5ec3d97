"""Render gold reports in every layout and write ``manifest.json``.

:func:`render_report` builds all renderings of one report (the PDF and its Markdown need
LibreOffice, so they run per batch in :func:`render_corpus`). Files go to
``OUTDIR/<layout>/<report stem>.<ext>``; the manifest lists, for each file, its layout,
source report, gold file, tool and tool version, size and sha256, sorted, with no
timestamps, so that a re-run over the same input writes the same manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import tempfile
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

from . import html as html_layout
from . import markdown, pdf, text
from .document import build_document, check_document
from .docx import render_docx
from .model import Document
from .regions import load as load_regions

REPO = Path(__file__).resolve().parents[3]
LAYOUTS = ["html", "docx", "pdf", "md", "md_pipe", "cell_per_line", "run_together"]
EXT = {"html": "html", "docx": "docx", "pdf": "pdf", "md": "md", **text.EXT}
DEFAULT_REGIONS = REPO / "corpora" / "layouts" / "regions.yaml"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _rel(path: Path) -> str:
    try:
        return os.path.relpath(path.resolve(), REPO)
    except ValueError:
        return str(path)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def gold_files(gold_dirs: Iterable[Path]) -> list[Path]:
    """Every ``*.gold.json`` of the folders, sorted by name."""
    files = [p for d in gold_dirs for p in d.glob("*.gold.json")]
    return sorted(files, key=lambda p: p.name)


def source_of(gold: Path, corpus: Path) -> Path:
    """The report a gold file annotates (``<name>.gold.json`` -> ``corpus/<name>``)."""
    doc = json.loads(gold.read_text(encoding="utf-8")).get("doc")
    return corpus / (doc or gold.name[: -len(".gold.json")])


def load_documents(
    corpus: Path, gold_dirs: Iterable[Path], regions_path: Path = DEFAULT_REGIONS
) -> list[Document]:
    """The document of every gold report, checked (raises on lost gold)."""
    regions = load_regions(regions_path)
    docs: list[Document] = []
    for gold in gold_files(gold_dirs):
        source = source_of(gold, corpus)
        entry = regions.get(source.name)
        if entry is None:
            raise ValueError(f"{source.name}: not in {regions_path}")
        doc = build_document(source, gold, entry)
        problems = check_document(doc)
        if problems:
            raise ValueError(f"{source.name}: " + "; ".join(problems))
        docs.append(doc)
    return docs


def tool_versions() -> dict[str, str]:
    """Versions of every tool the renderings use."""

    def dist(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return ""

    return {
        "python": platform.python_version(),
        "python-docx": dist("python-docx"),
        "pypdfium2": dist("pypdfium2"),
        "libreoffice": pdf.soffice_version(),
        "markitdown": dist("markitdown"),
        "pdfminer.six": dist("pdfminer.six"),
        "pdfplumber": dist("pdfplumber"),
    }


def _entry(
    layout: str, out: Path, doc: Document, info: dict[str, Any], outdir: Path
) -> dict[str, Any]:
    return {
        "layout": layout,
        "file": out.relative_to(outdir).as_posix(),
        "source": _rel(doc.source),
        "gold": _rel(doc.gold),
        "bytes": out.stat().st_size,
        "sha256": _sha(out),
        **info,
    }


def render_report(
    doc: Document, outdir: Path, layouts: list[str], versions: dict[str, str]
) -> tuple[list[dict[str, Any]], Path | None]:
    """The layouts of one report that need no LibreOffice; returns the manifest
    entries and the DOCX path (written to a temporary file if ``docx`` is not asked
    for but ``pdf`` is)."""
    stem = Path(doc.stem).stem
    entries: list[dict[str, Any]] = []
    py = versions["python"]
    if "html" in layouts:
        out = outdir / "html" / f"{stem}.html"
        info = html_layout.render_html(doc, out)
        entries.append(_entry("html", out, doc, {**info, "tool_version": py}, outdir))
    docx_path: Path | None = None
    if "docx" in layouts or "pdf" in layouts or "md" in layouts:
        folder = outdir / "docx" if "docx" in layouts else Path(tempfile.mkdtemp())
        docx_path = folder / f"{stem}.docx"
        info = render_docx(doc, docx_path)
        info["tool_version"] = versions["python-docx"]
        if "docx" in layouts:
            entries.append(_entry("docx", docx_path, doc, info, outdir))
    for layout in ("md_pipe", "cell_per_line", "run_together"):
        if layout in layouts:
            out = outdir / layout / f"{stem}.{EXT[layout]}"
            info = text.render_text(layout, doc, out)
            entries.append(
                _entry(layout, out, doc, {**info, "tool_version": py}, outdir)
            )
    return entries, docx_path


def check_pdf(path: Path, doc: Document) -> int:
    """Number of CJK characters in the PDF's text layer (raises if it has none or
    holds replacement characters, i.e. boxes)."""
    layer = pdf.text_layer(path)
    n = len(CJK.findall(layer))
    if n < 20 or "\ufffd" in layer:
        raise RuntimeError(f"{path}: no Chinese text layer ({n} CJK characters)")
    return n


def render_corpus(
    outdir: Path,
    corpus: Path,
    gold_dirs: list[Path],
    layouts: list[str] | None = None,
    regions_path: Path = DEFAULT_REGIONS,
    batch: int = 15,
) -> dict[str, Any]:
    """Render every gold report; writes and returns the manifest."""
    layouts = layouts or list(LAYOUTS)
    unknown = set(layouts) - set(LAYOUTS)
    if unknown:
        raise ValueError(f"unknown layouts: {sorted(unknown)}")
    for layout in layouts:
        (outdir / layout).mkdir(parents=True, exist_ok=True)
    versions = tool_versions()
    docs = load_documents(corpus, gold_dirs, regions_path)
    entries: list[dict[str, Any]] = []
    docx_of: dict[str, tuple[Document, Path]] = {}
    for doc in docs:
        got, docx_path = render_report(doc, outdir, layouts, versions)
        entries.extend(got)
        if docx_path is not None:
            docx_of[doc.stem] = (doc, docx_path)
    if "pdf" in layouts or "md" in layouts:
        pdf_dir = outdir / "pdf" if "pdf" in layouts else Path(tempfile.mkdtemp())
        items = list(docx_of.values())
        for i in range(0, len(items), batch):
            chunk = items[i : i + batch]
            made = pdf.convert([p for _, p in chunk], pdf_dir)
            for (doc, _), pdf_path in zip(chunk, made, strict=True):
                cjk = check_pdf(pdf_path, doc)
                if "pdf" in layouts:
                    entries.append(
                        _entry(
                            "pdf",
                            pdf_path,
                            doc,
                            {
                                "tool": "LibreOffice (soffice --headless --convert-to pdf) of "
                                "the docx rendering",
                                "tool_version": versions["libreoffice"],
                                "text_layer_cjk_chars": cjk,
                                "normalised": "CreationDate, ModDate, /ID, DocChecksum fixed",
                            },
                            outdir,
                        )
                    )
                if "md" in layouts:
                    out = outdir / "md" / f"{Path(doc.stem).stem}.md"
                    info = markdown.render_md(pdf_path, out)
                    entries.append(_entry("md", out, doc, info, outdir))
    notes = [
        {"source": _rel(doc.source), "table": t.kind, "note": note}
        for doc in docs
        for t in doc.tables()
        for note in t.notes
    ]
    entries.sort(key=lambda e: (e["layout"], e["file"]))
    manifest = {
        "generator": "python -m nlp.evaluation.layouts",
        "corpus": _rel(corpus),
        "gold": [_rel(g) for g in gold_dirs],
        "regions": _rel(regions_path),
        "layouts": layouts,
        "tools": versions,
        "reports": len(docs),
        "notes": notes,
        "files": entries,
    }
    (outdir / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return manifest
