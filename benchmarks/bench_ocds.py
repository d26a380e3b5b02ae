"""Benchmark: a national OCDS bulk file, read whole vs streamed.

Publishers release OCDS as one release package of several gigabytes. Read
whole, the parsed JSON and the releases waiting for their ``ocid`` take about
seven times the file in memory; streamed (``[reading] stream_min_mb``, 100 MB
by default), one release is parsed at a time and releases wait on disk.

Goal: the same rows, and a streamed peak under 1.5 GB up to a 1 GB package
(read whole, about 6 GB). What remains grows with the rows kept and the
accounting of each release, not with the parsed JSON. Each measure is a
fresh process (peak = its own high-water mark, ``_peak.peak_gb``).

``--flattened`` sizes are also flattened with flatterer, as the OCP Data
Registry makes its CSV downloads (when flatterer, a dev dependency, is
installed), and that CSV folder read: the same rows, under the same peak
(its tables are held in Arrow, its releases built a batch at a time).

Run: ``.venv/bin/python benchmarks/bench_ocds.py [--sizes 250,1000] [--whole 250]
[--flattened 250]``.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _peak import peak_gb  # benchmarks/ is on sys.path when run

GOAL_PEAK_GB = 1.5
_CPV = ["48000000", "72000000", "72212000", "30200000", "45000000", "33100000", "79000000"]
_METHODS = ["open", "selective", "limited", "direct"]


def _release(rng: random.Random, ocid: str, n: int, tag: str) -> dict:
    buyer = f"Ministry of {rng.choice(['Health', 'Finance', 'Education', 'Interior'])} {n % 97}"
    supplier = f"Supplier {rng.randrange(5000):04d} Ltd"
    items = [
        {
            "id": str(k),
            "description": "Item " + " ".join(rng.choices(["licence", "support", "hosting",
                                                             "servers", "consulting"], k=8)),
            "classification": {"scheme": "CPV", "id": rng.choice(_CPV)},
            "quantity": rng.randrange(1, 50),
        }
        for k in range(rng.randrange(1, 4))
    ]  # fmt: skip
    return {
        "ocid": ocid,
        "id": f"{ocid}-{tag}",
        "date": f"20{rng.randrange(15, 25)}-{rng.randrange(1, 13):02d}-15T10:00:00-05:00",
        "tag": [tag],
        "initiationType": "tender",
        "parties": [
            {"id": "b", "name": buyer, "roles": ["buyer"], "address": {"locality": "Capital"}},
            {"id": "s", "name": supplier, "roles": ["supplier"]},
        ],
        "buyer": {"id": "b", "name": buyer},
        "tender": {
            "id": "t",
            "title": "Procurement of " + " ".join(rng.choices(["software", "services"], k=6)),
            "procurementMethod": rng.choice(_METHODS),
            "numberOfTenderers": rng.randrange(1, 6),
            "items": items,
        },
        "awards": [
            {
                "id": "a1",
                "date": "2021-03-01",
                "status": "active",
                "suppliers": [{"id": "s", "name": supplier}],
                "value": {"amount": round(rng.lognormvariate(11, 1.5), 2), "currency": "USD"},
            }
        ]
        if tag == "award"
        else [],
    }


def make_package(path: Path, megabytes: float, seed: int = 0) -> int:
    """Write a release package of about ``megabytes``; return the releases."""
    rng = random.Random(seed)
    n = size = 0
    with path.open("w", encoding="utf-8") as fh:
        fh.write('{"uri": "https://example.org/bulk.json", "version": "1.1", "releases": [\n')
        while size < megabytes * 1e6:
            ocid = f"ocds-bench-{n // 2:08d}"
            # Two releases per process (tender, then award), as publishers do.
            text = json.dumps(_release(rng, ocid, n, "tender" if n % 2 == 0 else "award"))
            fh.write(("," if n else "") + text + "\n")
            size += len(text) + 2
            n += 1
        fh.write('], "publishedDate": "2025-01-01T00:00:00Z"}\n')
    return n


def _registry_csv(package: Path) -> Path:
    """The package's releases flattened as the OCP Data Registry does (CSV folder).

    Done in a process of its own: the measured child is forked from this one,
    and Linux carries the parent's peak into a forked child's ``ru_maxrss``.
    """
    lines = package.with_suffix(".jsonl")
    out = package.with_name(package.stem + "_flat")
    code = (
        "import json, sys, flatterer\n"
        "src, lines, out = sys.argv[1:]\n"
        "with open(lines, 'w', encoding='utf-8') as fh:\n"
        "    for rel in json.load(open(src, encoding='utf-8'))['releases']:\n"
        "        fh.write(json.dumps(rel) + '\\n')\n"
        "flatterer.flatten(lines, out, csv=True, force=True, json_stream=True, threads=1)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(package), str(lines), str(out)], check=True)
    lines.unlink()
    return out / "csv"


def _child(path: Path, stream: bool) -> None:
    from ospo_analytics import read_ocds
    from ospo_analytics._config import Config

    cfg = Config(root=path.parent)
    cfg.data["reading"]["stream_min_mb"] = 0 if stream else 1e9
    t = time.perf_counter()
    res = read_ocds(path, cfg)
    secs = time.perf_counter() - t
    peak = peak_gb()
    tot = res.totals
    print(json.dumps({"secs": secs, "peak_gb": peak, "rows": len(res.table), **tot}))


def _measure(path: Path, stream: bool) -> dict:
    cmd = [sys.executable, __file__, "--child", str(path), "--stream", str(int(stream))]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="250,1000", help="package sizes in MB, streamed")
    ap.add_argument("--whole", default="250", help="sizes also read whole (MB)")
    ap.add_argument("--flattened", default="250", help="sizes also read as a registry CSV (MB)")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--stream", type=int, default=1, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        _child(args.child, bool(args.stream))
        return 0
    sizes = [float(s) for s in args.sizes.split(",") if s]
    whole = {float(s) for s in args.whole.split(",") if s}
    flattened = {float(s) for s in args.flattened.split(",") if s}
    import importlib.util

    has_flatterer = importlib.util.find_spec("flatterer") is not None
    if not has_flatterer:
        print("flattened: flatterer is not installed (pip install -e '.[dev]'): not measured")
    print(
        f"{'package':>10} {'releases':>9} {'read':>7} {'time':>8} {'peak':>8} {'rows':>8}  loaded"
    )
    ok = True
    with tempfile.TemporaryDirectory() as d:
        for mb in sizes:
            path = Path(d) / f"bulk_{int(mb)}mb.json"
            n = make_package(path, mb)
            real_mb = path.stat().st_size / 1e6
            rows = {}
            for stream in ([False] if mb in whole else []) + [True]:
                r = _measure(path, stream)
                rows[stream] = r["rows"]
                how = "streamed" if stream else "whole"
                print(
                    f"{real_mb:8.0f}MB {n:9,} {how:>7} {r['secs']:7.1f}s {r['peak_gb']:6.2f}GB "
                    f"{r['rows']:8,}  {r['loaded']:,}/{r['read']:,}",
                    flush=True,
                )
                if stream:
                    ok &= r["peak_gb"] < GOAL_PEAK_GB
            if len(rows) == 2 and rows[True] != rows[False]:
                print("  rows differ between whole and streamed")
                ok = False
            if has_flatterer and mb in flattened:
                folder = _registry_csv(path)
                csv_mb = sum(p.stat().st_size for p in folder.glob("*.csv")) / 1e6
                r = _measure(folder, True)
                print(
                    f"{csv_mb:8.0f}MB {n:9,} {'csv':>7} {r['secs']:7.1f}s {r['peak_gb']:6.2f}GB "
                    f"{r['rows']:8,}  {r['loaded']:,}/{r['read']:,}  (registry CSV download)",
                    flush=True,
                )
                ok &= r["peak_gb"] < GOAL_PEAK_GB
                if r["rows"] != rows[True]:
                    print("  rows differ between the JSON and its registry CSV")
                    ok = False
            path.unlink()
    print(f"goal: streamed peak < {GOAL_PEAK_GB} GB at every size: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
