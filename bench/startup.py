"""Start-up time of ``restish --help``, against importing requests and httpie's ``http --help``.

Each command runs ``--runs`` times (default 21) as a fresh process, the commands
interleaved in a rotating order so that drift in machine load hits them alike;
the figure is the median wall time in milliseconds. Ratios are against
``python -c 'import requests'``, the least any requests-based CLI pays. A command
that is not installed (the ``restish`` console script, httpie's ``http``) is
left out with a note.

    python bench/startup.py
    python bench/startup.py --runs 51 --json
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from typing import Dict, List

from common import ROOT  # the checkout whose restish is started
BASELINE = "python -c 'import requests'"


def commands() -> Dict[str, List[str]]:
    """Label -> argv; the console scripts are looked up beside this Python, then on PATH."""
    bindir = os.path.dirname(sys.executable)
    found = {
        "python -c pass": [sys.executable, "-c", "pass"],
        BASELINE: [sys.executable, "-c", "import requests"],
        "python -m restish --help": [sys.executable, "-m", "restish", "--help"],
    }
    for label, script in (("restish --help", "restish"), ("http --help (httpie)", "http")):
        path = shutil.which(script, path=bindir) or shutil.which(script)
        if path:
            found[label] = [path, "--help"]
        else:
            print(f"{script}: not installed, left out", file=sys.stderr)
    return found


def time_once(argv: List[str]) -> float:
    """Wall milliseconds of one run; raises CalledProcessError if it fails."""
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   cwd=ROOT, timeout=60)
    return (time.perf_counter() - started) * 1000


def measure(runs: int) -> Dict[str, float]:
    """Median milliseconds per command over ``runs`` interleaved rounds."""
    table = commands()
    labels = list(table)
    times: Dict[str, List[float]] = {label: [] for label in labels}
    for label in labels:  # one warm-up each: the page cache, .pyc files
        time_once(table[label])
    for round_ in range(runs):
        shift = round_ % len(labels)
        for label in labels[shift:] + labels[:shift]:
            times[label].append(time_once(table[label]))
    return {label: statistics.median(values) for label, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=21, help="runs per command (median)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    medians = measure(args.runs)
    if args.json:
        print(json.dumps(medians, indent=2))
        return
    base = medians[BASELINE]
    width = max(map(len, medians))
    print(f"{'command':<{width}}  {'median ms':>9}  {'vs import requests':>18}")
    for label, ms in medians.items():
        print(f"{label:<{width}}  {ms:9.1f}  {ms / base:17.2f}x")


if __name__ == "__main__":
    main()
