"""Report batch speed: the runner vs. the shell loop a user would otherwise write.

Builds a 12-ministry fixture country, then times

1. ``run_reports(..., jobs=2, formats=("html",))`` (kernel reused per worker);
2. a loop calling the ``papermill`` CLI then ``jupyter nbconvert --to html --no-input``
   per ministry (plus the national overview), one after the other;
3. an unchanged re-run of (1) (must execute nothing).

Goals: (1) at least 3x faster than (2); (3) under 2 s.
Run: ``.venv/bin/python benchmarks/bench_report.py [--skip-loop]``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import build_country  # noqa: E402
from ospo_analytics._report import runner as report  # noqa: E402

MINISTRIES = tuple(f"Ministry {n}" for n in (
    "of Health", "of Education", "of Finance", "of Interior", "of Justice", "of Labour",
    "of Agriculture", "of Transport", "of Energy", "of Environment", "of Foreign Affairs",
    "of Culture",
))  # fmt: skip


def shell_loop(processed: Path, out: Path) -> float:
    """What a user would write: papermill CLI + nbconvert CLI per report."""
    bin_dir = Path(sys.executable).parent
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    runs = [("national", report.NOTEBOOK_DIR / report.NATIONAL_NOTEBOOK, [])] + [
        (f"m{i}", report.NOTEBOOK_DIR / report.MINISTRY_NOTEBOOK, ["-p", "ministry", m])
        for i, m in enumerate(MINISTRIES)
    ]
    for slug, nb, params in runs:
        target = out / f"{slug}.ipynb"
        subprocess.run(
            [str(bin_dir / "papermill"), str(nb), str(target), "-k", "python3", "--no-progress-bar",
             "-p", "processed_dir", str(processed), "-p", "as_of", "2025-06-30", *params],
            check=True, capture_output=True,
        )  # fmt: skip
        subprocess.run(
            [str(bin_dir / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(target)],
            check=True,
            capture_output=True,
        )
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-loop", action="store_true", help="do not time the shell loop")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        tmp_path = Path(tmp)
        processed = build_country(tmp_path / "processed", ministries=MINISTRIES, n_systems=12,
                                  n_rows=300)  # fmt: skip
        t0 = time.perf_counter()
        s = report.run_reports(processed, tmp_path / "reports", jobs=2, formats=("html",),
                               progress=False, as_of="2025-06-30")  # fmt: skip
        runner = time.perf_counter() - t0
        assert s.exit_code == 0, [(x.name, x.error) for x in s.status]
        t0 = time.perf_counter()
        again = report.run_reports(processed, tmp_path / "reports", jobs=2, formats=("html",),
                                   progress=False, as_of="2025-06-30")  # fmt: skip
        rerun = time.perf_counter() - t0
        assert again.skipped
        print(f"runner, 13 reports, jobs=2, html:  {runner:6.1f} s")
        print(f"unchanged re-run:                   {rerun:6.2f} s   (goal < 2 s)")
        if not args.skip_loop:
            loop = shell_loop(processed, tmp_path / "loop")
            print(f"papermill + nbconvert shell loop:   {loop:6.1f} s")
            print(f"speed-up:                           {loop / runner:6.1f}x  (goal >= 3x)")


if __name__ == "__main__":
    main()
