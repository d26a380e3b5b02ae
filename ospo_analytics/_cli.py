"""Command-line interface: ``ospo-analytics <command>``.

A small flat CLI (after papermill's and ruff's): demo, validate, score,
report, run, explain, template. Heavy imports happen inside commands so
``--help`` and no-op incremental runs stay fast. Exit codes: 0 ok, 1 unusable
input or a failed report, 2 usage or configuration error.

Output fits both a terminal and a log file: when stdout is not a terminal
(cron, ``> log.txt``), every event is one unwrapped line with full paths and
names, and each command ends with a ``summary key=value ...`` line for
monitoring scripts.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperCommand, TyperGroup

if TYPE_CHECKING:  # pragma: no cover
    from ._config import Config
    from ._load import Inputs


class _PlainMetavars:
    """Help without type names: flags (``--force``, ``--help``) show no
    ``<bool>``; every other option names its own metavar (PATH, NAME, N)."""

    def get_params(self, ctx):
        params = super().get_params(ctx)  # type: ignore[misc]
        for param in params:
            if getattr(param, "is_flag", False) and param.metavar is None:
                param.metavar = ""
            elif param.param_type_name == "argument" and param.metavar:
                # SYSTEM, not "{SYSTEM}" in the usage line and "<str>" beside it.
                param.display_type_rich = lambda ctx: None
                param._usage_display_name = lambda name=param.metavar: name
        return params


class _Command(_PlainMetavars, TyperCommand):
    def invoke(self, ctx):
        # A damaged or missing processed table (a crashed run, a file edited
        # by hand) is a one-line error naming it, wherever a command reads it.
        from ._processed import ProcessedError

        try:
            return super().invoke(ctx)
        except ProcessedError as exc:
            _error(str(exc))
            raise typer.Exit(1) from None


class _Group(_PlainMetavars, TyperGroup):
    pass


app = typer.Typer(
    cls=_Group,
    add_completion=False,
    no_args_is_help=True,
    help="Vendor lock-in, reuse and OSPO readiness from procurement and inventory data.",
    pretty_exceptions_enable=False,
)
# soft_wrap: a long line (a path, a message) is never broken by rich at the
# console width, so a log file keeps one event per line.
console = Console(stderr=False, soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


# =================================================================== output
class _Output:
    """How much to say, and whether stdout is a terminal or a log file."""

    level = 1  # 0 quiet, 1 normal, 2 verbose
    json = False
    stats: dict[str, Any] = {}

    @property
    def plain(self) -> bool:
        return not console.is_terminal


OUT = _Output()


def _say(message: str, level: int = 1) -> None:
    """One line to stdout (no markup: names from spreadsheets stay as written)."""
    if OUT.json or level > OUT.level:
        return
    console.print(message, markup=False, highlight=False)


def _error(message: str) -> None:
    err.print("error: " + message, markup=False, highlight=False, style="red")


def _kv(**fields: object) -> str:
    """``key=value`` pairs; values with spaces, quotes or ``=`` are JSON-quoted."""
    parts = []
    for k, v in fields.items():
        text = "" if v is None else str(v)
        if not text or any(c.isspace() or c in '"=' for c in text):
            text = json.dumps(text, ensure_ascii=False)
        parts.append(f"{k}={text}")
    return " ".join(parts)


def _set_output(quiet: bool = False, verbose: bool = False, as_json: bool = False) -> None:
    if quiet or verbose:  # a command's own flag overrides the global one
        OUT.level = 0 if quiet else 2
    OUT.json = as_json


@contextlib.contextmanager
def _summary(command: str):
    """Print ``summary command=... exit=... <stats>`` when the command ends,
    however it ends (a monitoring script reads this last line)."""
    OUT.stats = {}
    t0 = time.perf_counter()
    code = 0
    try:
        yield OUT.stats
    except typer.Exit as exc:
        code = exc.exit_code
        raise
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
        raise
    except KeyboardInterrupt:
        code = 130
        raise
    except Exception:  # a bug: the traceback follows, the summary still says failed
        code = 1
        raise
    finally:
        if not OUT.json:
            status = "ok" if code == 0 else "usage-error" if code == 2 else "failed"
            status = OUT.stats.pop("status", None) or status
            stats = {k: v for k, v in OUT.stats.items() if not k.startswith("_")}
            line = _kv(command=command, status=status, exit=code, **stats,
                       duration_s=f"{time.perf_counter() - t0:.1f}")  # fmt: skip
            console.print("summary " + line, markup=False, highlight=False)


def _print_json(data: dict) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=_json_default) + "\n")


def _json_default(obj: object) -> object:
    import math

    if hasattr(obj, "item"):  # numpy scalars
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if obj is None or str(obj) in {"<NA>", "NaT", "nan"}:
        return None
    return obj if isinstance(obj, int | float | str | bool) else str(obj)


def _version(value: bool) -> None:
    if value:
        from . import __version__

        console.print(f"ospo-analytics {__version__}", markup=False, highlight=False)
        raise typer.Exit(0)


# Options shared by the commands: the same name, metavar and help everywhere.
ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", "-c", metavar="PATH",
                 help="Project configuration file. Default: ospo.toml in the current folder."),
]  # fmt: skip
ProfileOpt = Annotated[
    Path | None,
    typer.Option("--profile", metavar="PATH",
                 help="Scoring profile (TOML) whose keys override the packaged profile. "
                      "Default: the packaged profile."),
]  # fmt: skip
ProcessedOpt = Annotated[
    Path | None,
    typer.Option("--processed", metavar="PATH",
                 help="Folder of the canonical tables and scores. "
                      "Default: \\[outputs] processed in ospo.toml (data/processed)."),
]  # fmt: skip
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="Print only errors and the summary line.")
]
VerboseOpt = Annotated[
    bool, typer.Option("--verbose", "-v", help="Print more detail on each step.")
]
JsonOpt = Annotated[
    bool,
    typer.Option("--json", help="Print a machine-readable JSON summary instead of text."),
]
InventoryOpt = Annotated[
    list[Path] | None,
    typer.Option("--inventory", metavar="PATH",
                 help="Inventory file (repeat for several). Default: \\[inputs] in ospo.toml."),
]  # fmt: skip
ProcurementOpt = Annotated[
    list[Path] | None,
    typer.Option("--procurement", metavar="PATH",
                 help="Procurement file or OCDS folder (repeat for several). "
                      "Default: \\[inputs] in ospo.toml."),
]  # fmt: skip
OcdsOpt = Annotated[
    list[Path] | None,
    typer.Option("--ocds", metavar="PATH",
                 help="OCDS release or record file or folder (repeat for several). Together "
                      "with --procurement it replaces the procurement and OCDS inputs of "
                      "ospo.toml."),
]  # fmt: skip
QuestionnaireOpt = Annotated[
    list[Path] | None,
    typer.Option("--questionnaire", metavar="PATH",
                 help="Readiness questionnaire file (repeat for several). "
                      "Default: \\[inputs] in ospo.toml."),
]  # fmt: skip
AllowOutsideOpt = Annotated[
    bool,
    typer.Option(
        "--allow-outside",
        help="Accept [outputs] folders outside the project folder (otherwise a config error).",
    ),
]


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Vendor lock-in, reuse and OSPO readiness from procurement and inventory data.

    Run `ospo-analytics run` in a project folder (one holding ospo.toml) to
    validate the inputs, score every system and write the reports. With no
    inputs configured, the fictional demo country is written and used.
    """
    OUT.level = 0 if quiet else 2 if verbose else 1


