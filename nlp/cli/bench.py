"""``python -m nlp.bench CORPUS [--reports N] [--jobs 1,2]``: what a run costs.

For each number of jobs, two runs over the same files, each in a fresh process:

- the measuring run (``nlp.cli.bench_child``): start-up (interpreter, imports,
  pipeline build) and memory before the first document; reports and characters a
  second for the whole run and after start-up; time per stage and per input format;
  the corpus steps; the parent's memory growth per report. With one job, the
  references on the same input right after: the segmenter alone on the same
  normalised texts, and the floor (read, decode, NFKC, one regex pass).
- the whole command, ``python -m nlp.run CORPUS --out TMP --jobs J``, timed from
  spawn to exit.

Memory is the PSS (``/proc/<pid>/smaps_rollup``) of every process of a run summed,
sampled every 0.1 s; its peak is reported. ``--reports N`` replicates the corpus to N
files (symbolic links under new names) in a temporary folder, never in the corpus.
The machine's load average before and after goes into the result: figures from a
shared machine are only comparable within one run. Printed as a table and written as
JSON (``--json``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from ..errors import NlpError
from ..io import ocr
from ..pipeline.corpus import iter_corpus
from .bench_child import pss_kib

OPTIONAL = ("torch", "transformers", "pyspark", "sklearn", "skops")


# -- the corpus ------------------------------------------------------------------------
def replicate(files: list[Path], root: Path, n: int, into: Path) -> list[Path]:
    """``n`` files cycling through ``files``, linked under new names in ``into``."""
    out = []
    for i in range(n):
        source = files[i % len(files)]
        target = into / f"r{i // len(files):04d}" / source.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            target.symlink_to(source.resolve())
        except OSError:
            target.write_bytes(source.read_bytes())
        out.append(target)
    return out


# -- memory of a process tree ----------------------------------------------------------
def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{p}/task/{task}/children", encoding="ascii") as f:
                    todo.extend(int(c) for c in f.read().split())
            except OSError:
                pass
    return found


def _high_water_kib(pid: int) -> int | None:
    """A process's peak RSS so far (``VmHWM``), in KiB."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


class TreeMemory(threading.Thread):
    """Samples the summed PSS of a process and its descendants until stopped, and
    the process's own peak RSS (``VmHWM``: the kernel's high-water mark, so a
    peak between samples is not missed, only one in the last interval)."""

    def __init__(self, pid: int, interval: float = 0.1):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_kib = 0
        self.peak_processes = 0
        self.root_hwm_kib = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            pids = _descendants(self.pid)
            total = sum(pss_kib(p) or 0 for p in pids)
            if total > self.peak_kib:
                self.peak_kib, self.peak_processes = total, len(pids)
            self.root_hwm_kib = max(self.root_hwm_kib, _high_water_kib(self.pid) or 0)
            self._stop_event.wait(self.interval)

    def stop(self) -> dict[str, Any]:
        self._stop_event.set()
        self.join()
        return {
            "peak_pss_mib": round(self.peak_kib / 1024, 1),
            "processes_at_peak": self.peak_processes,
            "parent_peak_rss_mib": round(self.root_hwm_kib / 1024, 1),
        }


