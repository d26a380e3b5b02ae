"""Shared fixtures: a small fixture country written as a processed folder.

The country is built in code (no randomness beyond a fixed seed) as canonical
tables plus the scoring outputs, so report tests do not depend on the loader
or scorer being finished. ``build_country`` is also used by
``benchmarks/bench_report.py``.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ospo_analytics._clean.schema import empty_frame
from ospo_analytics._score.details import contract_ends, ministry_details
from ospo_analytics._score.ministries import _prepare_procurement, _prepare_systems

# Planted hostile names: the report must show them as text, never run them.
FORMULA_NAME = '=HYPERLINK("http://x","click")'
SCRIPT_NAME = "<script>alert('x')</script> Portal"
FIXTURE_MINISTRIES = ("Ministry of Health", "Ministère de l'Éducation", "Ministry of Finance")
AS_OF = dt.date(2025, 6, 30)

_CATS = ("hr", "payroll", "finance", "document-management", "health-information", "gis")
_VENDORS = ("Acme Corp", "Globex", "Initech", "Umbrella IT", "Stark Systems", "Wayne Soft")


def build_country(
    out: Path,
    ministries: tuple[str, ...] = FIXTURE_MINISTRIES,
    n_systems: int = 6,
    n_rows: int = 60,
    seed: int = 7,
    vendors: tuple[str, ...] = _VENDORS,
    system_names: tuple[str, ...] = (),
) -> Path:
    """Write a processed folder for a small synthetic country.

    Parameters
    ----------
    out : Path
        Folder to create (``inventory.parquet``, ``systems.parquet``, ...).
    ministries : tuple of str
        Ministry names.
    n_systems, n_rows : int
        Systems per ministry and procurement rows per ministry.
    seed : int
        Random seed (the same seed gives the same folder).
    vendors : tuple of str
        Vendor / supplier names used round-robin.
    system_names : tuple of str
        Extra (hostile) system names planted round-robin in every ministry.

    Returns
    -------
    Path
        ``out``.
    """
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    inv_rows, sys_rows, proc_rows, fac_rows, opp_rows, min_rows, q_rows = [], [], [], [], [], [], []
    for mi, ministry in enumerate(ministries):
        for si in range(n_systems):
            sid = f"M{mi:02d}-S{si:02d}"
            name = f"{ministry.split()[-1]} {_CATS[si % len(_CATS)].title()} System {si}"
            if mi == 0 and si == 0:
                name = FORMULA_NAME
            if mi == 0 and si == 1:
                name = SCRIPT_NAME
            if system_names and si >= 2:
                name = system_names[(mi * (n_systems - 2) + si - 2) % len(system_names)]
            cat = _CATS[si % len(_CATS)]
            vendor = vendors[(mi + si) % len(vendors)]
            lock = float(rng.uniform(10, 95))
            known = si % 3 != 2
            end = pd.Timestamp(AS_OF) + pd.DateOffset(months=int(rng.integers(-3, 40)))
            inv_rows.append(
                {
                    "system_id": sid,
                    "system_name": name,
                    "ministry": ministry,
                    "category": cat,
                    "vendor": vendor,
                    "licence": "LicenseRef-proprietary" if si % 2 else "GPL-3.0-only",
                    "data_export": ["open-format", "proprietary-format", None][si % 3],
                    "contract_end": end,
                    "annual_cost": float(rng.uniform(1e4, 5e5)),
                    "currency": "USD",
                }
            )
            spend = float(rng.uniform(5e4, 3e6))
            flags = "closed licence and no data export" if lock > 80 else ""
            sys_rows.append(
                {
                    "system_id": sid,
                    "system_name": name,
                    "ministry": ministry,
                    "category": cat,
                    "vendor": vendor,
                    "lockin_score": lock,
                    "lockin_low": max(0.0, lock - (5 if known else 20)),
                    "lockin_high": min(100.0, lock + (5 if known else 20)),
                    "lockin_commercial": float(rng.uniform(0, 100)),
                    "lockin_technical": float(rng.uniform(0, 100)),
                    "lockin_sovereignty": float(rng.uniform(0, 100)) if known else np.nan,
                    "reuse_score": float(rng.uniform(0, 100)),
                    "replace_priority": float(rng.uniform(0, 1)),
                    "confidence": 0.9 if known else 0.45,
                    "red_flags": flags,
                    "top_drivers": "L6 licence & IP ownership; L1 supplier concentration",
                    "spend_total": spend,
                    "n_contracts": int(rng.integers(1, 12)),
                    "candidate_alternatives": "Odoo; ERPNext" if cat == "finance" else "",
                    "lockin_band": "high" if lock >= 66 else ("medium" if lock >= 33 else "low"),
                }
            )
            for f in ("L1", "L6", "L7"):
                fac_rows.append(
                    {
                        "system_id": sid,
                        "factor": f,
                        "name": {
                            "L1": "supplier concentration",
                            "L6": "licence & IP",
                            "L7": "data portability",
                        }[f],
                        "group": "commercial" if f == "L1" else "technical",
                        "value": float(rng.uniform(0, 1)) if known else np.nan,
                        "weight": 1.0,
                        "contribution": float(rng.uniform(0, 10)) if known else np.nan,
                        "known": known,
                        "evidence": "fixture",
                    }
                )
            if si in (0, 3):
                opp_rows.append(
                    {
                        "kind": "exit_window",
                        "ministry": ministry,
                        "category": cat,
                        "system_id": sid,
                        "system_name": name,
                        "vendor": vendor,
                        "end_date": end,
                        "months_to_end": float((end - pd.Timestamp(AS_OF)).days / 30.4),
                        "window": "0-12 months",
                        "description": "Contract ends: evaluate open-source alternatives",
                        "value": spend,
                        "rank": len(opp_rows) + 1,
                        "alternatives": "Nextcloud",
                    }
                )
        methods = np.array(["open", "selective", "limited", "direct", None], dtype=object)
        dates = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 5 * 365, n_rows), "D")
        for ri in range(n_rows):
            si = int(rng.integers(0, n_systems))
            proc_rows.append(
                {
                    "ministry": ministry,
                    "supplier": vendors[int(rng.integers(0, len(vendors)))],
                    "amount": float(rng.uniform(1e3, 4e5)),
                    "currency": "USD",
                    "award_date": dates[ri],
                    "method": methods[int(rng.integers(0, len(methods)))],
                    "tenderers": int(rng.integers(1, 6)),
                    "system_id": f"M{mi:02d}-S{si:02d}",
                    "contract_id": f"C-{mi}-{ri}",
                    "is_it": True,
                }
            )
        min_rows.append(
            {
                "ministry": ministry,
                "n_systems": n_systems,
                "spend_total": float(rng.uniform(1e6, 9e6)),
                "spend_it": float(rng.uniform(5e5, 5e6)),
                "hhi_it": float(rng.uniform(0.05, 0.5)),
                "hhi_band": "moderate",
                "top_supplier": vendors[mi % len(vendors)],
                "top_supplier_share": float(rng.uniform(0.2, 0.7)),
                "noncompetitive_share": float(rng.uniform(0, 0.6)),
                "single_bid_rate": float(rng.uniform(0, 0.5)),
                "repeat_award_pairs": int(rng.integers(0, 5)),
                "repeat_direct_pairs": int(rng.integers(0, 3)),
                "lockin_exposure": float(rng.uniform(0.2, 0.8)),  # 0-1 like the scorer
                "n_high_lockin": int(rng.integers(0, n_systems)),
                "ind_inventory": float(rng.uniform(0, 1)),
                "ind_open_share": float(rng.uniform(0, 1)),
                "ind_competition": float(rng.uniform(0, 1)),
                "ind_portability": np.nan if mi == 1 else float(rng.uniform(0, 1)),
                "q_procurement": float(rng.uniform(0, 1)),
                "q_exit": np.nan,
                "readiness_score": float(rng.uniform(0.2, 0.8)),
                "readiness_confidence": float(rng.uniform(0.5, 1)),
                "readiness_stage": int(rng.integers(0, 5)),
                "readiness_stage_name": "compliance / inventory",
                "actions": "Publish an exit plan for the ERP; Add data-return clauses; "
                "Evaluate Odoo at the 2026 renewal; Train staff",
            }
        )
        for point in ("PRC-1", "GOV-1", "EXT-1"):
            q_rows.append({"ministry": ministry, "point": point, "answer": "yes"})
    opp_rows.append(
        {
            "kind": "duplication",
            "ministry": "; ".join(ministries),
            "category": "hr",
            "system_id": None,
            "system_name": None,
            "vendor": None,
            "end_date": pd.NaT,
            "months_to_end": np.nan,
            "window": None,
            "description": f"{len(ministries)} ministries each run their own HR system",
            "value": 1.2e6,
            "rank": 1,
            "alternatives": "iHRIS; Odoo",
        }
    )

    def frame(rows: list[dict], base: pd.DataFrame | None = None) -> pd.DataFrame:
        df = pd.DataFrame(rows)
        if base is not None:
            for col in base.columns:
                if col in df:
                    df[col] = df[col].astype(base[col].dtype)
                else:
                    df[col] = pd.Series(pd.NA, index=df.index).astype(base[col].dtype)
        return df.convert_dtypes(convert_floating=True) if base is None else df

    inv_df = frame(inv_rows, empty_frame("inventory"))
    proc_df = frame(proc_rows, empty_frame("procurement"))
    inv_df.to_parquet(out / "inventory.parquet")
    proc_df.to_parquet(out / "procurement.parquet")
    frame(q_rows, empty_frame("questionnaire")).to_parquet(out / "questionnaire.parquet")
    pd.DataFrame(sys_rows).to_parquet(out / "systems.parquet")
    pd.DataFrame(fac_rows).to_parquet(out / "factors.parquet")
    # The per-ministry detail tables, made by the scorer's own code from the
    # fixture's contracts (the report only selects from them).
    p = _prepare_procurement(proc_df, None)
    s = _prepare_systems(inv_df, pd.DataFrame(sys_rows))
    details = ministry_details(p, s, contract_ends(p, s), pd.DataFrame(fac_rows), AS_OF)
    for name, df in details.items():
        df.to_parquet(out / f"{name}.parquet")
    pd.DataFrame(min_rows).to_parquet(out / "ministries.parquet")
    pd.DataFrame(opp_rows).to_parquet(out / "opportunities.parquet")
    pd.DataFrame({"system_id": [], "other_system_id": [], "kind": []}).to_parquet(
        out / "links.parquet"
    )
    pd.DataFrame(
        {
            "file": ["procurement_2023.xlsx", "inventory.xlsx"],
            "sheet": ["Awards", "Systems"],
            "row": [12, 4],
            "column": ["amount", "licence"],
            "value": ["=1+1", "n/a"],
            "problem": ["not a number", "unknown licence"],
        }
    ).to_csv(out / "rejects.csv", index=False)
    pd.DataFrame(
        {
            "file": ["procurement_2023.xlsx"],
            "sheet": ["Awards"],
            "rows_read": [n_rows * len(ministries) + 1],
            "loaded": [n_rows * len(ministries)],
            "rejected": [1],
            "error": [""],
        }
    ).to_csv(out / "load_report.csv", index=False)
    (out / "profile_used.toml").write_text(
        '[profile]\nname = "fixture"\n\n[weights]\nL1 = 1.0\nL6 = 2.0\nL7 = 1.5\n',
        encoding="utf-8",
    )
    return out


@pytest.fixture(scope="session")
def country(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A processed folder for 3 ministries × 6 systems × 60 procurement rows."""
    return build_country(tmp_path_factory.mktemp("country") / "processed")


@pytest.fixture(scope="session")
def realdata() -> Path:
    """The shared real-data folder (skip when absent)."""
    root = Path(
        os.environ.get(
            "OSPO_REALDATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "realdata"
        )
    )
    if not root.is_dir():
        pytest.skip(f"real data folder not found: {root} (set OSPO_REALDATA)")
    return root
