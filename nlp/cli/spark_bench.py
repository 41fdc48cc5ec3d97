"""``python -m nlp.cli.spark_bench CORPUS --reports N``: nlp.spark against nlp.run.

Both commands, each in a fresh process, over the corpus as it is and replicated to N
files (copies under new names in a temporary folder: Hadoop's local file system is
not asked to follow links): ``python -m nlp.run CORPUS --jobs J`` and ``python -m
nlp.spark CORPUS OUT --master local[J]``, timed from spawn to exit, with the peak
summed PSS of the process tree (Spark's JVM and its Python workers included; the
sampler of ``nlp.bench``). The two sizes give each command's fixed cost and its
cost per report (the line through both points); the load average before and after
goes into the result, as in ``nlp.bench``. Needs the spark extra.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from ..pipeline.corpus import iter_corpus
from .bench import _spawn


def copies(files: list[Path], root: Path, n: int, into: Path) -> None:
    """``n`` files cycling through ``files``, copied under new names into ``into``."""
    for i in range(n):
        source = files[i % len(files)]
        target = into / f"r{i // len(files):04d}" / source.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


def timed(cmd: list[str], reports: int) -> dict[str, Any]:
    status, seconds, memory = _spawn(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    if status not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)} failed ({status})")
    return {
        "reports": reports,
        "seconds": round(seconds, 2),
        "reports_per_second": round(reports / seconds, 2),
        **memory,
    }


def bench(corpus: Path, reports: int, jobs: int, work: Path) -> dict[str, Any]:
    files = iter_corpus(corpus)
    big = work / "corpus"
    copies(files, corpus, reports, big)
    commands = {
        "nlp.run": lambda src, out: [
            sys.executable, "-m", "nlp.run", str(src), "--out", str(out),
            "--jobs", str(jobs), "--no-progress",
        ],
        "nlp.spark": lambda src, out: [
            sys.executable, "-m", "nlp.spark", str(src), str(out),
            "--master", f"local[{jobs}]",
        ],
    }  # fmt: skip
    result: dict[str, Any] = {"load_before": os.getloadavg(), "runs": {}}
    for name, make in commands.items():
        small = timed(make(corpus, work / f"{name}-small"), len(files))
        large = timed(make(big, work / f"{name}-large"), reports)
        per_report = (large["seconds"] - small["seconds"]) / (reports - len(files))
        result["runs"][name] = {
            "command": " ".join(make("CORPUS", "OUT")[1:]),
            "small": small,
            "large": large,
            "seconds_per_report": round(per_report, 4),
            "fixed_seconds": round(small["seconds"] - per_report * len(files), 1),
        }
    run, spark = result["runs"]["nlp.run"], result["runs"]["nlp.spark"]
    result["spark_overhead_per_report"] = round(
        spark["seconds_per_report"] - run["seconds_per_report"], 4
    )
    result["load_after"] = os.getloadavg()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nlp.cli.spark_bench")
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", type=Path, default=None, help="write the result")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="spark-bench-") as tmp:
        result = bench(args.corpus, args.reports, args.jobs, Path(tmp))
    text = json.dumps(result, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