def _spawn(cmd: list[str], **kwargs: Any) -> tuple[int, float, dict[str, Any]]:
    """Run ``cmd``; its exit status, wall seconds and peak tree memory."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, **kwargs)
    memory = TreeMemory(proc.pid)
    memory.start()
    status = proc.wait()
    return status, time.monotonic() - start, memory.stop()


# -- the runs ----------------------------------------------------------------------------
def measuring_run(
    listing: Path, root: Path, jobs: int, config: str | None, work: Path
) -> dict[str, Any]:
    spec_path, result_path = work / f"spec{jobs}.json", work / f"result{jobs}.json"
    spec = {
        "files": str(listing),
        "root": str(root),
        "jobs": jobs,
        "config": config,
        "references": jobs == 1,
        "spawned": time.monotonic(),
    }
    spec_path.write_text(json.dumps(spec), "utf-8")
    status, _, memory = _spawn(
        [sys.executable, "-m", "nlp.cli.bench_child", str(spec_path), str(result_path)]
    )
    if status != 0:
        raise RuntimeError(f"the measuring run with {jobs} job(s) failed ({status})")
    result = json.loads(result_path.read_text("utf-8"))
    result["memory"] = memory
    return result


def command_run(
    corpus: Path, jobs: int, config: str | None, work: Path, reports: int
) -> dict[str, Any]:
    out = work / f"out{jobs}"
    cmd = [sys.executable, "-m", "nlp.run", str(corpus), "--out", str(out)]
    # The replicated corpus is links to the files of the corpus measured, which lie
    # outside it: nlp.run skips such links unless told to follow them.
    cmd += ["--jobs", str(jobs), "--no-progress", "--follow-outside-links"]
    if config:
        cmd += ["--config", config]
    status, seconds, memory = _spawn(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return {
        "command": " ".join(["python", "-m", "nlp.run", "CORPUS", *cmd[5:]]),
        "status": status,
        "seconds": round(seconds, 3),
        "reports_per_second": round(reports / seconds, 1),
        "memory": memory,
    }


def parent_growth(
    files: list[Path],
    root: Path,
    runs: list[dict[str, Any]],
    config: str | None,
    work: Path,
) -> dict[str, Any] | None:
    """The ``nlp.run`` parent's memory a report: its peak RSS on a quarter of the
    corpus against the whole, corpus steps and tidy tables included (the slope
    between the two sizes; what does not grow with the corpus cancels out). With
    the most jobs measured."""
    if len(files) < 8 or not runs:
        return None
    jobs = max(r["jobs"] for r in runs)
    whole = next(r for r in runs if r["jobs"] == jobs)["command"]
    quarter = replicate(files, root, len(files) // 4, work / "quarter")
    small = command_run(work / "quarter", jobs, config, work, len(quarter))
    sizes = (len(quarter), len(files))
    peaks = (
        small["memory"]["parent_peak_rss_mib"],
        whole["memory"]["parent_peak_rss_mib"],
    )
    return {
        "jobs": jobs,
        "reports": list(sizes),
        "parent_peak_rss_mib": list(peaks),
        "status": [small["status"], whole["status"]],
        "growth_bytes_per_report": round(
            (peaks[1] - peaks[0]) * 1024 * 1024 / (sizes[1] - sizes[0])
        ),
        "target_bytes_per_report": 1024,
    }


def import_costs(top: int = 12) -> dict[str, float]:
    """Self import time by top-level package (``python -X importtime``) of
    importing the runner and building the pipeline, in ms, largest first."""
    code = "from nlp.pipeline.corpus import Processor; Processor().load()"
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=False,
    )
    totals: Counter[str] = Counter()
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if m:
            totals[m.group(2).split(".")[0]] += int(m.group(1))
    return {name: round(us / 1000, 1) for name, us in totals.most_common(top)}


def _installed(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def bench(args: argparse.Namespace) -> dict[str, Any]:
    files = iter_corpus(args.corpus)
    root = args.corpus if args.corpus.is_dir() else args.corpus.parent
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="nlp-bench-") as tmp:
        work = Path(tmp)
        if args.reports:
            root = work / "corpus"
            files = replicate(files, args.corpus, args.reports, root)
        listing = work / "files.txt"
        listing.write_text("\n".join(map(str, files)), "utf-8")
        runs = []
        for jobs in args.jobs:
            run = measuring_run(listing, root, jobs, args.config, work)
            run["command"] = command_run(root, jobs, args.config, work, len(files))
            runs.append(run)
        growth = parent_growth(files, root, runs, args.config, work)
    result = {
        "corpus": str(args.corpus),
        "files": len(files),
        "replicated_to": args.reports,
        "cpus": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "optional_installed": {name: _installed(name) for name in OPTIONAL},
        "runs": runs,
        "parent_memory": growth,
        "import_ms_by_package": import_costs(),
    }
    one = next((r for r in runs if r["jobs"] == 1 and "segmenter_alone" in r), None)
    if one:
        seg = one["segmenter_alone"]["ms_per_report"] or 1e-9
        result["pipeline_vs_segmenter"] = {
            "after_startup": round(one["after_startup"]["ms_per_report"] / seg, 2),
            "busy": round(one["busy_ms_per_report"] / seg, 2),
            "target": 5,
        }
        fl = one["floor"]["ms_per_report"] or 1e-9
        result["pipeline_vs_floor"] = round(one["after_startup"]["ms_per_report"] / fl)
    return result


# -- the table -----------------------------------------------------------------------------
def format_table(result: dict[str, Any]) -> str:
    lines = [
        f"Corpus {result['corpus']}: {result['files']} files"
        + (
            f" (replicated to {result['replicated_to']})"
            if result["replicated_to"]
            else ""
        )
        + f", {result['cpus']} CPUs, load average {result['load_average_before'][0]}"
        f" before, {result['load_average_after'][0]} after (a shared machine: compare"
        " figures within one run)",
        "Optional packages installed: "
        + ", ".join(
            f"{k} {'yes' if v else 'no'}"
            for k, v in result["optional_installed"].items()
        ),
        "",
        (
            f"{'jobs':>4} {'start s':>8} {'MiB@start':>9} {'whole r/s':>10}"
            f" {'after r/s':>10} {'chars/s':>10} {'nlp.run r/s':>11} {'peak MiB':>9}"
            f" {'B/report':>9}"
        ),
    ]
    for r in result["runs"]:
        s, c = r["startup"], r["command"]
        lines.append(
            f"{r['jobs']:>4} {s['seconds']:>8.2f} {s['pss_mib_before_first_document']:>9.1f}"
            f" {r['whole']['reports_per_second']:>10} {r['after_startup']['reports_per_second']:>10}"
            f" {r['after_startup']['chars_per_second']:>10} {c['reports_per_second']:>11}"
            f" {max(r['memory']['peak_pss_mib'], c['memory']['peak_pss_mib']):>9}"
            f" {r['parent_rss_growth_bytes_per_report_second_half']!s:>9}"
        )
    for r in result["runs"]:
        s = r["startup"]
        lines += [
            "",
            (
                f"{r['jobs']} job(s): start-up {s['seconds']} s = interpreter "
                f"{s['interpreter_seconds']} + imports {s['import_seconds']} + build "
                f"{s['build_seconds']}; corpus steps {r['corpus_steps_seconds']} s; "
                f"{r['failed']} failed"
            ),
            f"  heavy modules imported at start-up: {', '.join(s['heavy_modules_imported']) or 'none'}",
            f"  {'stage':22s} {'share':>6s} {'ms/report':>10s} {'reports/s':>10s}",
        ]
        for name, st in r["stages"].items():
            lines.append(
                f"  {name:22s} {st['share']:>6.1%} {st['ms_per_report']:>10.3f}"
                f" {st['reports_per_second']!s:>10s}"
            )
        lines.append(
            "  by format: "
            + ", ".join(
                f"{fmt} {f['reports']} at {f['reports_per_second_per_core']}/s/core"
                for fmt, f in r["by_format"].items()
            )
        )
    growth = result.get("parent_memory")
    if growth:
        lines += [
            "",
            (
                f"nlp.run parent, {growth['jobs']} job(s): peak RSS "
                f"{growth['parent_peak_rss_mib'][0]} MiB at {growth['reports'][0]} "
                f"reports, {growth['parent_peak_rss_mib'][1]} MiB at "
                f"{growth['reports'][1]}: {growth['growth_bytes_per_report']} bytes a "
                f"report (target <= {growth['target_bytes_per_report']})"
            ),
        ]
    if "pipeline_vs_segmenter" in result:
        one = next(r for r in result["runs"] if "segmenter_alone" in r)
        seg, fl = one["segmenter_alone"], one["floor"]
        v = result["pipeline_vs_segmenter"]
        lines += [
            "",
            (
                f"Segmenter alone ({seg['segmenter']}) on the same texts: "
                f"{seg['reports_per_second']} reports/s, {seg['chars_per_second']} "
                f"chars/s; the pipeline after start-up costs {v['after_startup']}x "
                f"that (stages only: {v['busy']}x; target <= {v['target']}x)"
            ),
            (
                f"Floor (read, decode, NFKC, one regex; {fl['reports']} text files): "
                f"{fl['reports_per_second']} reports/s, {fl['chars_per_second']} "
                f"chars/s; the pipeline costs {result['pipeline_vs_floor']}x that"
            ),
        ]
    lines += [
        "",
        "Import time by package (ms, self): "
        + ", ".join(f"{k} {v}" for k, v in result["import_ms_by_package"].items()),
    ]
    return "\n".join(lines)


# -- OCR of scanned pages (issue 18) -----------------------------------------------------
def ocr_bench(
    corpus: Path, pages: int, dpi: int, engine: str, threads: int
) -> dict[str, Any]:
    """Pages a second per core of the OCR path of a scanned page: render at ``dpi``,
    deskew and lift seals, recognise, lay out. Runs on the first ``pages`` pages of
    the corpus's PDFs, text layer or not (a text page costs what its scan costs).
    Core-seconds are the process's CPU time, every thread included."""
    import pypdfium2 as pdfium

    if not ocr.available():
        raise RuntimeError("the ocr extra is not installed: pip install -e .[ocr]")
    files = sorted(p for p in iter_corpus(corpus) if p.suffix.lower() == ".pdf")
    load = time.perf_counter()
    recogniser = ocr.get_engine(engine, threads)
    load = time.perf_counter() - load
    done, boxes, per_page = 0, 0, []
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for path in files:
        pdf = pdfium.PdfDocument(path)
        for number in range(len(pdf)):
            if done >= pages:
                break
            w, c = time.perf_counter(), time.process_time()
            page = pdf[number]
            image = ocr.image.prepare(ocr.image.render_page(page, dpi), dpi)
            page.close()
            words = recogniser.recognise(image.image)
            ocr.page_text(words)
            per_page.append(
                {
                    "file": path.name,
                    "page": number + 1,
                    "boxes": len(words),
                    "cpu_s": round(time.process_time() - c, 3),
                    "wall_s": round(time.perf_counter() - w, 3),
                }
            )
            boxes += len(words)
            done += 1
        pdf.close()
        if done >= pages:
            break
    cpu = time.process_time() - cpu0
    wall = time.perf_counter() - wall0
    return {
        "engine": recogniser.name,
        "threads": threads,
        "dpi": dpi,
        "pages": done,
        "boxes": boxes,
        "engine_load_s": round(load, 3),
        "cpu_s": round(cpu, 2),
        "wall_s": round(wall, 2),
        "pages_per_s_per_core": round(done / cpu, 4) if cpu else None,
        "pages_per_s_wall": round(done / wall, 4) if wall else None,
        "load_before": os.getloadavg()[0],
        "per_page": per_page,
    }


