"""``python -m nlp.fuzz [--seconds N]``: an atheris fuzzer on the one-document entry
point (``Processor.process_bytes``), seeded with the sample reports.

Every input must come back as a ``Report`` whose errors carry catalogue codes: an
exception escaping ``process_bytes``, or a document running past the time limit
without being stopped, is a finding (atheris writes the input to ``crash-*``). The
first byte of an input picks the format (txt, md, html, docx, pdf), so one corpus
covers every reader. Needs the optional ``fuzz`` extra (``pip install -e .[fuzz]``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from ..config import PACKAGE_DIR
from ..errors import Errors
from ..io.readers import Limits
from ..pipeline.corpus import Processor

FORMATS = ("txt", "md", "html", "docx", "pdf")
_CODES = frozenset(name for name in vars(Errors) if name.startswith("E"))


def seed_inputs(dest: Path) -> int:
    """The sample reports (and their renderings) as seed inputs, format byte first."""
    count = 0
    sources = sorted((PACKAGE_DIR.parent / "corpora" / "sample").iterdir())
    for folder in ("docx", "html"):
        sources += sorted(
            (PACKAGE_DIR.parent / "corpora" / "layouts" / folder).iterdir()
        )[:6]
    for path in sources:
        fmt = {".txt": "txt", ".html": "html", ".docx": "docx", ".pdf": "pdf"}.get(
            path.suffix
        )
        if fmt is None:
            continue
        data = path.read_bytes()
        if fmt == "txt":  # keep the seeds small: the fuzzer grows them itself
            data = data[:6000]
        (dest / f"{count:03d}").write_bytes(bytes([FORMATS.index(fmt)]) + data)
        count += 1
    return count


class Target:
    """The fuzz target: one input through ``process_bytes``, checked."""

    def __init__(self, processor: Processor, stats: Path | None = None):
        self.processor = processor
        self.executions = 0
        self.slowest = (0.0, b"")
        self.started = time.monotonic()
        self.stats = stats

    def report(self) -> dict:
        """Executions so far and the slowest input (libFuzzer ends the process
        itself, so this is written as the run goes)."""
        found = {
            "executions": self.executions,
            "seconds": round(time.monotonic() - self.started, 1),
            "slowest_seconds": round(self.slowest[0], 3),
            "slowest_input_head": self.slowest[1].hex(),
        }
        if self.stats is not None:
            self.stats.write_text(json.dumps(found, indent=1), encoding="utf-8")
        return found

    def __call__(self, data: bytes) -> None:
        if not data:
            return
        fmt = FORMATS[data[0] % len(FORMATS)]
        started = time.perf_counter()
        report = self.processor.process_bytes(data[1:], f"fuzz.{fmt}")
        seconds = time.perf_counter() - started
        self.executions += 1
        if seconds > self.slowest[0]:
            self.slowest = (seconds, data[:64])
        if self.executions % 2000 == 0:
            print(f"#{self.executions}: {self.report()}", flush=True)
        for error in report.errors:
            if error.code not in _CODES:
                raise RuntimeError(f"error without a catalogue code: {error}")
        limit = self.processor.limits.timeout
        if limit and seconds > limit + 5:
            raise RuntimeError(f"{seconds:.1f} s: the time limit did not stop it")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nlp.fuzz", description="Fuzz process_bytes with atheris."
    )
    parser.add_argument("--seconds", type=int, default=60, help="how long to fuzz")
    parser.add_argument(
        "--corpus", type=Path, default=None, help="corpus folder (default: temporary)"
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="per-document s")
    parser.add_argument(
        "--stats", type=Path, default=None, help="write running figures to this JSON"
    )
    args, rest = parser.parse_known_args(argv)
    try:
        import atheris
    except ImportError:
        print("atheris is not installed: pip install -e .[fuzz]", file=sys.stderr)
        return 2
    processor = Processor(limits=Limits(timeout=args.timeout)).load()
    target = Target(processor, args.stats)
    corpus = args.corpus or Path(tempfile.mkdtemp(prefix="nlp-fuzz-"))
    corpus.mkdir(parents=True, exist_ok=True)
    if not any(corpus.iterdir()):
        seed_inputs(corpus)
    atheris.instrument_all()
    print(f"fuzzing process_bytes for {args.seconds} s; corpus {corpus}", flush=True)
    try:
        atheris.Setup(
            [
                sys.argv[0],
                *rest,
                f"-max_total_time={args.seconds}",
                "-rss_limit_mb=4096",
                "-timeout=0",  # libFuzzer's alarm would fight the runner's own
                "-max_len=65536",
                str(corpus),
            ],
            target,
        )
        atheris.Fuzz()
    except SystemExit:
        pass
    finally:
        print(f"done: {target.report()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