def _config(path: Path | None, allow_outside: bool = False):
    from ._config import ConfigError, load_config

    try:
        return load_config(path, allow_outside=allow_outside)
    except ConfigError as exc:
        _error(str(exc))
        raise typer.Exit(2) from None


def _profile(path: Path | None):
    from ._config import ConfigError
    from ._score.profile import load_profile

    try:
        return load_profile(path)
    except (ConfigError, FileNotFoundError) as exc:
        _error(f"profile: {exc}")
        raise typer.Exit(2) from None


@app.command(cls=_Command)
def demo(
    out: Annotated[
        Path, typer.Option(metavar="PATH", help="Folder to write the demo country to.")
    ] = Path("data/raw/demo"),
    seed: Annotated[
        int,
        typer.Option(
            metavar="N", min=0, help="Random seed (0 or more): the same seed writes the same files."
        ),
    ] = 7,
    scale: Annotated[
        str,
        typer.Option(
            metavar="NAME",
            help="demo: 13 ministries, about 3,000 contracts. national: 600 buyers under 25 "
            "ministries, 5,000 systems, 300,000 contracts, written with its own ospo.toml "
            "(default folder data/national). test: a reduced national country (60 buyers, "
            "500 systems, 20,000 contracts).",
        ),
    ] = "demo",
) -> None:
    """Write the fictional demo country (Republic of Tamarind) as messy exports."""
    from ._demo import NATIONAL_SCALES, write_demo, write_national

    if scale == "demo":
        info = write_demo(out, seed=seed)
        console.print(
            f"wrote {len(info.files)} files to {out}: {len(info.ministries)} ministries, "
            f"{info.n_systems} systems, {info.n_procurement_rows} procurement rows",
            markup=False,
        )
        return
    if scale not in NATIONAL_SCALES:
        _error(f"--scale must be one of demo, {', '.join(NATIONAL_SCALES)}; not {scale!r}")
        raise typer.Exit(2)
    if out == Path("data/raw/demo"):
        out = Path("data/national")
    nat = write_national(out, seed=seed, scale=scale)
    console.print(
        f"wrote {len(nat.files)} files to {out}: {len(nat.buyer_ministry)} buyers under "
        f"{len(nat.ministries)} ministries, {nat.n_systems} systems, "
        f"{nat.n_contracts} contracts",
        markup=False,
    )
    console.print(f"run it with: ospo-analytics run -c {nat.config}", soft_wrap=True, markup=False)