def format_ocr(result: dict[str, Any]) -> str:
    return (
        f"OCR ({result['engine']}, {result['threads']} thread(s), {result['dpi']} dpi): "
        f"{result['pages']} pages, {result['boxes']} boxes, "
        f"{result['cpu_s']} CPU-s, {result['wall_s']} s wall; "
        f"{result['pages_per_s_per_core']} pages/s/core "
        f"({result['cpu_s'] / max(1, result['pages']):.2f} core-s a page), "
        f"{result['pages_per_s_wall']} pages/s wall; engine load "
        f"{result['engine_load_s']} s; load average {result['load_before']:.2f}"
    )


def _jobs(value: str) -> list[int]:
    return [int(x) for x in value.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nlp.bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("corpus", type=Path)
    parser.add_argument(
        "--reports",
        type=int,
        default=0,
        help="replicate the corpus to this many files in a temporary folder",
    )
    parser.add_argument(
        "--jobs", type=_jobs, default=[1, 2], help="comma-separated (default 1,2)"
    )
    parser.add_argument("--config", default=None, help="pipeline config")
    parser.add_argument(
        "--json", type=Path, default=Path("out/bench.json"), help="where to write JSON"
    )
    group = parser.add_argument_group("OCR of scanned pages (the ocr extra)")
    group.add_argument(
        "--ocr",
        action="store_true",
        help="measure only OCR pages/s/core on the corpus's PDF pages, not a run",
    )
    group.add_argument("--ocr-pages", type=int, default=6, help="pages to OCR")
    group.add_argument("--ocr-dpi", type=int, default=200, help="render resolution")
    group.add_argument("--ocr-engine", default="rapidocr", help="rapidocr, tesseract")
    group.add_argument("--ocr-threads", type=int, default=1, help="engine threads")
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        print(f"Corpus path {args.corpus} does not exist.", file=sys.stderr)
        return 2
    if args.ocr:
        try:
            result = ocr_bench(
                args.corpus,
                args.ocr_pages,
                args.ocr_dpi,
                args.ocr_engine,
                args.ocr_threads,
            )
        except (RuntimeError, NlpError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        print(format_ocr(result))
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), "utf-8")
        return 0
    if not Path("/proc/self/smaps_rollup").exists():
        print("nlp.bench needs Linux /proc (smaps_rollup) for memory.", file=sys.stderr)
        return 2
    result = bench(args)
    print(format_table(result))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
