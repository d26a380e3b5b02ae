"""Speed of the cell cleaners on 100,000-row columns and of vendor clustering.

Goal: each cleaner well under 1 s per 100k-row column for the common cases;
``cluster_vendors`` on 20,000 distinct names in reasonable time (< ~30 s).
Run: ``.venv/bin/python benchmarks/bench_clean.py``.
"""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pandas as pd

from ospo_analytics._clean import cells as C
from ospo_analytics._clean.schema import CATEGORIES
from ospo_analytics._clean.vendors import cluster_vendors

N = 100_000
rng = np.random.default_rng(0)
amounts = rng.uniform(0, 1e7, N)
days = rng.integers(0, 20000, N)
base = dt.datetime(1970, 1, 1)

cases = {
    "parse_amount floats": (C.parse_amount, pd.Series(amounts)),
    "parse_amount object floats": (C.parse_amount, pd.Series(amounts, dtype=object)),
    "parse_amount '1,234.50' text": (C.parse_amount, pd.Series([f"${x:,.2f}" for x in amounts])),
    "parse_int text": (C.parse_int, pd.Series([str(i) for i in days])),
    "parse_date datetimes": (
        C.parse_date,
        pd.Series([base + dt.timedelta(days=int(d)) for d in days], dtype=object),
    ),
    "parse_date dd/mm/yyyy text": (
        C.parse_date,
        pd.Series([(base + dt.timedelta(days=int(d))).strftime("%d/%m/%Y") for d in days]),
    ),
    "parse_date serial floats": (C.parse_date, pd.Series((days + 25569).astype(float))),
    "parse_bool text": (C.parse_bool, pd.Series(rng.choice(["yes", "No", "sí", "x", ""], N))),
    "parse_method text": (
        C.parse_method,
        pd.Series(rng.choice(["Licitación pública", "Sole source", "Open"], N)),
    ),
    "parse_code category": (C.parse_code, pd.Series(rng.choice(["HR", "Nómina", "GED"], N))),
    "parse_licence": (C.parse_licence, pd.Series(rng.choice(["GPL v3", "MIT", "proprietary"], N))),
    "clean_text": (C.clean_text, pd.Series([f"  Vendor {i % 5000}  name " for i in range(N)])),
}

for name, (func, series) in cases.items():
    args = (series, CATEGORIES) if func is C.parse_code else (series,)
    t0 = time.perf_counter()
    vals, probs = func(*args)
    elapsed = time.perf_counter() - t0
    print(f"{name:32s} {elapsed * 1000:8.0f} ms  problems={int(probs.notna().sum())}")

words = ["alpha", "beta", "gamma", "delta", "omega", "nova", "tech", "systems", "global", "data",
         "solutions", "consulting", "federal", "group", "networks", "services", "digital", "micro"]  # fmt: skip
names = set()
while len(names) < 20_000:
    k = rng.integers(2, 4)
    names.add(
        " ".join(rng.choice(words, k))
        + f" {rng.choice(['Inc', 'LLC', 'Ltd', 'Corp'])} {len(names)}"
    )
vendors = pd.Series(sorted(names))
t0 = time.perf_counter()
table = cluster_vendors(vendors)
print(
    f"{'cluster_vendors 20k names':32s} {(time.perf_counter() - t0) * 1000:8.0f} ms  clusters={table['cluster_id'].nunique()}"
)
