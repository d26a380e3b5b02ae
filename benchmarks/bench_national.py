"""Benchmark: the national-scale demo end to end (validate, score, report).

Writes ``ospo-analytics demo --scale national`` (600 buyers under 25
ministries, 5,000 systems, 300,000 contracts in messy xlsx/csv exports, with a
buyer -> ministry mapping in its ``ospo.toml``) and times each stage as the CLI
runs it, one fresh process per stage, with that stage's peak memory
(``ru_maxrss`` of the process and of the notebook workers it started).

Goals (issue 10: "runs end to end on this machine, 2 cores, 24 GB"): every
stage succeeds; validate under 5 min, score under 2 min, the report batch
(HTML + XLSX for every ministry and the overview) under 20 min; peak memory
of each stage under 4 GB. The machine may be shared: CPU seconds are shown
beside wall time.

Run: ``.venv/bin/python benchmarks/bench_national.py [--scale national|test]
[--keep DIR] [--formats html,xlsx]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOALS_S = {"generate": None, "validate": 300.0, "score": 120.0, "report": 1200.0}
GOAL_PEAK_GB = 4.0


def _child(stage: str, config: str, formats: str) -> None:
    """Run one stage in this (fresh) process and print its measures as JSON."""
    from typer.testing import CliRunner

    from ospo_analytics._cli import app

    args = {
        "validate": ["validate", "-c", config],
        "score": ["score", "-c", config],
        "report": ["report", "-c", config, "--formats", formats, "--jobs", "2"],
    }[stage]
    t = time.perf_counter()
    c0 = resource.getrusage(resource.RUSAGE_SELF)
    res = CliRunner().invoke(app, args, catch_exceptions=False)
    wall = time.perf_counter() - t
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (me.ru_utime + me.ru_stime - c0.ru_utime - c0.ru_stime) + kids.ru_utime + kids.ru_stime
    peak_kb = max(me.ru_maxrss, kids.ru_maxrss)  # Linux: kilobytes
    tail = "\n".join(res.output.strip().splitlines()[-4:])
    print(
        json.dumps(
            {
                "exit": res.exit_code,
                "wall": wall,
                "cpu": cpu,
                "peak_gb": peak_kb / 1e6,
                "tail": tail,
            }
        )
    )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", default="national")
    ap.add_argument("--keep", type=Path, default=None, help="Project folder to keep/reuse.")
    ap.add_argument("--formats", default="html,xlsx")
    ap.add_argument("--child", nargs=3, metavar=("STAGE", "CONFIG", "FORMATS"))
    args = ap.parse_args()
    if args.child:
        _child(*args.child)
        return 0

    tmp = None
    if args.keep is None:
        tmp = tempfile.TemporaryDirectory()
        folder = Path(tmp.name) / "national"
    else:
        folder = args.keep
    rows = []
    try:
        config = folder / "ospo.toml"
        if not config.exists():
            t = time.perf_counter()
            from ospo_analytics._demo import write_national

            info = write_national(folder, scale=args.scale)
            rows.append(("generate", 0, time.perf_counter() - t, None, None, ""))
            print(
                f"national demo: {len(info.buyer_ministry):,} buyers, {len(info.ministries)} "
                f"ministries, {info.n_systems:,} systems, {info.n_contracts:,} contracts",
                flush=True,
            )
        for stage in ("validate", "score", "report"):
            cmd = [sys.executable, __file__, "--child", stage, str(config), args.formats]
            out = subprocess.run(cmd, capture_output=True, text=True, cwd=folder)
            if out.returncode:
                print(out.stdout[-2000:], out.stderr[-4000:])
                rows.append((stage, out.returncode, float("nan"), None, None, "crashed"))
                break
            r = json.loads(out.stdout.strip().splitlines()[-1])
            rows.append((stage, r["exit"], r["wall"], r["cpu"], r["peak_gb"], r["tail"]))
            print(f"{stage}: done in {r['wall']:.1f} s", flush=True)
    finally:
        if tmp is not None:
            tmp.cleanup()

    print(f"\nbench_national ({args.scale}; formats {args.formats})")
    print(f"{'stage':<10}{'exit':>5}{'wall':>10}{'cpu':>10}{'peak':>10}   goal")
    ok = True
    for stage, code, wall, cpu, peak, _tail in rows:
        goal = GOALS_S.get(stage)
        good = code == 0 and (goal is None or wall <= goal)
        good = good and (peak is None or peak < GOAL_PEAK_GB)
        ok &= good
        print(
            f"{stage:<10}{code:>5}{wall:>9.1f}s"
            f"{'' if cpu is None else f'{cpu:.1f}s':>10}"
            f"{'' if peak is None else f'{peak:.2f}GB':>10}   "
            + ("" if goal is None else f"< {goal:.0f} s, < {GOAL_PEAK_GB:.0f} GB: ")
            + ("ok" if good else "MISSED")
        )
    done = {r[0] for r in rows}
    ok &= {"validate", "score", "report"} <= done
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
