"""Property-based fuzzing of every reader: random bytes and mutated real files.

Seeds are real government files from ``../shared/realdata`` (CSV, XLSX incl.
flattened OCDS, OCDS JSON releases and records, code.json), mutated byte by
byte, and for workbooks also inside the zip (so the XML parsers see the damage,
not only the zip checksum). Random bytes are tried under every file extension.

Properties, for every input:

* the low-level readers raise nothing but their documented user-facing error
  (``FileUnusable`` for spreadsheets; the OCDS and catalogue readers never
  raise: problems become rejects);
* the loader (what ``validate`` runs) raises nothing, never reports an
  "unexpected error" (the bug path), and its accounting holds file by file:
  ``rows_read = loaded + filtered + rejected``, the loaded rows are the rows of
  the canonical table, and every row-level rejects entry points at a file of
  ``load_report``.

``make test`` runs a few examples per property (derandomised: the same ones
every time); ``make fuzz`` sets ``OSPO_FUZZ_EXAMPLES`` (default there 2000) and
explores at random.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ospo_analytics._config import Config
from ospo_analytics._load import read_inventory, read_procurement
from ospo_analytics._read.catalogues import read_codejson
from ospo_analytics._read.ocds import read_ocds
from ospo_analytics._read.spreadsheet import FileUnusable, read_raw

REALDATA = Path(
    os.environ.get("OSPO_REALDATA", Path(__file__).parents[1] / ".." / "shared" / "realdata")
)
FUZZ_EXAMPLES = int(os.environ.get("OSPO_FUZZ_EXAMPLES", "0") or 0)
EXAMPLES = FUZZ_EXAMPLES or 12
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not FUZZ_EXAMPLES,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],  # fmt: skip
)

# (relative path, table the loader reads it as, how many leading bytes to keep)
SEEDS = {
    "csv_inventory": ("inventory/fr_sill/sill-2020.csv", "inventory", 12_000),
    "csv_procurement": (
        "procurement/us_itdashboard/itdashboard_contracts_2012.csv",
        "procurement",
        16_000,
    ),  # fmt: skip
    "csv_flat_ocds": (
        "procurement/ocds_flattened/ocp_flat_template/csv/releases.csv",
        "procurement",
        None,
    ),  # fmt: skip
    "xlsx_flat_ocds": (
        "procurement/ocds_flattened/uk_contracts_finder_flattened.xlsx",
        "procurement",
        None,
    ),  # fmt: skip
    "xlsx_moldova": (
        "procurement/ocds_flattened/moldova_releases_flattened.xlsx",
        "procurement",
        None,
    ),  # fmt: skip
    "json_ocds_release": (
        "procurement/ocds_real_examples/colombia/sample/releases/"
        "ocds-k50g02-16-13-5282714-58125c22d3ff2f009b53ed98.json",
        "procurement",
        None,
    ),
    "json_ocds_record": (
        "procurement/ocds_real_examples/moldova/sample/records/ocds-ngfbwp-19752128.json",
        "procurement",
        None,
    ),
    "code_json": ("inventory/us_codegov/NSF-index.json", "inventory", None),
}
SUFFIXES = {
    ".csv": "procurement",
    ".tsv": "inventory",
    ".xlsx": "procurement",
    ".xls": "inventory",
    ".ods": "inventory",
    ".json": "procurement",
    ".jsonl": "procurement",
}


def _seed_bytes(key: str) -> bytes:
    rel, _, keep = SEEDS[key]
    path = REALDATA / rel
    if not path.is_file():
        pytest.skip(f"real data not found at {path} (set OSPO_REALDATA)")
    data = path.read_bytes()
    if keep:  # cut at a line end so the seed itself is well formed
        data = data[: data.rfind(b"\n", 0, keep) + 1]
    return data


# A mutation: (kind, where 0-1, length, bytes).
_MUTATION = st.tuples(
    st.sampled_from(["flip", "insert", "delete", "duplicate", "truncate", "replace"]),
    st.floats(0, 1, allow_nan=False),
    st.integers(1, 64),
    st.binary(min_size=1, max_size=16)
    | st.sampled_from(
        [
            b'"',
            b"\n",
            b",",
            b";",
            b"\x00",
            b"\xff\xfe",
            b"{",
            b"]",
            b"<",
            b"1e308",
            b"-",
            b"=1+2",
            b"\r\n",
            b"\xc3",
            b"99999999",
        ]
    ),  # fmt: skip
)


def mutate(data: bytes, ops: list[tuple[str, float, int, bytes]]) -> bytes:
    """Apply byte-level mutations (deterministic for given ops)."""
    buf = bytearray(data)
    for kind, where, n, blob in ops:
        i = int(where * len(buf)) if buf else 0
        if kind == "flip" and buf:
            i = min(i, len(buf) - 1)
            buf[i] ^= 1 << (n % 8)
        elif kind == "insert":
            buf[i:i] = blob
        elif kind == "delete":
            del buf[i : i + n]
        elif kind == "duplicate":
            buf[i:i] = buf[i : i + n * 8]
        elif kind == "truncate":
            del buf[i:]
        elif kind == "replace":
            buf[i : i + len(blob)] = blob
    return bytes(buf)


def mutate_zip(data: bytes, member_pick: float, ops) -> bytes:
    """Mutate one member of a zip (workbook) and re-zip it, so the XML is damaged."""
    src = zipfile.ZipFile(io.BytesIO(data))
    names = src.namelist()
    target = names[min(int(member_pick * len(names)), len(names) - 1)]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in names:
            body = src.read(name)
            dst.writestr(name, mutate(body, ops) if name == target else body)
    return out.getvalue()


# ---------------------------------------------------------------- properties
def _check_low_level(path: Path, table: str) -> None:
    """The format's own reader raises only its documented user-facing error."""
    suffix = path.suffix.lower()
    if suffix in {".json", ".jsonl"} and table == "procurement":
        read_ocds(path, Config(root=path.parent))  # documented: never raises
    elif suffix == ".json":
        read_codejson(path)  # documented: never raises
    else:
        try:
            read_raw(path)
        except FileUnusable as exc:
            assert str(exc).strip(), "a FileUnusable must say what is wrong"


