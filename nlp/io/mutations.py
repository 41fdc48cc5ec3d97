"""A hostile corpus made from real reports: the fuzz suite's input (seeded).

``build_mutation_corpus`` writes files derived from the sample reports (and their
HTML/DOCX/PDF renderings): bit flips, truncations, re-encodings, over-limit files,
odd names (bytes that are not UTF-8, 255-byte names, ``sub/x`` beside ``sub__x``),
links (inside, outside, loops, broken), FIFOs and sockets, zip bombs, corrupt DOCX,
deep HTML, crawl dumps with bad rows. It returns a manifest saying what each entry
is, so a test can check that every input is accounted for.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import socket
import zipfile
from dataclasses import dataclass
from pathlib import Path

_ENCODINGS = ("utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16", "utf-16-le", "big5")


@dataclass
class Entry:
    """One thing put into the corpus: its path, how it was made, and whether the
    run should read it (``input``), skip it (``skip``: reason) or see rows."""

    path: str
    kind: str
    expect: str = "input"  # or a skip reason, or "rows:N"
    source: str = ""  # the report it was made from

    def to_dict(self) -> dict[str, str]:
        return {
            "path": self.path,
            "kind": self.kind,
            "expect": self.expect,
            "source": self.source,
        }


def _flip(data: bytes, rng: random.Random, flips: int) -> bytes:
    buf = bytearray(data)
    for _ in range(flips):
        i = rng.randrange(len(buf))
        buf[i] ^= 1 << rng.randrange(8)
    return bytes(buf)


def _zip_bomb(size: int) -> bytes:
    """A DOCX-shaped archive whose document.xml unpacks to ``size`` bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"/>',
        )
        head = b'<?xml version="1.0"?><w:document><w:body><w:p><w:r><w:t>'
        with archive.open("word/document.xml", "w") as part:
            part.write(head)
            chunk = b"A" * (1 << 20)
            for _ in range(size // len(chunk)):
                part.write(chunk)
    return buffer.getvalue()


def _corrupt_deflate(data: bytes, rng: random.Random) -> bytes:
    """Flip bytes inside the largest compressed member (headers kept intact)."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    info = max(archive.infolist(), key=lambda i: i.compress_size)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    buf = bytearray(data)
    for _ in range(8):
        i = start + rng.randrange(max(1, info.compress_size))
        buf[i] ^= 0xFF
    return bytes(buf)


def _bad_xml_docx(data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "word/document.xml":
                content = content[: len(content) // 2] + b"<w:p><unclosed"
            archive.writestr(info, content)
    return buffer.getvalue()


def _deep_html(text: str, depth: int) -> str:
    body = "".join(f"<p>{line}</p>" for line in text.splitlines()[:40])
    return (
        '<html><head><meta charset="utf-8"></head><body>'
        + "<div>" * depth
        + body
        + "</div>" * depth
        + "</body></html>"
    )


def build_mutation_corpus(
    dest: Path,
    sources: list[Path],
    seed: int = 0,
    count: int = 300,
    outside: Path | None = None,
    huge_bytes: int = 3 * 1024 * 1024,
) -> list[Entry]:
    """Write about ``count`` mutated inputs under ``dest`` from ``sources`` (report
    files: .txt, .html, .docx, .pdf); returns the manifest. ``outside`` is a folder
    beside the corpus that outside links point into. ``huge_bytes``: the size of
    the over-limit files (run the corpus with a smaller ``--max-bytes``)."""
    rng = random.Random(seed)
    dest.mkdir(parents=True, exist_ok=True)
    entries: list[Entry] = []
    texts = [p for p in sources if p.suffix == ".txt"]
    binaries = [p for p in sources if p.suffix in (".docx", ".pdf", ".html")]
    docx = [p for p in sources if p.suffix == ".docx"]

    current = [""]

    def put(rel: str | bytes, data: bytes, kind: str, expect: str = "input") -> None:
        path = os.path.join(os.fsencode(dest), os.fsencode(rel))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data)
        entries.append(Entry(os.fsdecode(path), kind, expect, current[0]))

    n = 0
    while n < count:
        n += 1
        source = rng.choice(texts + binaries)
        data = source.read_bytes()
        current[0] = str(source)
        stem, ext = source.stem, source.suffix
        choice = rng.random()
        if choice < 0.25:
            put(
                f"flip/{n:04d}_{stem}{ext}",
                _flip(data, rng, rng.choice((1, 3, 20))),
                "bitflip",
            )
        elif choice < 0.4:
            cut = rng.randrange(1, max(2, len(data)))
            put(f"cut/{n:04d}_{stem}{ext}", data[:cut], "truncate")
        elif choice < 0.6 and ext == ".txt":
            encoding = rng.choice(_ENCODINGS)
            text = data.decode("utf-8")
            if encoding == "big5":  # a Big5 report is written in traditional characters
                import opencc

                text = opencc.OpenCC("s2t").convert(text)
            raw = text.encode(encoding, errors="replace")
            if rng.random() < 0.5:
                raw = _flip(raw, rng, rng.choice((1, 2)))
            put(f"enc/{n:04d}_{stem}.{encoding}{ext}", raw, "reencode")
        elif choice < 0.7 and ext == ".txt":
            text = data.decode("utf-8")
            put(
                f"html/{n:04d}_{stem}.html",
                _deep_html(text, rng.choice((50, 260, 3000))).encode(),
                "deep_html",
            )
        elif choice < 0.8 and docx:
            doc = rng.choice(docx).read_bytes()
            if rng.random() < 0.5:
                put(
                    f"docx/{n:04d}_deflate.docx",
                    _corrupt_deflate(doc, rng),
                    "corrupt_deflate",
                )
            else:
                put(f"docx/{n:04d}_xml.docx", _bad_xml_docx(doc), "bad_xml")
        else:
            # Odd names: bytes that are not UTF-8, long names, escapes, lookalikes.
            name = rng.choice(
                [
                    "甲乙".encode("gbk") + f"_{n}.txt".encode(),
                    ("长" * 78 + f"_{n}.txt").encode(),
                    f"pct%41_{n}#row=1.txt".encode(),
                    f"sp ace\tand\nnewline_{n}.txt".encode(),
                    f"-dash_{n}.txt".encode(),
                ]
            )
            put(name, data if ext == ".txt" else data[:100], "odd_name")
    # Collisions of the old naming scheme, and a name past 255 bytes once escaped.
    sample = texts[0].read_bytes()
    current[0] = str(texts[0])
    put("sub/x.txt", sample, "collision")
    put("sub__x.txt", sample, "collision")
    put(("长" * 82 + ".txt").encode(), sample, "long_name")
    put(("deep/" + "长" * 82 + ".txt").encode(), sample, "long_name")
    put(("%" * 120 + ".txt").encode(), sample, "long_name")
    # Over the byte limit, and one line of 300,000 characters.
    put("huge/huge.txt", sample * (huge_bytes // len(sample) + 1), "huge")
    put("huge/one_line.txt", ("公开" * 150_000).encode(), "long_line")
    if docx:
        put("bomb/bomb.docx", _zip_bomb(72 * 1024 * 1024), "zip_bomb")
    put("empty.txt", b"", "empty")
    put("blank.txt", b" \n\t\n", "empty")
    put("notes.xyz", b"not a report", "unknown_format")
    put(".hidden.txt", sample, "hidden", "hidden")
    # A crawl dump with good and bad rows.
    text = sample.decode("utf-8")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["标题", "正文", "链接"])
    writer.writerow(
        ["某局2018年政府信息公开工作年度报告", text, "http://example.org/1"]
    )
    writer.writerow(["空行", "", ""])
    writer.writerow(["乱码", "\ue000\ue001\ue002" * 100, ""])
    put("dump/crawl.csv", buffer.getvalue().encode("utf-8"), "dump", "rows:3")
    lines = [json.dumps({"title": "t", "text": text}), "{not json", json.dumps([1, 2])]
    put("dump/crawl.jsonl", ("\n".join(lines) + "\n").encode(), "dump", "rows:3")
    _special_files(dest, entries, outside, sample)
    return entries


def _special_files(
    dest: Path, entries: list[Entry], outside: Path | None, sample: bytes
) -> None:
    links = dest / "links"
    links.mkdir(exist_ok=True)
    target = next(e.path for e in entries if e.kind == "collision")

    def link(name: str, to: str, expect: str) -> None:
        os.symlink(to, links / name)
        entries.append(Entry(str(links / name), "link", expect))

    link("inside.txt", target, "link_inside")
    link("broken.txt", str(dest / "nowhere.txt"), "broken_link")
    link("loop_a.txt", str(links / "loop_b.txt"), "link_loop")
    link("loop_b.txt", str(links / "loop_a.txt"), "link_loop")
    link("up", str(dest), "link_inside")
    if outside is not None:
        outside.mkdir(parents=True, exist_ok=True)
        (outside / "outside.txt").write_bytes(sample)
        link("outside.txt", str(outside / "outside.txt"), "link_outside")
        link("outside_dir", str(outside), "link_outside")
    fifo = dest / "pipe.txt"
    os.mkfifo(fifo)
    entries.append(Entry(str(fifo), "fifo", "fifo"))
    sock_path = dest / "sock.txt"
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(sock_path))
        entries.append(Entry(str(sock_path), "socket", "socket"))
    except OSError:  # a path too long for AF_UNIX: no socket then
        pass
    finally:
        sock.close()
