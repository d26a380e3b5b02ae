"""Scale: validate then score 1M, 3M and 10M procurement rows in ONE CSV.

For each size, a generated procurement CSV (title row, canonical-ish headers,
mixed amount and date spellings, supplier spellings that cluster) is

1. read raw by ``pyarrow.csv.read_csv`` (all columns as text): the baseline;
2. validated by ``ospo_analytics._load.read_procurement`` + ``write_processed``
   (big files take the streaming path), in a fresh process;
3. scored by ``ospo_analytics._score.systems.score`` on the written parquet
   tables, read as ``ospo-analytics score`` reads them (``read_tables`` with
   the procurement columns scoring uses), in a fresh process;

each with wall time and peak memory (its own high-water mark, ``_peak.peak_gb``).
The table is printed with the goals beside the measures and written to
``benchmarks/results/scale.csv`` (one row per size and step, appended with a
timestamp so growth across runs can be plotted; the folder is gitignored).

Goals (issue 14): 10M rows validate then score with peak < 8 GB; validate
within 5x of the raw pyarrow read of the same file.

Run: ``.venv/bin/python benchmarks/bench_scale.py [--sizes 1000000 3000000
10000000] [--workdir DIR]``, or choose the sizes for ``make bench`` with
``OSPO_BENCH_SCALE_SIZES=200000,1000000``. Generated CSVs are cached in
``--workdir``. A summary (one line per size: validate vs raw read, score vs
parquet read, peaks) is printed last and written to
``benchmarks/results/scale_summary.csv``. The machine may be shared: timings
are noisy, peaks are not.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

GOAL_PEAK_GB = 8.0
GOAL_RATIO = 5.0
RESULTS = Path(__file__).parent / "results" / "scale.csv"
#: Scoring goal (issue 14): within 5x of reading its input tables from parquet.
GOAL_SCORE_RATIO = 5.0
SIZES_ENV = "OSPO_BENCH_SCALE_SIZES"

HEADER = [
    "Ministry",
    "Supplier",
    "Amount",
    "Currency",
    "Award date",
    "End date",
    "Procurement method",
    "Number of tenderers",
    "System ID",
    "Contract ID",
    "Description",
    "CPV",
]


def make_csv(path: Path, n: int, n_systems: int = 50_000, seed: int = 0) -> Path:
    """Write an ``n``-row procurement CSV in blocks (vectorised, bounded memory)."""
    rng = np.random.default_rng(seed)
    n_min, n_sup = 40, 8000
    ministries = np.array([f"Ministry of Affairs {i:02d}" for i in range(n_min)], dtype=object)
    forms = np.array(["Ltd", "Ltd.", "LTD", "Limited", "S.A.", "Inc", "Inc."], dtype=object)
    stems = np.array([f"Supplier {i:05d}" for i in range(n_sup)], dtype=object)
    sys_min = rng.integers(0, n_min, n_systems)
    sys_sup = rng.integers(0, n_sup, n_systems)
    methods = np.array(
        ["Open tender", "Licitación pública", "Direct award", "Limited", "Selective", ""],
        dtype=object,
    )
    cpv = np.array(["48000000-8", "72000000-5", "30200000-1", "79000000-4"], dtype=object)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        fh.write("Republic of Tamarind: ICT contracts (generated)\n\n")
        w = csv.writer(fh)
        w.writerow(HEADER)
        block = 200_000
        for start in range(0, n, block):
            m = min(block, n - start)
            s = rng.integers(0, n_systems, m)
            sup = np.where(rng.random(m) < 0.7, sys_sup[s], rng.integers(0, n_sup, m))
            supplier = stems[sup] + " " + forms[rng.integers(0, len(forms), m)]
            upper = rng.random(m) < 0.2
            supplier[upper] = np.char.upper(supplier[upper].astype(str)).astype(object)
            amount = np.round(rng.lognormal(10, 1.5, m), 2)
            k = np.arange(start, start + m) % 10
            amt = amount.astype(str).astype(object)
            amt[k == 0] = np.char.add("TT$", amt[k == 0].astype(str)).astype(object)
            amt[k == 1] = np.char.replace(amt[k == 1].astype(str), ".", ",").astype(object)
            award = np.datetime64("2005-01-01") + rng.integers(0, 20 * 365, m).astype(
                "timedelta64[D]"
            )
            end = award + rng.integers(30, 4 * 365, m).astype("timedelta64[D]")
            iso = award.astype(str).astype(object)
            dmy = np.array([f"{d[8:10]}/{d[5:7]}/{d[0:4]}" for d in iso], dtype=object)
            award_txt = np.where(k < 7, iso, dmy)
            rows = zip(
                ministries[sys_min[s]],
                supplier,
                amt,
                np.full(m, "TTD", dtype=object),
                award_txt,
                end.astype(str),
                methods[rng.integers(0, len(methods), m)],
                rng.integers(1, 6, m),
                np.char.add("SYS-", np.char.zfill(s.astype(str), 6)),
                np.char.add("C-", np.char.zfill(np.arange(start, start + m).astype(str), 8)),
                np.full(m, "Licences and support", dtype=object),
                cpv[rng.integers(0, len(cpv), m)],
                strict=True,
            )
            w.writerows(rows)
    tmp.replace(path)
    return path


_RAW = """
import json, sys, time
from _peak import peak_gb
import pyarrow as pa, pyarrow.csv as pcsv
t, c = time.perf_counter(), time.process_time()  # CPU of all threads
names = pcsv.open_csv(sys.argv[1], read_options=pcsv.ReadOptions(skip_rows=2)).schema.names
tab = pcsv.read_csv(
    sys.argv[1],
    read_options=pcsv.ReadOptions(skip_rows=2),
    convert_options=pcsv.ConvertOptions(column_types={n: pa.string() for n in names}),
)
print(json.dumps({"seconds": time.perf_counter() - t, "rows": tab.num_rows,
    "cpu_s": time.process_time() - c,
    "peak_gb": peak_gb()}))
