"""Command-line interface: ``ospo-analytics <command>``.

A small flat CLI (after papermill's): demo, validate, score, report, run,
template. Heavy imports happen inside commands so ``--help`` and no-op
incremental runs stay fast. Exit codes: 0 ok, 1 unusable input or a failed
report, 2 usage error.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Vendor lock-in, reuse and OSPO readiness from procurement and inventory data.",
    pretty_exceptions_enable=False,
)
console = Console(stderr=False)
err = Console(stderr=True)

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", "-c", help="Config file (default: ./ospo.toml).")
]
ProfileOpt = Annotated[
    Path | None,
    typer.Option("--profile", help="Scoring profile TOML (default: the packaged profile)."),
]


def _config(path: Path | None):
    from ._config import ConfigError, load_config

    try:
        return load_config(path)
    except ConfigError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None


def _profile(path: Path | None):
    from ._config import ConfigError
    from ._score.profile import load_profile

    try:
        return load_profile(path)
    except (ConfigError, FileNotFoundError) as exc:
        err.print(f"[red]error:[/] profile: {exc}")
        raise typer.Exit(2) from None


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Folder to write the demo country to.")] = Path(
        "data/raw/demo"
    ),
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same files).")] = 7,
) -> None:
    """Write the fictional demo country (Republic of Tamarind) as messy exports."""
    from ._demo import write_demo

    info = write_demo(out, seed=seed)
    console.print(
        f"wrote {len(info.files)} files to {out}: {len(info.ministries)} ministries, "
        f"{info.n_systems} systems, {info.n_procurement_rows} procurement rows"
    )


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
    console.print(f"no input files found; writing the demo country to {target}")
    write_demo(target)


def _do_validate(config, inventory, procurement, questionnaire, out) -> tuple[object, int]:
    from rich.table import Table

    from ._load import load_inputs, write_processed

    inputs = load_inputs(
        config, inventory=inventory, procurement=procurement, questionnaire=questionnaire
    )
    out_dir = Path(out) if out else config.processed_dir
    write_processed(inputs, out_dir)
    files = inputs.files
    table = Table(title="Rows read, loaded, rejected", title_justify="left")
    for col in ("file", "sheet", "read", "loaded", "filtered", "rejected", "status"):
        numeric = col in {"read", "loaded", "filtered", "rejected"}
        table.add_column(col, justify="right" if numeric else "left", overflow="fold")
    for _, r in files.iterrows():
        table.add_row(
            f"{r['table']}: {Path(str(r['file'])).name}",
            str(r["sheet"] or "")[:24],
            str(r["rows_read"]),
            str(r["loaded"]),
            str(r["filtered"] or ""),
            str(r["rejected"]),
            "[red]unusable[/]" if r["error"] else "ok",
        )
    console.print(table)
    # Problems in full, one per line and never wrapped mid-message, so they can
    # be read, grepped and copied from a scheduled job's log.
    for _, r in files[files["error"].fillna("") != ""].iterrows():
        where = _rel(r["file"]) + (f" (sheet {r['sheet']})" if r["sheet"] else "")
        err.print(f"[red]unusable:[/] {where}: {r['error']}", soft_wrap=True)
    n_rej = len(inputs.rejects)
    console.print(
        f"canonical tables and [bold]rejects.csv[/] ({n_rej} entries) written to {out_dir}"
    )
    if len(inputs.procurement.vendor_merges):
        console.print(
            f"{len(inputs.procurement.vendor_merges)} supplier spellings merged: "
            f"review {out_dir / 'vendor_merges.csv'}"
        )
    code = 1 if inputs.unusable else 0
    if not files["table"].isin(["inventory", "procurement"]).any():
        err.print(
            "[red]error:[/] no inventory or procurement input found; check [inputs] in ospo.toml"
        )
        code = 1
    return inputs, code


def _rel(p: object) -> str:
    try:
        return str(Path(str(p)).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(p)


@app.command()
def validate(
    config: ConfigOpt = None,
    inventory: Annotated[
        list[Path] | None, typer.Option(help="Inventory file(s); default from ospo.toml.")
    ] = None,
    procurement: Annotated[
        list[Path] | None,
        typer.Option(help="Procurement file(s) or OCDS folder(s); default from ospo.toml."),
    ] = None,
    questionnaire: Annotated[
        list[Path] | None, typer.Option(help="Readiness questionnaire file(s).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default: data/processed).")
    ] = None,
) -> None:
    """Load, clean and validate the inputs; write canonical tables and rejects."""
    cfg = _config(config)
    if not (inventory or procurement or questionnaire):
        _ensure_demo(cfg)
    with _processed_lock(Path(out) if out else cfg.processed_dir):
        _, code = _do_validate(cfg, inventory, procurement, questionnaire, out)
    raise typer.Exit(code)


def _do_score(cfg, profile, processed: Path) -> None:
    from ._config import ConfigError
    from ._load import read_tables
    from ._score.systems import score

    inv, proc, quest = read_tables(processed)
    try:
        result = score(inv, proc, quest, profile=profile, as_of=cfg.as_of)
    except ConfigError as exc:  # ScoreInputError included: a data problem, not a bug
        err.print(f"[red]error:[/] cannot score: {exc}")
        raise typer.Exit(1) from None
    result.to_parquet(processed)
    top = result.systems.sort_values("lockin_score", ascending=False).head(5)
    console.print(
        f"scored {len(result.systems)} systems in {len(result.ministries)} ministries; "
        f"tables written to {processed}"
    )
    for _, r in top.iterrows():
        console.print(f"  {r['lockin_score']:5.1f}  {r['system_name']} ({r['ministry']})")


@app.command()
def score(
    config: ConfigOpt = None,
    profile: ProfileOpt = None,
    processed: Annotated[
        Path | None, typer.Option(help="Folder with the canonical tables (default data/processed).")
    ] = None,
) -> None:
    """Score every system and ministry from the canonical tables."""
    cfg = _config(config)
    prof = _profile(profile)
    folder = processed or cfg.processed_dir
    if not (folder / "inventory.parquet").exists():
        err.print(
            f"[red]error:[/] {folder / 'inventory.parquet'} not found; run "
            "`ospo-analytics validate` first"
        )
        raise typer.Exit(1)
    with _processed_lock(folder):
        _do_score(cfg, prof, folder)


def _do_report(cfg, processed, ministries, jobs, formats, out, force, profile_hash, input_files):
    from ._report.runner import ReportError, print_summary, run_reports

    fmts = tuple(f.strip().lower() for f in formats.split(",") if f.strip())
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
            as_of=str(cfg["project"].get("as_of") or ""),
            project={
                "country": str(cfg["project"].get("name") or ""),
                "currency": str(cfg["project"].get("currency") or ""),
            },
        )
    except ReportError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    print_summary(summary, console)
    return summary.exit_code


def _hash_file(path: Path | None) -> str:
    from ._processed import sha256_file

    if not path or not Path(path).exists():
        return ""
    return sha256_file(Path(path))


MinistryOpt = Annotated[
    list[str] | None, typer.Option("--ministry", "-m", help="Only these ministries.")
]
JobsOpt = Annotated[int | None, typer.Option("--jobs", "-j", help="Parallel notebooks.")]
OutOpt = Annotated[Path | None, typer.Option(help="Reports folder (default reports/).")]
ForceOpt = Annotated[bool, typer.Option(help="Rebuild even when nothing changed.")]
FormatsOpt = Annotated[str, typer.Option("--formats", help="Comma-separated: html,xlsx,pdf.")]


@app.command()
def report(
    ministry: MinistryOpt = None,
    jobs: JobsOpt = None,
    formats: FormatsOpt = "html,xlsx,pdf",
    out: OutOpt = None,
    force: ForceOpt = False,
    config: ConfigOpt = None,
    processed: Annotated[Path | None, typer.Option(help="Scored tables folder.")] = None,
) -> None:
    """Build the readiness report of each ministry and the national overview."""
    cfg = _config(config)
    folder = processed or cfg.processed_dir
    if not (folder / "systems.parquet").exists():
        err.print(f"[red]error:[/] no scores in {folder}; run `ospo-analytics score` first")
        raise typer.Exit(1)
    profile_hash = _profile_hash_used(folder)
    code = _do_report(cfg, folder, ministry, jobs, formats, out, force, profile_hash, [])
    raise typer.Exit(code)


@app.command()
def run(
    config: ConfigOpt = None,
    profile: ProfileOpt = None,
    ministry: MinistryOpt = None,
    jobs: JobsOpt = None,
    formats: FormatsOpt = "html,xlsx,pdf",
    out: OutOpt = None,
    force: ForceOpt = False,
) -> None:
    """Validate, score and report, as configured in ospo.toml (the demo country
    on a fresh clone)."""
    cfg = _config(config)
    _ensure_demo(cfg)
    input_files = _expand_files(
        [
            *cfg.input_paths("inventory"),
            *cfg.input_paths("catalogues"),
            *cfg.input_paths("procurement"),
            *cfg.input_paths("ocds"),
            *cfg.input_paths("questionnaire"),
        ]
    )
    from ._report.runner import is_up_to_date

    out_dir = out or cfg.reports_dir
    prof = _profile(profile)
    config_hash = _hash_file(cfg.path)
    if not force and is_up_to_date(
        out_dir,
        input_files=input_files,
        config_hash=config_hash,
        profile_hash=prof.sha256,
        ministries=ministry or None,
        formats=[f for f in formats.split(",") if f.strip()],
    ):
        console.print(
            f"nothing changed (inputs, config, profile, notebooks, code): "
            f"{out_dir / 'latest'} is current; nothing executed (use --force to rebuild)"
        )
        raise typer.Exit(0)
    # The whole run holds the processed-tables lock: a second scheduled run
    # started meanwhile stops with a message instead of rewriting the tables
    # this one is reporting from.
    with _processed_lock(cfg.processed_dir):
        inputs, code = _do_validate(cfg, None, None, None, None)
        if not len(inputs.inventory.table) and not len(inputs.procurement.table):
            err.print("[red]error:[/] nothing loaded; see the table above")
            raise typer.Exit(1)
        _do_score(cfg, prof, cfg.processed_dir)
        rcode = _do_report(
            cfg,
            cfg.processed_dir,
            ministry,
            jobs,
            formats,
            out_dir,
            force,
            prof.sha256,
            input_files,
        )
    raise typer.Exit(max(code, rcode))


@contextlib.contextmanager
def _processed_lock(folder: Path):
    """Hold ``<processed>/.lock`` while tables are written or read for reports."""
    from ._report.runner import ReportError, _run_lock

    folder.mkdir(parents=True, exist_ok=True)
    try:
        with _run_lock(folder):
            yield
    except ReportError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None


def _expand_files(paths: list[Path]) -> list[Path]:
    """Input folders (OCDS, publiccode.yml) hash as the files inside them."""
    out: list[Path] = []
    for p in paths:
        out.extend(sorted(q for q in p.rglob("*") if q.is_file()) if p.is_dir() else [p])
    return out


def _profile_hash_used(processed: Path) -> str:
    """sha256 of the profile the scores in ``processed`` were made with."""
    from ._processed import read_meta

    return str(read_meta(processed).get("profile_sha256") or "")


@app.command()
def template(
    out: Annotated[Path, typer.Option(help="Folder for the templates.")] = Path("templates"),
    lang: Annotated[str, typer.Option(help="Language of explanations: en, es or fr.")] = "en",
) -> None:
    """Write the data-collection templates (inventory, procurement, questionnaire)."""
    from ._clean.templates import write_templates

    if lang not in {"en", "es", "fr"}:
        err.print(f"[red]error:[/] --lang must be en, es or fr, not {lang!r}")
        raise typer.Exit(2)
    for p in write_templates(out, lang=lang):
        console.print(f"wrote {p}")


def main() -> None:
    """Entry point of the ``ospo-analytics`` console script."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