def _check_loader(path: Path, table: str) -> None:
    """What ``validate`` runs: no exception, no bug path, accounting holds."""
    config = Config(root=path.parent)
    reader = read_procurement if table == "procurement" else read_inventory
    res = reader([path], config, progress=False)
    files = res.files
    assert len(files) >= 1, "every input file appears in load_report"
    errors = files["error"].fillna("").astype(str)
    assert not errors.str.contains("unexpected error").any(), errors.tolist()
    n = files[["rows_read", "loaded", "filtered", "rejected"]].fillna(0).astype(int)
    assert (n["rows_read"] == n["loaded"] + n["filtered"] + n["rejected"]).all(), files
    assert (n >= 0).all().all(), files
    assert int(n["loaded"].sum()) == len(res.table), (files, len(res.table))
    rej = res.rejects
    if len(rej):
        assert set(rej["file"].astype(str)) <= set(files["file"].astype(str)) | {str(path)}
        assert rej["problem"].fillna("").astype(str).str.strip().ne("").all()
    if len(res.table) and "amount" in res.table:
        amount = pd.to_numeric(res.table["amount"], errors="coerce").astype(float)
        assert not amount.abs().gt(config["limits"]["max_amount"]).any()


def _run_both(tmp_path: Path, name: str, data: bytes, table: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    _check_low_level(path, table)
    _check_loader(path, table)


@pytest.mark.parametrize("key", sorted(SEEDS))
def test_unmutated_seeds_hold_the_properties(tmp_path: Path, key: str) -> None:
    rel, table, _ = SEEDS[key]
    _run_both(tmp_path, Path(rel).name, _seed_bytes(key), table)


@pytest.mark.parametrize("key", sorted(SEEDS))
@FUZZ
@given(ops=st.lists(_MUTATION, min_size=1, max_size=6))
def test_mutated_real_files(tmp_path_factory, key: str, ops) -> None:
    rel, table, _ = SEEDS[key]
    tmp = tmp_path_factory.mktemp("fz")
    _run_both(tmp, Path(rel).name, mutate(_seed_bytes(key), ops), table)


@pytest.mark.parametrize("key", ["xlsx_flat_ocds", "xlsx_moldova"])
@FUZZ
@given(pick=st.floats(0, 1, allow_nan=False), ops=st.lists(_MUTATION, min_size=1, max_size=6))
def test_mutated_workbook_xml(tmp_path_factory, key: str, pick: float, ops) -> None:
    rel, table, _ = SEEDS[key]
    tmp = tmp_path_factory.mktemp("fz")
    _run_both(tmp, Path(rel).name, mutate_zip(_seed_bytes(key), pick, ops), table)


@pytest.mark.parametrize("suffix", sorted(SUFFIXES))
@FUZZ
@given(data=st.binary(max_size=4096))
def test_random_bytes_under_every_extension(tmp_path_factory, suffix: str, data: bytes) -> None:
    tmp = tmp_path_factory.mktemp("fz")
    _run_both(tmp, "input" + suffix, data, SUFFIXES[suffix])


@pytest.mark.parametrize("suffix", [".csv", ".json"])
@FUZZ
@given(
    text=st.text(
        alphabet=st.sampled_from(list('abc,;"\n\r\t {}[]:1.-e0$=') + ["é", "\x00", "\ufeff"]),
        max_size=600,
    )
)
def test_random_structured_text(tmp_path_factory, suffix: str, text: str) -> None:
    """Text made of the format's own punctuation reaches deeper than random bytes."""
    tmp = tmp_path_factory.mktemp("fz")
    _run_both(tmp, "input" + suffix, text.encode("utf-8", "surrogatepass"),
              "procurement" if suffix == ".json" else "inventory")  # fmt: skip


# JSON values a publisher might put anywhere (wrong types, huge numbers, depth).
_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["1e308", "-1", "2024-13-45", "", "=1+2", "$x^2$", "NaN"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)


def _paths(obj, prefix=()):
    """Every (path) to a value inside a JSON document."""
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, (*prefix, i))


def _replace(obj, path, value):
    if not path:
        return value
    obj[path[0]] = _replace(obj[path[0]], path[1:], value)
    return obj


@pytest.mark.parametrize("key", ["json_ocds_release", "json_ocds_record", "code_json"])
@FUZZ
@given(picks=st.lists(st.tuples(st.floats(0, 1, allow_nan=False), _JSON), min_size=1, max_size=5))
def test_json_documents_with_values_replaced(tmp_path_factory, key: str, picks) -> None:
    """Real OCDS / code.json documents with values swapped for arbitrary JSON."""
    import json

    rel, table, _ = SEEDS[key]
    doc = json.loads(_seed_bytes(key))
    for where, value in picks:
        paths = list(_paths(doc))[1:]
        if paths:
            doc = _replace(doc, paths[int(where * len(paths)) % len(paths)], value)
    tmp = tmp_path_factory.mktemp("fz")
    _run_both(tmp, Path(rel).name, json.dumps(doc).encode("utf-8"), table)