"""

_VALIDATE = """
import json, sys, time
from _peak import peak_gb
from pathlib import Path
from ospo_analytics._load import (Inputs, read_inventory, read_procurement,
    read_questionnaire, write_processed)
t, c = time.perf_counter(), time.process_time()  # CPU of all threads
proc = read_procurement([sys.argv[1]])
inputs = Inputs(read_inventory([]), proc, read_questionnaire([]))
t_write = time.perf_counter()
write_processed(inputs, Path(sys.argv[2]))
f = proc.files
print(json.dumps({"seconds": time.perf_counter() - t, "rows": int(f["rows_read"].sum()),
    "write_s": time.perf_counter() - t_write, "loaded": len(proc.table),
    "exact": bool((f["rows_read"] == f["loaded"] + f["filtered"] + f["rejected"]).all()),
    "cpu_s": time.process_time() - c,
    "peak_gb": peak_gb()}))
"""

_SCORE = """
import datetime as dt, json, sys, time
from _peak import peak_gb
from pathlib import Path
from ospo_analytics._load import read_tables
from ospo_analytics._score.systems import PROCUREMENT_COLUMNS, score
d = Path(sys.argv[1])
t = time.perf_counter()
# As `ospo-analytics score` reads them: procurement without unused columns.
inv, proc, _ = read_tables(d, columns={"procurement": PROCUREMENT_COLUMNS})
t_read = time.perf_counter() - t
t = time.perf_counter()
res = score(inv, proc, as_of=dt.date(2025, 1, 1))
# As `ospo-analytics score`, which writes them: the detail tables too.
from ospo_analytics._score.details import DETAIL_TABLES
for name in DETAIL_TABLES:
    getattr(res, name)
print(json.dumps({"seconds": time.perf_counter() - t, "read_s": t_read, "rows": len(proc),
    "peak_gb": peak_gb()}))