def _ensure_demo(config) -> None:
    """On a fresh clone with no configured inputs, generate the demo country."""
    if not config["inputs"].get("demo_if_missing", True):
        return
    if (
        config.input_paths("inventory")
        or config.input_paths("procurement")
        or config.input_paths("ocds")
    ):
        return
    from ._demo import write_demo

    target = config.resolve("data/raw/demo")
    _say(f"no input files found; writing the demo country to {target}")
    write_demo(target)


def _do_validate(config, inventory, procurement, questionnaire, out) -> tuple[Inputs, int]:
    from ._clean.ministries import MinistryResolution
    from ._load import load_inputs, write_processed

    inputs = load_inputs(
        config, inventory=inventory, procurement=procurement, questionnaire=questionnaire
    )
    out_dir = Path(out) if out else config.processed_dir
    write_processed(inputs, out_dir)
    files = inputs.files
    if OUT.plain or OUT.level >= 2:
        # A log file: one line per input file, full path, nothing wrapped.
        for _, r in files.iterrows():
            _say(
                "file "
                + _kv(
                    table=r["table"],
                    path=Path(str(r["file"])).resolve(),
                    sheet=r["sheet"] if isinstance(r["sheet"], str) else "",
                    read=r["rows_read"],
                    loaded=r["loaded"],
                    filtered=r["filtered"] if r["filtered"] == r["filtered"] else 0,
                    rejected=r["rejected"],
                    status="unusable" if r["error"] else "ok",
                )
            )
    else:
        _files_table(files)
    # Problems in full, one per line and never wrapped mid-message, so they can
    # be read, grepped and copied from a scheduled job's log.
    for _, r in files[files["error"].fillna("") != ""].iterrows():
        where = _rel(r["file"]) + (f" (sheet {r['sheet']})" if r["sheet"] else "")
        err.print(f"unusable: {where}: {r['error']}", markup=False, highlight=False)
    n_rej = len(inputs.rejects)
    _say(f"canonical tables and rejects.csv ({n_rej} entries) written to {out_dir.resolve()}")
    if len(inputs.procurement.vendor_merges):
        _say(
            f"{len(inputs.procurement.vendor_merges)} supplier spellings merged: "
            f"review {(out_dir / 'vendor_merges.csv').resolve()}"
        )
    # The buyer -> ministry roll-up (``Inputs.ministries`` is typed ``object``).
    res = inputs.ministries if isinstance(inputs.ministries, MinistryResolution) else None
    if res is not None and len(res.merges):
        n = res.merges["ministry"].nunique()
        _say(
            f"{len(res.merges)} ministry spellings make {n} ministries: "
            f"review {(out_dir / 'ministry_merges.csv').resolve()}"
        )
    if res is not None and res.unmatched:
        t = res.table
        n_buyers = t.loc[t["matched_by"] == "unmatched", "ministry"].nunique()
        _say(
            f"{n_buyers} buyer(s) matched no [ministries] mapping and stay their own "
            f"ministry: review {(out_dir / 'buyer_review.csv').resolve()}"
        )
    code = 1 if inputs.unusable else 0
    if not files["table"].isin(["inventory", "procurement"]).any():
        _error("no inventory or procurement input found; check [inputs] in ospo.toml")
        code = 1
    elif not len(inputs.inventory.table) and not len(inputs.procurement.table):
        # Same rule as `run`: inputs that load nothing are unusable input (exit 1).
        _error("nothing loaded; see the input files listed above")
        code = 1
    num = files[["rows_read", "loaded", "filtered", "rejected"]].apply(
        lambda c: c.fillna(0).astype("int64")
    )
    OUT.stats.update(
        files=len(files),
        files_unusable=int((files["error"].fillna("") != "").sum()),
        rows_read=int(num["rows_read"].sum()),
        rows_loaded=int(num["loaded"].sum()),
        rows_filtered=int(num["filtered"].sum()),
        rows_rejected=int(num["rejected"].sum()),
    )
    OUT.stats["_validate_json"] = {
        "processed": str(out_dir.resolve()),
        "files": files.assign(file=files["file"].map(lambda f: str(Path(str(f)).resolve())))
        .astype(object)
        .where(files.notna(), None)
        .to_dict("records"),
        "rejects": n_rej,
        "vendor_merges": len(inputs.procurement.vendor_merges),
    }
    return inputs, code


