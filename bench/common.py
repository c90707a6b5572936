"""What the benches share: which restish they import, and interleaved timing.

The benches import the restish of this checkout, installed or not. Set
``RESTISH_TREE`` to another checkout (``git worktree add /tmp/before main``)
to time that one's restish with these same benches: ``bench/all.py --before``
does so to print before and after side by side.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from typing import Callable, Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.environ.get("RESTISH_TREE") or os.path.dirname(HERE))
TESTS = os.path.join(os.path.dirname(HERE), "tests")  # the test servers of the benches' own checkout
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def time_batch(call: Callable[[], object], batch: int) -> tuple:
    """``(wall ns, process CPU ns)`` per call, averaged over one batch."""
    wall, cpu = time.perf_counter_ns(), time.process_time_ns()
    for _ in range(batch):
        call()
    return (time.perf_counter_ns() - wall) / batch, (time.process_time_ns() - cpu) / batch


def interleaved(calls: Dict[str, Callable[[], object]], rounds: int, batch: int) -> Dict[str, dict]:
    """``{name: {"wall": ns, "cpu": ns}}``: medians per call, timed round-robin in a rotating order.

    Each round times one batch per call; rotating the order makes drift in the
    machine's load hit every call alike.
    """
    names = list(calls)
    walls: Dict[str, List[float]] = {name: [] for name in names}
    cpus: Dict[str, List[float]] = {name: [] for name in names}
    for name in names:  # warm-up: caches, lazy imports, first-call paths, pooled connections
        time_batch(calls[name], max(1, batch // 10))
    for round_no in range(rounds):
        shift = round_no % len(names)
        for name in names[shift:] + names[:shift]:
            gc.collect()
            wall, cpu = time_batch(calls[name], batch)
            walls[name].append(wall)
            cpus[name].append(cpu)
    return {name: {"wall": statistics.median(walls[name]), "cpu": statistics.median(cpus[name])}
            for name in names}


def arguments(doc: str, rounds: int, batch: Optional[int] = None, what: str = "calls") -> argparse.ArgumentParser:
    """A parser with ``--rounds``, ``--batch`` (when ``batch`` is given) and ``--json``."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--rounds", type=_positive, default=rounds, help=f"timed rounds (default {rounds})")
    if batch is not None:
        parser.add_argument("--batch", type=_positive, default=batch, help=f"{what} per batch (default {batch})")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def show(result: dict, as_json: bool, table: Callable[[dict], None]) -> int:
    """Print ``result`` as JSON or as ``table`` prints it; the exit status (0)."""
    if as_json:
        print(json.dumps(result, indent=2))
    else:
        table(result)
    return 0
