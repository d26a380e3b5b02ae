"""Issue 6 (second half): nothing from an input acts in an output; faults; offline; private.

Every test checks the WRITTEN files (cell by cell, tag by tag). The notebooks of
the hostile country run once per session (``hostile_batch``); fault tests use a
one-ministry country so a run costs a few seconds.
"""

from __future__ import annotations

import ast
import errno
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from conftest import AS_OF, FIXTURE_MINISTRIES, build_country
from ospo_analytics import _safe
from ospo_analytics._processed import sha256_file
from ospo_analytics._report import runner as report
from ospo_analytics._safe import FORMULA_PREFIXES, slugify

pytestmark = pytest.mark.slow

PWNED = Path(f"/tmp/ospo-pwned-{os.getpid()}")
CODE_NAME = f'x"\nimport os; os.system("touch {PWNED}")\n"'
HOSTILE_MINISTRIES = (
    '=HYPERLINK("http://x","click")',
    "<script>alert(1)</script><img src=x onerror=alert(1)> \"Q\" 'q' &amp;",
    "../../etc",
    "CON",
    "a/b",
    "nul\x00name",
    "M" * 300,
    CODE_NAME,
)
HOSTILE_SYSTEMS = (
    '=HYPERLINK("http://x","click")',
    "+SUM(1,2) System",
    "-2+3 System",
    "@SUM(A1) System",
    "\tTab System",
    "\rCR System",
    "<img src=x onerror=alert(3)> System",
    "\"quoted\" 'sys' <b>bold</b>",
)
HOSTILE_VENDORS = (
    '=cmd|"/c calc"!A1',
    "<script>alert(4)</script> Ltd",
    "-Minus Ltd",
    "@At Ltd",
    "<img src=x onerror=alert(5)> SA",
    '+Plus "Q" Ltd',
)
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


# ------------------------------------------------------------------ helpers
class _Page(HTMLParser):
    """Collects what could act in a browser: elements, attributes, scripts, styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict, str]] = []
        self.styles: list[str] = []
        self.text: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._in = tag
            if tag == "script":
                self.scripts.append((dict(attrs), ""))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in == "script":
            attrs, body = self.scripts[-1]
            self.scripts[-1] = (attrs, body + data)
        elif self._in == "style":
            self.styles.append(data)
        else:
            self.text.append(data)


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def xlsx_cells(path: Path) -> list:
    wb = openpyxl.load_workbook(path)
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]


def ooxml(text: str) -> str:
    """``text`` as OOXML stores it: control characters other than tab/LF as ``_xHHHH_``."""
    return re.sub(r"[\x00-\x08\x0b-\x1f]", lambda m: f"_x{ord(m.group()):04X}_", text)


def run_script(out: Path, processed: Path, **kw) -> str:
    """Python source running the report runner as a scheduled job would."""
    args = {"jobs": 1, "formats": ("html", "xlsx"), "force": True, "progress": False, **kw}
    return textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from ospo_analytics._report.runner import ReportError, run_reports
        try:
            s = run_reports(Path({str(processed)!r}), Path({str(out)!r}), **{args!r})
        except ReportError as exc:
            print("error:", exc, file=sys.stderr)
            sys.exit(2)
        print(s.message)
        sys.exit(s.exit_code)
    """)