def _files_table(files) -> None:
    """The rows-per-file table, for a terminal."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Rows read, loaded, rejected", title_justify="left")
    for col in ("file", "sheet", "read", "loaded", "filtered", "rejected", "status"):
        numeric = col in {"read", "loaded", "filtered", "rejected"}
        table.add_column(col, justify="right" if numeric else "left", overflow="fold")
    for _, r in files.iterrows():
        table.add_row(
            Text(f"{r['table']}: {Path(str(r['file'])).name}"),
            Text(str(r["sheet"] or "")[:24]),
            str(r["rows_read"]),
            str(r["loaded"]),
            str(r["filtered"] or ""),
            str(r["rejected"]),
            Text("unusable", style="red") if r["error"] else "ok",
        )
    if OUT.level >= 1 and not OUT.json:
        console.print(table)


def _rel(p: object) -> str:
    try:
        return str(Path(str(p)).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(p)


def _stats_json(command: str, code: int) -> dict:
    """The summary stats (and command details) as one JSON document."""
    details = {k[1:]: v for k, v in OUT.stats.items() if k.startswith("_")}
    stats = {k: v for k, v in OUT.stats.items() if not k.startswith("_")}
    extra: dict[str, Any] = next(iter(details.values()), {})
    return {"command": command, "exit_code": code, **stats, **extra}


def _procurement_sources(procurement, ocds) -> list[Path] | None:
    """--procurement and --ocds together replace the configured procurement side."""
    sources = [*(procurement or []), *(ocds or [])]
    return sources or None


@app.command(cls=_Command)
def validate(
    config: ConfigOpt = None,
    inventory: InventoryOpt = None,
    procurement: ProcurementOpt = None,
    ocds: OcdsOpt = None,
    questionnaire: QuestionnaireOpt = None,
    processed: Annotated[
        Path | None,
        typer.Option(
            "--processed",
            "--out",
            metavar="PATH",
            help="Folder to write the canonical tables, rejects.csv and "
            "load_report.csv to. Default: \\[outputs] processed in ospo.toml "
            "(data/processed).",
        ),
    ] = None,  # fmt: skip
    as_json: JsonOpt = False,
    allow_outside: AllowOutsideOpt = False,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Load, clean and validate the inputs; write the canonical tables and the rejects.

    Every input row is counted as loaded, filtered or rejected (with its
    reason in rejects.csv). Exit code 1 when a file cannot be used.
    """
    _set_output(quiet, verbose, as_json)
    code = 0
    with _summary("validate"):
        cfg = _config(config, allow_outside)
        proc = _procurement_sources(procurement, ocds)
        if not (inventory or proc or questionnaire):
            _ensure_demo(cfg)
        try:
            with _processed_lock(Path(processed) if processed else cfg.processed_dir):
                _, code = _do_validate(cfg, inventory, proc, questionnaire, processed)
        finally:
            if as_json:
                _print_json(_stats_json("validate", code))
        raise typer.Exit(code)


def _project_meta(cfg: Config, processed: Path) -> dict[str, str]:
    """Country and currency as the reports state them. Without ``[project]
    currency`` the amounts were added up in the one most rows state (the
    loader's rule): the reports name it, from what scoring recorded or the
    canonical procurement table."""
    meta = dict(cfg.project_meta)
    if meta["currency"]:
        return meta
    import pandas as pd

    from ._load import reference_currency
    from ._processed import read_meta

    recorded = str(read_meta(processed).get("currency") or "")
    if not recorded:
        try:
            col = pd.read_parquet(Path(processed) / "procurement.parquet", columns=["currency"])
        except Exception:  # noqa: BLE001 - no table or no column: no currency to name
            col = pd.DataFrame({"currency": pd.Series(dtype="string")})
        recorded = reference_currency(col["currency"], cfg)
    meta["currency"] = recorded
    return meta


