"""Run every benchmark (``make bench``): loader, cleaners, scoring, report batch,
the national-scale demo end to end (validate, score, report), then scale.

Each ``bench_*.py`` prints its own table with the goal beside the measure.
Speed goals live here, not in the test suite, because timings depend on the
machine. Run one with ``python benchmarks/bench_score.py``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
ORDER = [
    "bench_load.py",
    "bench_clean.py",
    "bench_score.py",
    "bench_report.py",
    "bench_national.py",
    # Last: the longest (1M, 3M and 10M rows in one CSV, validate then score).
    "bench_scale.py",
]


def main() -> int:
    scripts = [HERE / n for n in ORDER if (HERE / n).exists()]
    scripts += sorted(p for p in HERE.glob("bench_*.py") if p.name not in ORDER)
    failed = []
    for script in scripts:
        print(f"\n=== {script.name} ===", flush=True)
        rc = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        if rc:
            failed.append(script.name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
