"""Benchmark: score 1,000,000 procurement rows and 50,000 systems.

Goal (issue 3): with system ids present, the whole scoring step within 5x the
time to read the same tables from parquet, peak memory under 4 GB.

Run: ``.venv/bin/python benchmarks/bench_score.py [--rows N] [--systems N]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ospo_analytics import _score
from ospo_analytics._schema import empty_frame
from ospo_analytics._score import score, sensitivity

GOAL_RATIO = 5.0
GOAL_PEAK_GB = 4.0


def _cat(rng: np.random.Generator, values: list, n: int, p=None) -> np.ndarray:
    return np.asarray(values, dtype=object)[rng.choice(len(values), size=n, p=p)]


def make_tables(n_rows: int, n_systems: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Synthetic canonical inventory and procurement tables (vectorised)."""
    rng = np.random.default_rng(seed)
    n_min, n_sup = 25, 8000
    ministries = np.array([f"Ministry {i:02d}" for i in range(n_min)], dtype=object)
    suppliers = np.array([f"Supplier {i:05d} Ltd" for i in range(n_sup)], dtype=object)
    ids = np.char.add("SYS-", np.char.zfill(np.arange(n_systems).astype(str), 6)).astype(object)
    sys_min = rng.integers(0, n_min, n_systems)
    sys_vendor = rng.integers(0, n_sup, n_systems)
    inv = {
        "system_id": ids,
        "system_name": np.char.add("System ", np.arange(n_systems).astype(str)).astype(object),
        "ministry": ministries[sys_min],
        "category": _cat(rng, ["hr", "payroll", "finance", "erp", "gis", "other", None], n_systems),
        "vendor": suppliers[sys_vendor],
        "licence": _cat(rng, ["LicenseRef-proprietary", "MIT", "EUPL-1.2", None], n_systems),
        "ip_owner": _cat(rng, ["government", "vendor", "third-party", None], n_systems),
        "source_code_access": _cat(
            rng, ["public-repo", "gov-repo", "escrow", "none", None], n_systems
        ),
        "hosting": _cat(
            rng,
            ["government", "third-party-in-country", "vendor-cloud-in-country", "foreign", None],
            n_systems,
        ),
        "data_export": _cat(rng, ["open-format", "proprietary-format", "none", None], n_systems),
        "interfaces_total": rng.integers(0, 12, n_systems),
        "interfaces_open": rng.integers(0, 6, n_systems),
        "proprietary_dependencies": _cat(rng, ["none", "replaceable", "hard", None], n_systems),
        "integrations": rng.integers(0, 30, n_systems),
        "documentation": _cat(rng, ["none", "basic", "complete", None], n_systems),
        "in_house_capability": _cat(rng, [True, False, None], n_systems),
        "qualified_suppliers": rng.integers(0, 6, n_systems),
        "exit_clause": _cat(rng, [True, False, None], n_systems),
        "data_return_clause": _cat(rng, [True, False, None], n_systems),
        "configurable": _cat(rng, [True, False, None], n_systems),
        "localised": _cat(rng, [True, False, None], n_systems),
        "maintained": _cat(rng, [True, False, None], n_systems),
    }
    s = rng.integers(0, n_systems, n_rows)
    # Most contracts go to the system's vendor, the rest to a random supplier.
    sup = np.where(rng.random(n_rows) < 0.7, sys_vendor[s], rng.integers(0, n_sup, n_rows))
    award = np.datetime64("2005-01-01") + rng.integers(0, 20 * 365, n_rows).astype("timedelta64[D]")
    end = award + rng.integers(30, 4 * 365, n_rows).astype("timedelta64[D]")
    method = _cat(
        rng, ["open", "selective", "limited", "direct", None], n_rows, p=[0.4, 0.1, 0.1, 0.3, 0.1]
    )
    files = np.array([f"procurement_{y}.xlsx" for y in range(2005, 2025)], dtype=object)
    proc = {
        "ministry": ministries[sys_min[s]],
        "supplier": suppliers[sup],
        "amount": np.round(rng.lognormal(10, 1.5, n_rows), 2),
        "award_date": award,
        "start_date": award,
        "end_date": end,
        "method": method,
        "tenderers": rng.integers(1, 6, n_rows),
        "system_id": ids[s],
        "brand_name_spec": _cat(rng, [True, False, None], n_rows, p=[0.05, 0.75, 0.2]),
        "source_file": files[(award.astype("datetime64[Y]").astype(int) + 1970 - 2005).clip(0, 19)],
        "source_sheet": _cat(rng, ["Awards", "Services"], n_rows),
        "source_row": rng.integers(2, 60_000, n_rows),
    }
    return _canonical("inventory", inv), _canonical("procurement", proc)