def _do_score(cfg, profile, processed: Path, out: Path | None = None):
    from ._config import ConfigError
    from ._load import read_tables
    from ._score.systems import PROCUREMENT_COLUMNS, score

    inv, proc, quest = read_tables(processed, columns={"procurement": PROCUREMENT_COLUMNS})
    try:
        result = score(inv, proc, quest, profile=profile, as_of=cfg.as_of)
    except ConfigError as exc:  # ScoreInputError included: a data problem, not a bug
        _error(f"cannot score: {exc}")
        raise typer.Exit(1) from None
    target = Path(out) if out else processed
    if target.resolve() != Path(processed).resolve():
        _copy_canonical(Path(processed), target)
    result.to_parquet(target, **_project_meta(cfg, processed), root=str(cfg.root))
    s = result.systems
    top = s.sort_values("lockin_score", ascending=False).head(5)
    band = s["lockin_band"].astype("string") if "lockin_band" in s else None
    n_high = int(band.eq("high").sum()) if band is not None else 0
    # Beside the high count: 0 high of 468 all unknown is not "no lock-in".
    n_unknown = int((band.eq("unknown") | band.isna()).sum()) if band is not None else len(s)
    _say(
        f"scored {len(s)} systems in {len(result.ministries)} ministries "
        f"with {profile.label()}; tables written to {target.resolve()}"
    )
    for _, r in top.iterrows():
        _say(f"  {r['lockin_score']:5.1f}  {r['system_id']}  {r['system_name']} ({r['ministry']})")
    OUT.stats.update(
        systems=len(s),
        high_lockin=n_high,
        unknown_lockin=n_unknown,
        ministries=len(result.ministries),
    )
    OUT.stats["_score_json"] = {
        "processed": str(target.resolve()),
        "profile": profile.label(),
        "profile_sha256": profile.sha256,
        "top": top[["system_id", "system_name", "ministry", "lockin_score", "lockin_band"]]
        .astype(object)
        .where(top[["system_id", "system_name", "ministry", "lockin_score", "lockin_band"]]
               .notna(), None)
        .to_dict("records"),
    }  # fmt: skip
    return result


def _copy_canonical(src: Path, dst: Path) -> None:
    """Put the canonical tables next to the scores, so ``--out`` is a complete
    processed folder that ``report --processed`` can read."""
    import shutil

    dst.mkdir(parents=True, exist_ok=True)
    for name in ("inventory.parquet", "procurement.parquet", "questionnaire.parquet",
                 "rejects.csv", "load_report.csv", "vendor_merges.csv"):  # fmt: skip
        if (src / name).is_file():
            shutil.copy2(src / name, dst / name)


