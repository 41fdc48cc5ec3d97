"""``pdf``: the PDF LibreOffice makes of the ``docx`` rendering.

``soffice --headless --convert-to pdf`` runs once over a batch of DOCX files with a
private user profile. The DOCX names Chinese office fonts (仿宋_GB2312, 宋体, 黑体, 楷体,
方正小标宋简体) that Debian does not ship; a private fontconfig file maps them to Noto
Serif/Sans CJK SC (Debian's fonts-noto-cjk) so that every glyph, the full-width quotes
included, comes from one CJK font and the text layer reads in order.

LibreOffice stamps each PDF with its creation time and a random document /ID; both are
rewritten in place to fixed values of the same length (the xref offsets stay valid), so
a re-run gives byte-identical files. :func:`text_layer` reads a PDF back with pypdfium2.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

FONT_ALIASES = {
    "仿宋_GB2312": "Noto Serif CJK SC",
    "仿宋": "Noto Serif CJK SC",
    "FangSong": "Noto Serif CJK SC",
    "宋体": "Noto Serif CJK SC",
    "SimSun": "Noto Serif CJK SC",
    "方正小标宋简体": "Noto Serif CJK SC",
    "楷体_GB2312": "Noto Serif CJK SC",
    "楷体": "Noto Serif CJK SC",
    "黑体": "Noto Sans CJK SC",
    "SimHei": "Noto Sans CJK SC",
}
FIXED_DATE = b"D:20250101000000"


def soffice() -> str | None:
    """Path of the LibreOffice binary, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def soffice_version() -> str:
    """``LibreOffice 7.4.7.2 …`` as the binary prints it ('' if absent)."""
    exe = soffice()
    if not exe:
        return ""
    out = subprocess.run(
        [exe, "--version"], capture_output=True, text=True, timeout=120, check=False
    )
    return out.stdout.strip()


def _fonts_conf(folder: Path) -> Path:
    aliases = "\n".join(
        f'  <alias binding="same"><family>{name}</family><prefer>'
        f"<family>{target}</family></prefer></alias>"
        for name, target in FONT_ALIASES.items()
    )
    conf = folder / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"{aliases}\n</fontconfig>\n",
        encoding="utf-8",
    )
    return conf


def normalise(data: bytes) -> bytes:
    """Fixed /CreationDate, /ModDate and /ID of same lengths (xref stays valid)."""

    def date(m: re.Match[bytes]) -> bytes:
        value = m.group(2)
        fixed = (FIXED_DATE + b"+00'00'")[: len(value)].ljust(len(value), b"0")
        return m.group(1) + fixed + b")"

    data = re.sub(rb"(/(?:CreationDate|ModDate)\s*\()([^)]*)\)", date, data)

    def zeros(m: re.Match[bytes]) -> bytes:
        return re.sub(rb"[0-9A-Fa-f]", b"0", m.group(2)).join([m.group(1), m.group(3)])

    data = re.sub(rb"(/ID\s*\[)([^\]]*)(\])", zeros, data)
    return re.sub(rb"(/DocChecksum\s*/)([0-9A-Fa-f]+)(\s)", zeros, data)


def convert(docx_files: list[Path], out_dir: Path, timeout: int = 900) -> list[Path]:
    """Convert DOCX files to PDFs in ``out_dir`` (named after each file's stem)."""
    exe = soffice()
    if not exe:
        raise RuntimeError(
            "soffice not found: apt-get install libreoffice-writer-nogui"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="layouts-lo-") as tmp:
        tmpdir = Path(tmp)
        env = dict(os.environ)
        env["FONTCONFIG_FILE"] = str(_fonts_conf(tmpdir))
        env["HOME"] = str(tmpdir)
        cmd = [
            exe,
            f"-env:UserInstallation=file://{tmpdir}/profile",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmpdir / "out"),
            *[str(p) for p in docx_files],
        ]
        subprocess.run(cmd, check=True, env=env, capture_output=True, timeout=timeout)
        made: list[Path] = []
        for src in docx_files:
            pdf = tmpdir / "out" / (src.stem + ".pdf")
            if not pdf.exists():
                raise RuntimeError(f"LibreOffice made no PDF of {src}")
            target = out_dir / pdf.name
            target.write_bytes(normalise(pdf.read_bytes()))
            made.append(target)
    return made


def text_layer(path: Path) -> str:
    """The PDF's text as pypdfium2 extracts it (pages joined with form feeds)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return "\f".join(p.get_textpage().get_text_range() for p in pdf)
    finally:
        pdf.close()