def _canonical(table: str, data: dict) -> pd.DataFrame:
    base = empty_frame(table)
    out = {}
    n = len(next(iter(data.values())))
    for c in base.columns:
        if c in data:
            out[c] = pd.Series(data[c]).astype(base[c].dtype)
        else:
            out[c] = pd.Series(pd.array([pd.NA] * n, dtype=base[c].dtype))
    return pd.DataFrame(out)


def _rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--systems", type=int, default=50_000)
    args = ap.parse_args(argv)

    t = time.perf_counter()
    inv, proc = make_tables(args.rows, args.systems)
    t_gen = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as d:
        inv.to_parquet(Path(d) / "inventory.parquet")
        proc.to_parquet(Path(d) / "procurement.parquet")
        del inv, proc
        gc.collect()
        t = time.perf_counter()
        inv = pd.read_parquet(Path(d) / "inventory.parquet")
        proc = pd.read_parquet(Path(d) / "procurement.parquet")
        t_read = time.perf_counter() - t
    rss_before = _rss_gb()
    as_of = dt.date(2025, 1, 1)

    # Per-system part alone (this module's work), then the whole step.
    real = _score._ministries
    _score._ministries = lambda **kw: (pd.DataFrame(), pd.DataFrame())
    t = time.perf_counter()
    res = score(inv, proc, as_of=as_of)
    t_sys = time.perf_counter() - t
    _score._ministries = real
    del res
    gc.collect()
    t = time.perf_counter()
    res = score(inv, proc, as_of=as_of)
    t_all = time.perf_counter() - t
    peak = _rss_gb()
    t = time.perf_counter()
    sensitivity(res, n=200)
    t_sens = time.perf_counter() - t

    linked = res.links["system_id"].notna().mean()
    ratio = t_all / t_read
    rows = [
        ("generate tables", f"{t_gen:.2f} s", ""),
        ("read parquet (inventory + procurement)", f"{t_read:.2f} s", "baseline"),
        ("score(): per-system part only", f"{t_sys:.2f} s", f"{t_sys / t_read:.1f}x read"),
        (
            "score(): whole step (incl. ministries)",
            f"{t_all:.2f} s",
            f"{ratio:.1f}x read (goal <= {GOAL_RATIO:.0f}x) {'OK' if ratio <= GOAL_RATIO else 'MISSED'}",
        ),
        ("sensitivity(n=200 draws)", f"{t_sens:.2f} s", "not part of the goal"),
        (
            "peak RSS of the process",
            f"{peak:.2f} GB",
            f"goal < {GOAL_PEAK_GB:.0f} GB {'OK' if peak < GOAL_PEAK_GB else 'MISSED'}",
        ),
        ("RSS peak before scoring", f"{rss_before:.2f} GB", "tables + generation"),
    ]
    print(
        f"bench_score: {args.rows:,} procurement rows, {args.systems:,} systems, "
        f"{linked:.0%} rows linked, {len(res.factors):,} factor rows"
    )
    w = max(len(r[0]) for r in rows)
    for name, val, note in rows:
        print(f"  {name:<{w}}  {val:>9}  {note}")
    return 0 if ratio <= GOAL_RATIO and peak < GOAL_PEAK_GB else 1


if __name__ == "__main__":
    sys.exit(main())