@app.command(cls=_Command)
def score(
    config: ConfigOpt = None,
    profile: ProfileOpt = None,
    processed: ProcessedOpt = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="PATH",
            help="Folder to write the scores to (the canonical tables are copied "
            "along). Default: the --processed folder.",
        ),
    ] = None,  # fmt: skip
    as_json: JsonOpt = False,
    allow_outside: AllowOutsideOpt = False,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Score every system and ministry from the canonical tables written by validate."""
    _set_output(quiet, verbose, as_json)
    code = 0
    with _summary("score"):
        try:
            cfg = _config(config, allow_outside)
            prof = _profile(profile)
            folder = processed or cfg.processed_dir
            if not (folder / "inventory.parquet").exists():
                _error(
                    f"{(folder / 'inventory.parquet').resolve()} not found; run "
                    "`ospo-analytics validate` first"
                )
                code = 1
                raise typer.Exit(1)
            with _processed_lock(folder):
                _do_score(cfg, prof, folder, out)
        except typer.Exit as exc:
            code = exc.exit_code
            raise
        finally:
            if as_json:
                _print_json(_stats_json("score", code))


def _do_report(
    cfg: Config,
    processed: Path,
    *,
    ministries: list[str] | None,
    jobs: int | None,
    formats: str,
    out: Path | None,
    force: bool,
    profile_hash: str,
    input_files: Sequence[Path],
    lang: str | None = None,
) -> int:
    """Run the report batch for ``ministries`` (all when empty); the exit code."""
    from ._report.runner import ReportError, print_summary, run_reports

    fmts = tuple(f.strip().lower() for f in formats.split(",") if f.strip())
    if jobs is not None and jobs < 1:
        _error(f"--jobs must be 1 or more, not {jobs}")
        raise typer.Exit(2)
    try:
        summary = run_reports(
            processed,
            out or cfg.reports_dir,
            ministries=ministries or None,
            jobs=jobs,
            formats=fmts,
            force=force,
            input_files=input_files,
            config_hash=_hash_file(cfg.path),
            profile_hash=profile_hash,
            progress=not OUT.plain and OUT.level >= 1,
            project=_project_meta(cfg, processed),
            lang=lang or cfg.language,
        )
    except ReportError as exc:
        _error(str(exc))
        raise typer.Exit(2) from None
    ok = sum(s.status == "ok" for s in summary.status)
    failed = sum(s.status == "failed" for s in summary.status)
    OUT.stats.update(reports_ok=ok, reports_failed=failed)
    if summary.skipped:
        OUT.stats["status"] = "up-to-date"
    if summary.run_dir:
        OUT.stats["reports"] = Path(summary.run_dir).resolve()
    if OUT.plain or OUT.level == 0:
        _report_lines(summary)
    elif OUT.level >= 1:
        print_summary(summary, console)
    return summary.exit_code


def _report_lines(summary) -> None:
    """One line per report; failures are printed even with --quiet."""
    if summary.skipped:
        _say(summary.message)
        return
    for s in summary.status:
        line = "report " + _kv(name=s.name, status=s.status, time_s=f"{s.duration:.1f}",
                               pdf=s.pdf or "-", folder=s.slug, error=s.error)  # fmt: skip
        if s.status != "failed":
            _say(line)
        else:
            err.print(line, markup=False, highlight=False)
    _say(summary.message)
    if summary.run_dir:
        _say(f"index: {(Path(summary.run_dir) / 'index.html').resolve()}")


def _hash_file(path: Path | None) -> str:
    from ._report.runner import sha256_file

    if not path or not Path(path).exists():
        return ""
    return sha256_file(Path(path))


def _ministries_in(processed: Path) -> list[str]:
    import pyarrow.parquet as pq

    path = processed / "ministries.parquet"
    if not path.is_file():
        return []
    try:
        col = pq.read_table(path, columns=["ministry"]).column(0)
    except Exception as exc:  # noqa: BLE001 - a damaged table is a message, not a traceback
        from ._processed import ProcessedError

        raise ProcessedError(
            f"{path}: cannot read its ministries ({type(exc).__name__}); "
            "run `ospo-analytics score` again"
        ) from None
    return [str(m) for m in col.to_pylist() if m is not None]


def _resolve_ministries(asked: list[str] | None, known: list[str]) -> list[str] | None:
    """``--ministry`` values -> exact names (case, accents, spaces ignored);
    exit 2 with suggestions when one matches nothing or several."""
    from ._project import NameNotFound

    try:
        return _match_ministries(asked, known)
    except NameNotFound as exc:
        _error(f"--ministry: {exc}")
        raise typer.Exit(2) from None


def _match_ministries(asked: list[str] | None, known: list[str]) -> list[str] | None:
    if not asked:
        return None
    from ._project import match_name

    out = []
    for name in asked:
        exact = match_name(name, known, "ministry")
        if exact != name:
            _say(f"--ministry {name!r} is {exact!r}", level=2)
        out.append(exact)
    return list(dict.fromkeys(out))


MinistryOpt = Annotated[
    list[str] | None,
    typer.Option("--ministry", "-m", metavar="NAME",
                 help="Report only this ministry (repeat for several; the national overview "
                      "is always made). Case, accents and spaces are ignored and a unique "
                      "part of the name is enough. Default: every ministry."),
]  # fmt: skip
JobsOpt = Annotated[
    int | None,
    typer.Option("--jobs", "-j", metavar="N",
                 help="Reports built in parallel. Default: one per CPU core."),
]  # fmt: skip
OutOpt = Annotated[
    Path | None,
    typer.Option("--out", metavar="PATH",
                 help="Reports folder. Default: \\[outputs] reports in ospo.toml (reports)."),
]  # fmt: skip
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Rebuild the reports even when nothing changed.")
]
LangOpt = Annotated[
    str | None,
    typer.Option("--lang", metavar="LANG",
                 help="Language of the reports: en, es, fr or pt. "
                      "Default: \\[project] language in ospo.toml (en)."),
]  # fmt: skip
FormatsOpt = Annotated[
    str,
    typer.Option("--formats", metavar="LIST",
                 help="Report formats to write, comma-separated: html, xlsx, pdf."),
]  # fmt: skip


def _lang(lang: str | None, cfg) -> str:
    """``--lang``, else ``[project] language``; exit 2 naming the choices if unknown."""
    from ._i18n import check_language

    try:
        return check_language(lang or cfg.language)
    except ValueError as exc:
        _error(str(exc))
        raise typer.Exit(2) from None


@app.command(cls=_Command)
def report(
    config: ConfigOpt = None,
    profile: ProfileOpt = None,
    processed: ProcessedOpt = None,
    out: OutOpt = None,
    ministry: MinistryOpt = None,
    jobs: JobsOpt = None,
    formats: FormatsOpt = "html,xlsx,pdf",
    lang: LangOpt = None,
    force: ForceOpt = False,
    allow_outside: AllowOutsideOpt = False,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Build the readiness report of each ministry and the national overview.

    Reads the scores written by `score` (or scores again first when --profile
    is given).
    """
    _set_output(quiet, verbose)
    with _summary("report"):
        cfg = _config(config, allow_outside)
        folder = processed or cfg.processed_dir
        prof = _profile(profile) if profile else None
        if prof is not None and (folder / "inventory.parquet").exists():
            with _processed_lock(folder):
                _do_score(cfg, prof, folder)
        if not (folder / "systems.parquet").exists():
            _error(f"no scores in {folder.resolve()}; run `ospo-analytics score` first")
            raise typer.Exit(1)
        names = _resolve_ministries(ministry, _ministries_in(folder))
        profile_hash = prof.sha256 if prof else _profile_hash_used(folder)
        lang = _lang(lang, cfg)
        code = _do_report(
            cfg,
            folder,
            ministries=names,
            jobs=jobs,
            formats=formats,
            out=out,
            force=force,
            profile_hash=profile_hash,
            input_files=[],
            lang=lang,
        )
        raise typer.Exit(code)