"""


def _child(code: str, *args: str) -> dict:
    # benchmarks/ on the path for _peak: the child's own peak, not ours.
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]
        ),
    }
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False, env=env
    )
    if proc.returncode:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return {"seconds": float("nan"), "peak_gb": float("nan"), "error": " | ".join(tail)}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _inventory_parquet(folder: Path, n_systems: int) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_score import make_tables

    inv, _ = make_tables(1, n_systems)
    inv.to_parquet(folder / "inventory.parquet")


def run_size(n: int, workdir: Path, n_systems: int) -> list[dict]:
    path = workdir / f"procurement_{n}.csv"
    if not path.exists():
        t = time.perf_counter()
        make_csv(path, n, n_systems)
        print(
            f"  generated {path.name} ({path.stat().st_size / 1e6:.0f} MB) "
            f"in {time.perf_counter() - t:.0f} s",
            flush=True,
        )
    mb = path.stat().st_size / 1e6
    out = []
    # Both reads from the page cache: a raw read of a cold file times the disk,
    # and would flatter the validate step that follows it.
    with path.open("rb") as fh:
        while fh.read(1 << 24):
            pass
    raw = _child(_RAW, str(path))
    out.append({"step": "raw pyarrow CSV read", **raw})
    with tempfile.TemporaryDirectory(dir=workdir) as d:
        val = _child(_VALIDATE, str(path), d)
        out.append({"step": "validate (read_procurement + write)", **val})
        _inventory_parquet(Path(d), n_systems)
        if "error" not in val:
            sc = _child(_SCORE, d)
            out.append(
                {
                    "step": "parquet read (inventory + procurement)",
                    "seconds": sc.get("read_s", float("nan")),
                    "peak_gb": float("nan"),
                }
            )
            out.append({"step": "score", **sc})
    for r in out:
        r.update(rows=n, file_mb=round(mb))
    return out


def _fmt(x: float, unit: str) -> str:
    return "    -" if x != x else f"{x:7.1f}{unit}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    env = os.environ.get(SIZES_ENV, "").replace(",", " ").split()
    default_sizes = [int(x) for x in env] or [1_000_000, 3_000_000, 10_000_000]
    ap.add_argument("--sizes", type=int, nargs="+", default=default_sizes)
    ap.add_argument("--systems", type=int, default=50_000)
    ap.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "ospo_bench_scale"
    )
    ap.add_argument("--results", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows: list[dict] = []
    summary: list[dict] = []
    ok = True
    print(
        f"bench_scale: one procurement CSV per size, {args.systems:,} systems; "
        "each step in a fresh process (peak = its own VmHWM); shared machine: noisy timings"
    )
    for n in args.sizes:
        print(f"{n:,} rows:", flush=True)
        res = run_size(n, args.workdir, args.systems)
        by = {r["step"].split(" (")[0]: r for r in res}
        raw_s = by["raw pyarrow CSV read"]["seconds"]
        val = by.get("validate", {})
        sc = by.get("score", {})
        ratio = val.get("seconds", float("nan")) / raw_s
        peak = max(val.get("peak_gb", float("nan")), sc.get("peak_gb", float("nan")))
        read_s = sc.get("read_s", float("nan"))
        summary.append(
            {
                "run": stamp,
                "rows": n,
                "validate_s": val.get("seconds", float("nan")),
                "raw_read_s": raw_s,
                "validate_ratio": ratio,
                "validate_peak_gb": val.get("peak_gb", float("nan")),
                "score_s": sc.get("seconds", float("nan")),
                "parquet_read_s": read_s,
                "score_ratio": sc.get("seconds", float("nan")) / read_s,
                "score_peak_gb": sc.get("peak_gb", float("nan")),
            }
        )
        for r in res:
            goal = ""
            if r["step"].startswith("validate"):
                met = ratio <= GOAL_RATIO
                goal = f"{ratio:.1f}x raw read; goal <= {GOAL_RATIO:.0f}x: {'met' if met else 'MISSED'}"
                # Where the floor is: the parquet write alone, and the work
                # (CPU seconds on all cores) against the raw read's.
                raw_cpu = by["raw pyarrow CSV read"].get("cpu_s", float("nan"))
                goal += (
                    f" (write alone {r.get('write_s', float('nan')) / raw_s:.1f}x;"
                    f" CPU {r.get('cpu_s', float('nan')) / raw_cpu:.1f}x)"
                )
                ok &= met
                if "error" in r:
                    goal = "FAILED: " + r["error"]
            elif r["step"] == "score" and n >= 10_000_000:
                met = peak < GOAL_PEAK_GB
                goal = f"validate/score peak {peak:.1f} GB; goal < {GOAL_PEAK_GB:.0f} GB: " + (
                    "met" if met else "MISSED"
                )
                ok &= met
            r["goal"] = goal
            print(
                f"  {r['step']:<42} {_fmt(r['seconds'], ' s')}  "
                f"{_fmt(r.get('peak_gb', float('nan')), ' GB')}  {goal}",
                flush=True,
            )
            rows.append({"run": stamp, **r})
    args.results.parent.mkdir(parents=True, exist_ok=True)
    new = not args.results.exists()
    with args.results.open("a", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(
            fh,
            fieldnames=["run", "rows", "file_mb", "step", "seconds", "peak_gb", "goal"],
            extrasaction="ignore",
        )
        if new:
            w.writeheader()
        for r in rows:
            w.writerow(
                {
                    **r,
                    "seconds": round(r["seconds"], 2),
                    "peak_gb": round(r.get("peak_gb", float("nan")), 2),
                }
            )
    print(f"  written to {args.results}")
    _print_summary(summary, args.results.with_name("scale_summary.csv"))
    return 0 if ok else 1


def _print_summary(summary: list[dict], path: Path) -> None:
    """Side by side: validate vs raw pyarrow read, score vs parquet read."""
    head = (
        f"{'rows':>11} {'validate':>9} {'raw read':>9} {'ratio':>7} {'peak':>7}"
        f"   {'score':>8} {'pq read':>8} {'ratio':>7} {'peak':>7}"
    )
    print(
        f"\nsummary (goals: validate <= {GOAL_RATIO:.0f}x raw read, score <= "
        f"{GOAL_SCORE_RATIO:.0f}x parquet read, 10M peak < {GOAL_PEAK_GB:.0f} GB)"
    )
    print(head)
    for r in summary:
        print(
            f"{r['rows']:>11,} {r['validate_s']:>8.1f}s {r['raw_read_s']:>8.1f}s "
            f"{r['validate_ratio']:>6.1f}x {r['validate_peak_gb']:>5.2f}GB"
            f"   {r['score_s']:>7.1f}s {r['parquet_read_s']:>7.1f}s "
            f"{r['score_ratio']:>6.1f}x {r['score_peak_gb']:>5.2f}GB"
        )
    new = not path.exists()
    with path.open("a", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(summary[0]) if summary else ["run"])
        if new:
            w.writeheader()
        for r in summary:
            w.writerow({k: round(v, 3) if isinstance(v, float) else v for k, v in r.items()})
    print(f"  written to {path}")


if __name__ == "__main__":
    sys.exit(main())