def assert_latest_complete(out: Path) -> dict:
    """Whatever ``latest`` points at is a complete run: every file whole."""
    latest = out / "latest"
    assert latest.is_symlink()
    run_id = os.readlink(latest)
    assert (out / "LATEST").read_text().strip() in (run_id, "")
    m = json.loads((latest / "manifest.json").read_text(encoding="utf-8"))
    assert m["status"] == "ok" and m["run_id"] == run_id
    for r in m["reports"]:
        for f in r["files"]:
            p = latest / r["slug"] / f
            assert p.is_file(), p
            if f.endswith(".html"):
                assert p.read_text(encoding="utf-8").rstrip().endswith("</html>"), p
            elif f.endswith(".xlsx"):
                openpyxl.load_workbook(p).close()
            elif f.endswith(".ipynb"):
                json.loads(p.read_text(encoding="utf-8"))
    assert parse(latest / "index.html").tags
    return m


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="session")
def hostile_country(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_country(
        tmp_path_factory.mktemp("hostile") / "processed",
        ministries=HOSTILE_MINISTRIES,
        n_systems=4,
        n_rows=12,
        vendors=HOSTILE_VENDORS,
        system_names=HOSTILE_SYSTEMS,
    )


@pytest.fixture(scope="session")
def hostile_batch(hostile_country: Path, tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("hostile-out")
    out = base / "reports"
    PWNED.unlink(missing_ok=True)
    code_sha = report.library_sha256()  # other sessions may edit the package meanwhile
    summary = report.run_reports(
        hostile_country, out, jobs=2, formats=("html", "xlsx"), progress=False,
        as_of=AS_OF.isoformat(), input_files=[hostile_country / "inventory.parquet"],
        config_hash="cfg", profile_hash="prof",
    )  # fmt: skip
    return summary, out, code_sha


@pytest.fixture(scope="session")
def raw_hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Raw XLSX inputs with formula-like and HTML names, bad amounts, a hostile sheet name."""
    import xlsxwriter

    d = tmp_path_factory.mktemp("raw")
    inv = [["system_id", "system_name", "ministry", "category", "vendor", "licence"]]
    proc = [["ministry", "supplier", "amount", "currency", "award_date", "method", "system_id"]]
    for i, name in enumerate(HOSTILE_SYSTEMS):
        ministry = ("=Ministry|x", "@Ministry", "Plain Ministry")[i % 3]
        inv.append([f"S{i}", name, ministry, "hr", HOSTILE_VENDORS[i % 6], "GPL-3.0-only"])
        for k, vendor in enumerate((HOSTILE_VENDORS[i % 6], '=CMD|"/c calc"!A1')):
            proc.append([ministry, vendor, 1000.0 + i + k, "USD", "2024-01-15", "open", f"S{i}"])
    proc.append(["Plain Ministry", "-Minus Ltd", "=1+1", "USD", "2024-01-15", "open", "S0"])
    proc.append(["Plain Ministry", "-Minus Ltd", "-2+3", "USD", "2024-01-15", "open", "S0"])
    proc.append(["Plain Ministry", "@At Ltd", "@SUM(A1)", "USD", "2024-01-15", "open", "S0"])
    for fname, sheet, rows in (("inventory.xlsx", "Systems", inv),
                               ("procurement.xlsx", "=Awards", proc)):  # fmt: skip
        wb = xlsxwriter.Workbook(d / fname, {"strings_to_formulas": False,
                                             "strings_to_numbers": False})  # fmt: skip
        ws = wb.add_worksheet(sheet)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                ws.write_string(r, c, v) if isinstance(v, str) else ws.write_number(r, c, v)
        wb.close()
    return d


def load_raw(raw: Path, out: Path):
    from ospo_analytics._config import load_config
    from ospo_analytics._load import load_inputs, write_processed

    cfg = load_config(root=raw)  # no ospo.toml there: defaults, no demo inputs
    inputs = load_inputs(cfg, inventory=[raw / "inventory.xlsx"],
                         procurement=[raw / "procurement.xlsx"], progress=False)  # fmt: skip
    write_processed(inputs, out)
    return inputs


# ============================================================ 1. nothing acts
def test_hostile_batch_runs_and_stays_inside(hostile_batch) -> None:
    summary, out, _ = hostile_batch
    assert summary.exit_code == 0, [(s.name, s.error) for s in summary.status]
    names = [s.name for s in summary.status][1:]
    assert names == list(HOSTILE_MINISTRIES)
    slugs = [s.slug for s in summary.status]
    assert len(set(slugs)) == len(slugs)
    assert all(SLUG.match(s) and len(s) <= 69 for s in slugs)
    root = out.resolve()
    for p in out.rglob("*"):
        assert p.resolve().is_relative_to(root) or p.is_symlink(), p
    # Nothing landed next to the output folder ("../../etc" from a report folder).
    assert [p.name for p in out.parent.iterdir()] == ["reports"]
    assert sorted(p.name for p in summary.run_dir.iterdir()) == sorted(
        [*slugs, "index.html", "manifest.json"]
    )


def test_xlsx_cells_are_text_and_unchanged(hostile_batch) -> None:
    summary, *_ = hostile_batch
    books = sorted(summary.run_dir.rglob("*.xlsx"))
    assert len(books) == len(HOSTILE_MINISTRIES) + 1
    planted = {*HOSTILE_SYSTEMS, *HOSTILE_VENDORS, *HOSTILE_MINISTRIES}
    seen: set[str] = set()
    for book in books:
        for cell in xlsx_cells(book):
            assert cell.data_type != "f", (book, cell.coordinate, cell.value)
            if isinstance(cell.value, str):
                seen.add(cell.value)
    # Values come back exactly as planted (no quote, no formula); control
    # characters are stored in OOXML's own escape (``_x000D_``), which Excel
    # shows as the character and openpyxl returns as written.
    for name in planted:
        assert ooxml(name) in seen, repr(name)
    national = openpyxl.load_workbook(summary.run_dir / "national" / "scores.xlsx")
    col = [c.value for c in national["Ministries"]["A"]][1:]
    assert HOSTILE_MINISTRIES[0] in col and CODE_NAME in col


def test_csvs_written_by_the_tool_are_formula_safe(raw_hostile: Path, tmp_path: Path) -> None:
    import csv

    inputs = load_raw(raw_hostile, tmp_path)
    assert len(inputs.procurement.vendor_merges), "the two spellings of =CMD should merge"
    quoted: set[str] = set()
    for name in ("rejects.csv", "load_report.csv", "vendor_merges.csv"):
        text = (tmp_path / name).read_text(encoding="utf-8-sig")
        rows = list(csv.reader(text.splitlines(keepends=True)))
        assert len(rows) > 1, name
        for row in rows:
            for cell in row:
                assert not cell.startswith(FORMULA_PREFIXES), (name, cell)
                if cell.startswith("'"):
                    quoted.add(f"{name}:{cell}")
    # The planted values are there, visibly quoted, otherwise unchanged.
    assert any(q.startswith("rejects.csv:'=1+1") for q in quoted), quoted
    assert any(q.startswith("rejects.csv:'-2+3") for q in quoted), quoted
    assert "load_report.csv:'=Awards" in quoted, quoted
    assert any(q.startswith("vendor_merges.csv:'=") and "calc" in q for q in quoted), quoted


def test_html_escaped_everywhere(hostile_batch) -> None:
    summary, *_ = hostile_batch
    pages = sorted(summary.run_dir.rglob("report.html")) + [summary.run_dir / "index.html"]
    assert len(pages) == len(HOSTILE_MINISTRIES) + 2
    n_scripts = set()
    for page_path in pages:
        page = parse(page_path)
        for tag, attrs in page.tags:
            events = [a for a in attrs if a.lower().startswith("on")]
            assert not events, (page_path, tag, attrs)
            if tag == "img":
                assert (attrs.get("src") or "").startswith("data:image/"), (page_path, attrs)
            assert tag not in ("b", "iframe", "object", "embed"), (page_path, tag)
        for attrs, body in page.scripts:
            assert "src" not in attrs, (page_path, attrs)  # only inline template scripts
            assert "alert(" not in body, page_path
        if page_path.name == "report.html":
            n_scripts.add(len(page.scripts))
        text = "".join(page.text)
        if page_path.parent.name != "national" and page_path.name == "report.html":
            name = next(m for m in HOSTILE_MINISTRIES if slugify(m) == page_path.parent.name)
            # The name shows as literal text (NUL is dropped or replaced by a parser).
            assert name.replace("\x00", "") in text.replace("\x00", "").replace("\ufffd", ""), name
            assert "\"quoted\" 'sys' <b>bold</b>" in text or "<img src=x" in text
    assert len(n_scripts) == 1, n_scripts  # the same template scripts on every page
    index = "".join(parse(summary.run_dir / "index.html").text)
    for m in HOSTILE_MINISTRIES:
        assert m.replace("\x00", "") in index.replace("\x00", "").replace("\ufffd", "")


def test_no_warnings_or_tracebacks_in_reports(hostile_batch) -> None:
    summary, *_ = hostile_batch
    for nb_path in summary.run_dir.rglob("report.ipynb"):
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
        streams = [o for c in nb["cells"] for o in c.get("outputs", [])
                   if o.get("output_type") in ("stream", "error")]  # fmt: skip
        assert not [o for o in streams if o.get("name") == "stderr" or "ename" in o], nb_path


def test_parameters_cannot_run_code(hostile_batch) -> None:
    summary, *_ = hostile_batch
    assert not PWNED.exists(), "a ministry name ran code in the kernel"
    nb = json.loads((summary.run_dir / slugify(CODE_NAME) / "report.ipynb").read_text())
    cell = next(c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", []))
    tree = ast.parse("".join(cell["source"]))
    for node in tree.body:  # literals only: nothing to execute
        assert isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
    values = {n.targets[0].id: n.value.value for n in tree.body}
    assert values["ministry"] == CODE_NAME
    text = "".join(parse(summary.run_dir / slugify(CODE_NAME) / "report.html").text)
    assert "OSPO readiness assessment: " + CODE_NAME in text  # shown, as text


# ============================================================ 2. faults
@pytest.fixture(scope="session")
def small_country(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_country(
        tmp_path_factory.mktemp("small") / "processed",
        ministries=FIXTURE_MINISTRIES[:1],
        n_systems=4,
        n_rows=10,
    )


def _env() -> dict:
    env = dict(os.environ)
    env.pop(report.FAIL_ENV, None)
    return env


def test_killed_runs_never_break_latest(small_country: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    script = run_script(out, small_country)
    first = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           env=_env(), timeout=300)  # fmt: skip
    assert first.returncode == 0, first.stderr[-2000:]
    good = assert_latest_complete(out)
    rng = random.Random(20250630)
    for _ in range(3):
        proc = subprocess.Popen([sys.executable, "-c", script], env=_env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(rng.uniform(0.5, 7.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        m = assert_latest_complete(out)
        # latest is either the last good run or a newer, complete one.
        assert m["run_id"] == good["run_id"] or m["run_id"] > good["run_id"]
        good = m
        # The killed run's workers die with it: its lock is free again promptly.
        deadline = time.monotonic() + 10
        while True:
            try:
                with report._run_lock(out):
                    break
            except report.ReportError:
                assert time.monotonic() < deadline, "lock still held after the run was killed"
                time.sleep(0.2)
    last = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=_env(), timeout=300)  # fmt: skip
    assert last.returncode == 0, last.stderr[-2000:]
    m = assert_latest_complete(out)
    assert m["run_id"] > good["run_id"] or m["run_id"] != good["run_id"]
    assert not list(out.glob(".tmp-*")), "leftovers of killed runs were not cleaned"


def test_two_runs_started_together(small_country: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    script = run_script(out, small_country)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script],
            env=_env(),
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        for _ in range(2)
    ]
    results = [(p.wait(timeout=300), p.stdout.read(), p.stderr.read()) for p in procs]
    codes = sorted(r[0] for r in results)
    assert codes == [0, 2], results
    loser = next(r for r in results if r[0] == 2)
    assert "another run is in progress (pid" in loser[2]
    assert len([p for p in out.iterdir() if p.is_dir() and not p.is_symlink()]) == 1
    assert_latest_complete(out)


def test_lock_of_killed_process_is_released(tmp_path: Path) -> None:
    holder = textwrap.dedent(f"""
        import time
        from pathlib import Path
        from ospo_analytics._report.runner import _run_lock
        with _run_lock(Path({str(tmp_path)!r})):
            print("locked", flush=True)
            time.sleep(600)
    """)
    proc = subprocess.Popen([sys.executable, "-c", holder], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    with pytest.raises(report.ReportError, match=rf"another run is in progress \(pid {proc.pid}\)"):
        with report._run_lock(tmp_path):
            pass
    proc.kill()
    proc.wait(timeout=10)
    with report._run_lock(tmp_path):  # flock dies with its process: no stale lock
        pass


def test_hang_times_out_and_dead_kernel_is_reported(
    country: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hang, crash, fine = FIXTURE_MINISTRIES
    monkeypatch.setenv(report.HANG_ENV, hang)
    monkeypatch.setenv(report.CRASH_ENV, crash)
    t0 = time.perf_counter()
    summary = report.run_reports(country, tmp_path, jobs=2, formats=("html",), timeout=10,
                                 progress=False, as_of=AS_OF.isoformat())  # fmt: skip
    assert time.perf_counter() - t0 < 60
    by = {s.name: s for s in summary.status}
    assert by[hang].status == "failed" and by[hang].error == "timed out after 10 s"
    assert by[crash].status == "failed" and "kernel died" in by[crash].error
    assert by[fine].status == "ok" and by["National overview"].status == "ok"
    assert (summary.run_dir / slugify(fine) / "report.html").is_file()
    assert summary.exit_code == 1
    # Published (others stay current); with no earlier run there is nothing
    # to carry over, and the manifest says the run failed.
    assert (tmp_path / "latest").resolve() == summary.run_dir.resolve()
    m = json.loads((summary.run_dir / "manifest.json").read_text())
    assert m["status"] == "failed"
    assert not (summary.run_dir / slugify(hang) / "report.html").exists()


def test_disk_full_keeps_previous_run(
    small_country: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = report.run_reports(small_country, tmp_path, jobs=1, formats=("html",), progress=False)
    assert good.exit_code == 0
    real = _safe.atomic_write_bytes

    def full(path, data):
        if str(path).endswith(".html"):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, data)

    monkeypatch.setattr(_safe, "atomic_write_bytes", full)  # forked workers inherit it
    summary = report.run_reports(small_country, tmp_path, jobs=1, formats=("html",),
                                 progress=False, force=True)  # fmt: skip
    assert summary.exit_code == 1
    assert "disk full" in summary.message and good.run_id in summary.message
    assert summary.run_dir is None
    assert os.readlink(tmp_path / "latest") == good.run_id
    assert not list(tmp_path.glob(".tmp-*"))
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == sorted(
        [good.run_id, "latest", "LATEST"]
    )


def test_disk_full_on_a_real_full_filesystem(small_country: Path, tmp_path: Path) -> None:
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)],
                      capture_output=True, check=False).returncode:  # fmt: skip
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        good = report.run_reports(small_country, mnt, jobs=1, formats=("html",), progress=False)
        assert good.exit_code == 0, [s.error for s in good.status]
        # Fill the disk, then give back 32 kB: far less than a report needs.
        with open(
            mnt / "filler", "wb", buffering=0
        ) as fh:  # unbuffered: close has nothing left to flush
            try:
                while True:
                    fh.write(b"\0" * 65536)
                    fh.flush()
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
        os.truncate(mnt / "filler", max(0, (mnt / "filler").stat().st_size - 32768))
        summary = report.run_reports(small_country, mnt, jobs=1, formats=("html",),
                                     progress=False, force=True)  # fmt: skip
        assert summary.exit_code == 1 and "disk full" in summary.message, summary.message
        assert os.readlink(mnt / "latest") == good.run_id
        assert not list(mnt.glob(".tmp-*"))
        assert_latest_complete(mnt)
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


# ============================================================ 3. determinism
def test_same_inputs_same_tables_and_scores(raw_hostile: Path, tmp_path: Path) -> None:
    from ospo_analytics._load import read_tables
    from ospo_analytics._score.systems import score

    results = []
    for k in (1, 2):
        d = tmp_path / f"p{k}"
        load_raw(raw_hostile, d)
        inv, proc, quest = read_tables(d)
        results.append((d, score(inv, proc, quest, as_of=AS_OF)))
    (a, ra), (b, rb) = results
    for name in ("inventory.parquet", "procurement.parquet", "rejects.csv", "load_report.csv",
                 "vendor_merges.csv"):  # fmt: skip
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    for table in ("systems", "factors", "ministries", "opportunities"):
        pd.testing.assert_frame_equal(getattr(ra, table), getattr(rb, table))


def test_reports_deterministic(hostile_batch, hostile_country: Path, tmp_path: Path) -> None:
    summary, *_ = hostile_batch
    one = HOSTILE_MINISTRIES[1]
    again = report.run_reports(hostile_country, tmp_path, ministries=[one], jobs=2,
                               formats=("xlsx",), progress=False, as_of=AS_OF.isoformat())  # fmt: skip
    assert again.exit_code == 0
    for slug in ("national", slugify(one)):
        wa = openpyxl.load_workbook(summary.run_dir / slug / "scores.xlsx")
        wb = openpyxl.load_workbook(again.run_dir / slug / "scores.xlsx")
        assert wa.sheetnames == wb.sheetnames
        for sa, sb in zip(wa.worksheets, wb.worksheets, strict=True):
            va = [[c.value for c in r] for r in sa.iter_rows()]
            vb = [[c.value for c in r] for r in sb.iter_rows()]
            assert va == vb, (slug, sa.title)


def test_manifest_identifies_every_input(hostile_batch, hostile_country: Path) -> None:
    summary, _, code_sha = hostile_batch
    m = json.loads((summary.run_dir / "manifest.json").read_text(encoding="utf-8"))
    for f in m["input_files"]:
        assert sha256_file(Path(f["path"])) == f["sha256"]
    for name, sha in m["processed_files"].items():
        assert sha256_file(hostile_country / name) == sha
    assert set(m["processed_files"]) >= {"systems.parquet", "profile_used.toml"}
    for name, sha in m["notebooks"].items():
        assert sha256_file(report.NOTEBOOK_DIR / name) == sha
    assert m["report_code_sha256"] == code_sha  # hashed just before the run
    assert m["config_hash"] == "cfg" and m["profile_hash"] == "prof"
    assert m["package_version"] == report._package_version()
    if report.library_sha256() == code_sha:  # the fingerprint covers the same
        assert m["fingerprint"] == report._fingerprint(
            hostile_country, [hostile_country / "inventory.parquet"], "cfg", "prof", None,
            ("html", "xlsx"),
        )["fingerprint"]  # fmt: skip


# ============================================================ 4. offline and private
EXTERNAL = re.compile(r"^\s*(https?:|//|ftp:|ws:|wss:)", re.I)


def test_reports_reference_nothing_external(hostile_batch) -> None:
    summary, *_ = hostile_batch
    pages = sorted(summary.run_dir.rglob("report.html")) + [summary.run_dir / "index.html"]
    for path in pages:
        page = parse(path)
        for tag, attrs in page.tags:
            for a in ("src", "href", "srcset", "data", "poster", "action", "formaction"):
                v = attrs.get(a) or ""
                if tag == "a" and a == "href":
                    continue  # plain hyperlinks load nothing by themselves
                assert not EXTERNAL.match(v), (path, tag, a, v)
            assert not re.search(r"url\(\s*['\"]?(https?:|//)", attrs.get("style") or "")
        css = "\n".join(page.styles)
        assert "@import" not in css, path
        assert not re.search(r"url\(\s*['\"]?(https?:|//)", css, re.I), path


def _page_requests(html: Path, work: Path) -> tuple[list[str], bytes]:
    """Open ``html`` in headless Chromium with the network off; return every
    remote URL the page asked for (from Chromium's net log) and the DOM.

    Chromium's own background calls (update checks, account lookups) carry the
    initiator ``not an origin``; anything the document asks for carries its
    origin (``null`` for ``file://``), so that is what is counted.
    """
    netlog = work / "netlog.json"
    proc = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         f"--user-data-dir={work / 'profile'}", "--proxy-server=127.0.0.1:9",
         "--host-resolver-rules=MAP * ~NOTFOUND", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-extensions",
         f"--log-net-log={netlog}", "--net-log-capture-mode=Everything",
         "--virtual-time-budget=3000", "--dump-dom", html.as_uri()],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-500:]
    text = netlog.read_text(encoding="utf-8", errors="replace").rstrip()
    try:
        log = json.loads(text)
    except ValueError:  # Chromium may leave the event list unterminated
        log = json.loads(text.rstrip(",") + "]}")
    names = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    urls = []
    for e in log["events"]:
        prm = e.get("params") or {}
        url = str(prm.get("url", ""))
        if names.get(e["type"]) == "URL_REQUEST_START_JOB" and re.match(
            r"(https?|wss?|ftp)://", url
        ):
            if prm.get("initiator") != "not an origin":
                urls.append(url)
    return urls, proc.stdout


@pytest.mark.skipif(not shutil.which("chromium"), reason="chromium not installed")
def test_chromium_makes_no_request(hostile_batch, tmp_path: Path) -> None:
    summary, *_ = hostile_batch
    # Control: the check does see a page that fetches something.
    bait = tmp_path / "bait.html"
    bait.write_text('<!DOCTYPE html><html><body><img src="http://ospo-bait.invalid/x.png">'
                    "</body></html>")  # fmt: skip
    (tmp_path / "a").mkdir()
    seen, _ = _page_requests(bait, tmp_path / "a")
    assert any("ospo-bait.invalid" in u for u in seen), seen
    for i, html in enumerate([summary.run_dir / slugify(HOSTILE_MINISTRIES[1]) / "report.html",
                              summary.run_dir / "index.html"]):  # fmt: skip
        (tmp_path / f"r{i}").mkdir()
        urls, dom = _page_requests(html, tmp_path / f"r{i}")
        assert not urls, (html, urls)
        assert b"Readiness report" in dom or b"OSPO readiness" in dom  # it rendered


def _contacts(folder: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {"email": set(), "telephone": set(), "name": set(), "party": set()}

    def walk(o: object) -> None:
        if isinstance(o, dict):
            cp = o.get("contactPoint")
            if isinstance(cp, dict):
                for k in ("email", "telephone", "name", "faxNumber"):
                    v = cp.get(k)
                    if isinstance(v, str) and len(v.strip()) >= 6:
                        found["telephone" if k == "faxNumber" else k].add(v.strip())
            if isinstance(o.get("name"), str) and ("identifier" in o or "roles" in o):
                found["party"].add(o["name"].strip())
            for v in o.values():
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)

    for f in folder.glob("*.json"):
        walk(json.loads(f.read_text(encoding="utf-8")))
    # A contact name that is also an organisation's (a sole trader) is not private here.
    found["name"] = {n for n in found["name"]
                     if not any(n.lower() in p.lower() for p in found["party"])}  # fmt: skip
    return found


def _all_text(folder: Path) -> str:
    parts = []
    for p in sorted(folder.rglob("*")):
        if not p.is_file():
            continue
        if p.suffix == ".parquet":
            df = pd.read_parquet(p)
            parts.append(df.astype("string").to_csv())
        elif p.suffix == ".xlsx":
            parts.extend(str(c.value) for c in xlsx_cells(p) if c.value is not None)
        elif p.suffix == ".pdf":
            continue
        else:
            text = p.read_text(encoding="utf-8", errors="replace")
            parts.append(re.sub(r"data:image/[a-z]+;base64,[A-Za-z0-9+/=]+", "", text))
    return "\n".join(parts)


def test_no_personal_contact_data(realdata: Path, tmp_path: Path) -> None:
    from ospo_analytics._config import load_config
    from ospo_analytics._load import load_inputs, write_processed
    from ospo_analytics._score.systems import score

    src = realdata / "procurement" / "ocds_real_examples" / "paraguay" / "sample" / "releases"
    if not src.is_dir():
        pytest.skip(f"{src} not found")
    contacts = _contacts(src)
    assert contacts["email"] and contacts["telephone"] and contacts["name"]
    processed = tmp_path / "processed"
    inputs = load_inputs(load_config(root=tmp_path), procurement=[src], inventory=[],
                         questionnaire=[], progress=False)  # fmt: skip
    assert len(inputs.procurement.table)
    write_processed(inputs, processed)
    res = score(inputs.inventory.table, inputs.procurement.table, None, as_of=AS_OF)
    res.to_parquet(processed)
    ministries = res.ministries["ministry"].astype(str).tolist()[:2]
    summary = report.run_reports(processed, tmp_path / "reports", ministries=ministries,
                                 jobs=2, formats=("html", "xlsx"), progress=False,
                                 as_of=AS_OF.isoformat())  # fmt: skip
    assert summary.exit_code == 0, [(s.name, s.error) for s in summary.status]
    text = _all_text(tmp_path).lower()
    assert ministries[0].lower() in text  # the search does see the outputs
    for kind in ("email", "telephone", "name"):
        leaked = sorted(v for v in contacts[kind] if v.lower() in text)
        assert not leaked, (kind, leaked)