@app.command(cls=_Command)
def run(
    config: ConfigOpt = None,
    profile: ProfileOpt = None,
    inventory: InventoryOpt = None,
    procurement: ProcurementOpt = None,
    ocds: OcdsOpt = None,
    questionnaire: QuestionnaireOpt = None,
    processed: ProcessedOpt = None,
    out: OutOpt = None,
    ministry: MinistryOpt = None,
    jobs: JobsOpt = None,
    formats: FormatsOpt = "html,xlsx,pdf",
    lang: LangOpt = None,
    force: ForceOpt = False,
    allow_outside: AllowOutsideOpt = False,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Validate, score and report in one go, as configured in ospo.toml.

    On a fresh clone with no inputs configured, the demo country is written
    and used. When nothing changed since the last complete run (inputs,
    config, profile, notebooks, code), nothing is executed.
    """
    _set_output(quiet, verbose)
    with _summary("run"):
        cfg = _config(config, allow_outside)
        lang = _lang(lang, cfg)
        proc_sources = _procurement_sources(procurement, ocds)
        if not (inventory or proc_sources or questionnaire):
            _ensure_demo(cfg)
        input_files = _expand_files(
            [
                *(inventory or [*cfg.input_paths("inventory"), *cfg.input_paths("catalogues")]),
                *(proc_sources or [*cfg.input_paths("procurement"), *cfg.input_paths("ocds")]),
                *(questionnaire or cfg.input_paths("questionnaire")),
            ]
        )
        from ._report.runner import is_up_to_date, latest_manifest

        folder = processed or cfg.processed_dir
        out_dir = out or cfg.reports_dir
        prof = _profile(profile)
        config_hash = _hash_file(cfg.path)
        # Names as the last run resolved them; a name unknown there is checked
        # for real after scoring (new inputs may bring the ministry).
        previous: list[str] | str | None = None
        if ministry:  # imports kept off the fast unchanged-run path
            from ._project import NameNotFound

            try:
                previous = _match_ministries(ministry, _ministries_in(folder))
            except NameNotFound:
                previous = "unresolved"
        if (
            not force
            and previous != "unresolved"
            and is_up_to_date(
                out_dir,
                input_files=input_files,
                config_hash=config_hash,
                profile_hash=prof.sha256,
                ministries=previous,
                formats=[f for f in formats.split(",") if f.strip()],
                lang=lang,
            )
        ):
            prev = latest_manifest(out_dir) or {}
            OUT.stats.update(status="up-to-date", reports_ok=len(prev.get("reports", [])),
                             reports_failed=0, reports=(Path(out_dir) / "latest").resolve())  # fmt: skip
            _say(
                f"nothing changed (inputs, config, profile, notebooks, code): "
                f"{(Path(out_dir) / 'latest').resolve()} is current; nothing executed "
                "(use --force to rebuild)"
            )
            raise typer.Exit(0)
        # The whole run holds the processed-tables lock: a second scheduled run
        # started meanwhile stops with a message instead of rewriting the tables
        # this one is reporting from.
        with _processed_lock(folder):
            inputs, code = _do_validate(cfg, inventory, proc_sources, questionnaire, folder)
            if not len(inputs.inventory.table) and not len(inputs.procurement.table):
                _error("nothing loaded; see the input files listed above")
                raise typer.Exit(1)
            _do_score(cfg, prof, folder)
            names = _resolve_ministries(ministry, _ministries_in(folder))
            rcode = _do_report(
                cfg,
                folder,
                ministries=names,
                jobs=jobs,
                formats=formats,
                out=out_dir,
                force=force,
                profile_hash=prof.sha256,
                input_files=input_files,
                lang=lang,
            )
        raise typer.Exit(max(code, rcode))


@app.command(cls=_Command)
def explain(
    system: Annotated[
        str,
        typer.Argument(
            metavar="SYSTEM",
            help="System id (FIN-003) or name; case, accents and spaces are "
            "ignored and a unique part of the name is enough.",
        ),
    ],
    ministry: Annotated[
        str | None,
        typer.Option(
            "--ministry",
            "-m",
            metavar="NAME",
            help="Ministry of the system, when several have one of that name.",
        ),
    ] = None,
    config: ConfigOpt = None,
    processed: ProcessedOpt = None,
) -> None:
    """Explain one system's scores factor by factor (as project.explain does).

    Reads the scores written by `score` or `run`.
    """
    from ._config import ConfigError
    from ._project import NameNotFound, find_system
    from ._score.result import read_scores

    cfg = _config(config)
    folder = processed or cfg.processed_dir
    try:
        result = read_scores(folder)
    except ConfigError as exc:
        _error(str(exc))
        raise typer.Exit(1) from None
    try:
        sid = find_system(result.systems, system, ministry)
    except NameNotFound as exc:
        _error(str(exc))
        raise typer.Exit(2) from None
    import pandas as pd

    with pd.option_context("display.width", 10_000, "display.max_columns", None,
                           "display.max_rows", None, "display.max_colwidth", None):  # fmt: skip
        sys.stdout.write(repr(result.explain(sid)) + "\n")


@contextlib.contextmanager
def _processed_lock(folder: Path):
    """Hold ``<processed>/.lock`` while tables are written or read for reports."""
    from ._report.runner import ReportError, _run_lock

    folder.mkdir(parents=True, exist_ok=True)
    try:
        with _run_lock(folder):
            yield
    except ReportError as exc:
        _error(str(exc))
        raise typer.Exit(2) from None


def _expand_files(paths: list[Path]) -> list[Path]:
    """Input folders (OCDS, publiccode.yml) hash as the files inside them."""
    out: list[Path] = []
    for p in paths:
        out.extend(sorted(q for q in p.rglob("*") if q.is_file()) if p.is_dir() else [p])
    return out


def _profile_hash_used(processed: Path) -> str:
    """sha256 of the profile the scores in ``processed`` were made with."""
    import re

    used = processed / "profile_used.toml"
    if not used.exists():
        return ""
    m = re.search(r"sha256 ([0-9a-f]{64})", used.read_text(encoding="utf-8")[:400])
    return m.group(1) if m else _hash_file(used)


@app.command(cls=_Command)
def template(
    out: Annotated[
        Path, typer.Option(metavar="PATH", help="Folder to write the templates to.")
    ] = Path("templates"),
    lang: Annotated[
        str, typer.Option(metavar="LANG", help="Language of the explanations: en, es or fr.")
    ] = "en",
) -> None:
    """Write the data-collection templates (inventory, procurement, questionnaire)."""
    from ._clean.templates import write_templates

    if lang not in {"en", "es", "fr"}:
        _error(f"--lang must be en, es or fr, not {lang!r}")
        raise typer.Exit(2)
    for p in write_templates(out, lang=lang):
        console.print(f"wrote {p}", markup=False)


def _os_error_message(exc: OSError) -> str:
    """One line for a file-system failure: what happened, where, what to do."""
    import errno

    where = exc.filename or ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT) or "No space left" in str(exc):
        return f"disk full: no space left writing {where or 'the outputs'}; free some space and run again"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"permission denied: cannot write or read {where}; check the folder's permissions"
    if exc.errno == errno.EROFS or "Read-only file system" in str(exc):
        return f"read-only file system: cannot write {where}; choose a writable folder"
    return f"{exc.strerror or exc}: {where}".rstrip(": ")


def main() -> None:
    """Entry point of the ``ospo-analytics`` console script.

    Exit codes: 0 ok, 1 unusable input, a failed report or a file-system
    failure (disk full, permission denied), 2 configuration or usage error.
    """
    from ._config import ConfigError

    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except ConfigError as exc:  # a setting found wrong late (e.g. by a library call)
        _error(str(exc))
        sys.exit(2)
    except OSError as exc:
        _error(_os_error_message(exc))
        sys.exit(1)
