"""Inputs published compressed (.zip of CSV files, .csv.gz): read member by
member, named ``archive.zip/member.csv`` everywhere, bombs and broken archives
refused with the reason."""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from ospo_analytics._config import Config
from ospo_analytics._load import read_inventory, read_procurement
from ospo_analytics._read import archives

HEADER = "ministry,supplier,amount,award_date,method\n"


def _csv(rows: int, start: int = 0, bad_every: int = 0) -> str:
    lines = [HEADER]
    for i in range(start, start + rows):
        amount = "lots" if bad_every and i % bad_every == 0 else f"{1000 + i}"
        lines.append(
            f"Ministry {i % 3},Supplier {i % 7} Ltd,{amount},2021-03-{1 + i % 28:02d},open\n"
        )
    return "".join(lines)


def _cfg(root: Path, stream: bool = False) -> Config:
    cfg = Config(root=root)
    if stream:
        cfg.data["reading"]["stream_min_mb"] = 0
    return cfg


def _plain(res) -> pd.DataFrame:
    """The table with sources reduced to the member's file name."""
    names = [Path(str(f)).name.removesuffix(".gz") for f in res.table["source_file"]]
    return res.table.assign(source_file=names).reset_index(drop=True)


def _two_exports(tmp_path: Path) -> tuple[str, str, Path]:
    """Two CSV texts (the first with bad rows) and the folder holding them plain."""
    a, b = _csv(40, 0, bad_every=9), _csv(25, 100)
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "a.csv").write_text(a, encoding="utf-8")
    (plain / "b.csv").write_text(b, encoding="utf-8")
    return a, b, plain


@pytest.mark.parametrize("stream", [False, True])
def test_a_zip_of_csv_files_reads_like_the_files(tmp_path, stream):
    a, b, plain = _two_exports(tmp_path)
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.csv", a)
        zf.writestr("2021/b.csv", b)
        zf.writestr("README.pdf", b"%PDF-1.4")
        zf.writestr("__MACOSX/._a.csv", b"junk")
        zf.writestr("2021/", b"")
    expected = read_procurement([plain / "a.csv", plain / "b.csv"], _cfg(tmp_path, stream))
    got = read_procurement(archive, _cfg(tmp_path, stream))
    pd.testing.assert_frame_equal(_plain(expected), _plain(got))
    shown = {f"{archive}/a.csv", f"{archive}/2021/b.csv"}
    assert set(got.table["source_file"]) == shown
    # Rejected rows name the member, with their row in it.
    assert len(got.rejects) == len(expected.rejects) > 0
    assert set(got.rejects["file"]) == {f"{archive}/a.csv"}
    assert got.rejects["row"].tolist() == expected.rejects["row"].tolist()
    # The load report: one line per member, and the member not read, named.
    files = got.files.set_index("file")
    assert set(shown) <= set(files.index)
    assert files.loc[sorted(shown), "rows_read"].sum() == 65
    assert "not read: a .pdf" in files.loc[f"{archive}/README.pdf", "error"]
    assert not any("__MACOSX" in f for f in files.index)


def test_a_gzipped_csv_reads_like_the_csv(tmp_path):
    text = _csv(30, bad_every=7)
    (tmp_path / "p.csv").write_text(text, encoding="utf-8")
    (tmp_path / "q.csv.gz").write_bytes(gzip.compress(text.encode("utf-8")))
    expected = read_procurement(tmp_path / "p.csv", _cfg(tmp_path))
    got = read_procurement(tmp_path / "q.csv.gz", _cfg(tmp_path))
    pd.testing.assert_frame_equal(
        _plain(expected).drop(columns="source_file"), _plain(got).drop(columns="source_file")
    )
    assert set(got.table["source_file"]) == {str(tmp_path / "q.csv.gz")}
    assert set(got.rejects["file"]) == {str(tmp_path / "q.csv.gz")}


def test_an_inventory_workbook_inside_a_zip(tmp_path):
    pd.DataFrame(
        {"system_name": ["Payroll", "GIS"], "ministry": ["Finance", "Lands"], "vendor": ["A", "B"]}
    ).to_excel(tmp_path / "inv.xlsx", index=False)
    with zipfile.ZipFile(tmp_path / "inv.zip", "w") as zf:
        zf.write(tmp_path / "inv.xlsx", "inventory/inv.xlsx")
    res = read_inventory(tmp_path / "inv.zip", _cfg(tmp_path))
    assert res.table["system_name"].tolist() == ["Payroll", "GIS"]
    assert set(res.table["source_file"]) == {f"{tmp_path / 'inv.zip'}/inventory/inv.xlsx"}


def test_bad_archives_are_refused_with_the_reason_and_others_still_load(tmp_path, monkeypatch):
    good = tmp_path / "good.csv"
    good.write_text(_csv(5), encoding="utf-8")
    (tmp_path / "fake.zip").write_bytes(b"not a zip at all")
    whole = gzip.compress(_csv(50).encode())
    (tmp_path / "cut.csv.gz").write_bytes(whole[: len(whole) // 2])
    monkeypatch.setattr(archives, "RATIO_FLOOR_BYTES", 1000)
    with zipfile.ZipFile(tmp_path / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.csv", HEADER + " " * 2_000_000)
    # A member whose name climbs out of the folder is written inside ours.
    with zipfile.ZipFile(tmp_path / "slip.zip", "w") as zf:
        zf.writestr("../../escaped.csv", _csv(3))
    paths = [tmp_path / n for n in ("fake.zip", "cut.csv.gz", "bomb.zip", "slip.zip", "good.csv")]
    res = read_procurement(paths, _cfg(tmp_path))
    err = {Path(f).name: e for f, e in zip(res.files["file"], res.files["error"], strict=True)}
    assert "cannot open the zip archive" in err["fake.zip"]
    assert "cut short" in err["cut.csv.gz"]
    assert "max_compression_ratio" in err["bomb.zip"]
    assert len(res.table) == 8  # good.csv and the slipped member
    assert not (tmp_path.parent / "escaped.csv").exists()
    assert not any(tmp_path.parent.parent.glob("escaped.csv"))


def test_temporary_files_go_to_the_configured_folder(tmp_path, monkeypatch):
    """[reading] temp_dir: for systems whose /tmp lives in memory (tmpfs)."""
    import json
    import tempfile

    from ospo_analytics import read_ocds
    from ospo_analytics._config import ConfigError, load_config

    used: list[str | None] = []
    real = tempfile.TemporaryDirectory

    class Recording(real):  # type: ignore[misc,valid-type]
        def __init__(self, *args, **kwargs):
            used.append(kwargs.get("dir"))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(tempfile, "TemporaryDirectory", Recording)
    (tmp_path / "ospo.toml").write_text('[reading]\ntemp_dir = "work/tmp"\nstream_min_mb = 0\n')
    cfg = load_config(tmp_path / "ospo.toml")
    where = str(tmp_path / "work" / "tmp")
    (tmp_path / "big.csv").write_text(_csv(20), encoding="utf-8")
    with zipfile.ZipFile(tmp_path / "x.zip", "w") as zf:
        zf.writestr("a.csv", _csv(5))
    release = {"ocid": "o-1", "id": "1", "date": "2021-01-01", "tag": ["award"]}
    (tmp_path / "feed.jsonl.gz").write_bytes(gzip.compress(json.dumps(release).encode()))
    assert len(read_procurement([tmp_path / "big.csv", tmp_path / "x.zip"], cfg).table) == 25
    read_ocds(tmp_path / "feed.jsonl.gz", cfg)
    # CSV chunks, the unpacked zip, the unpacked feed and the ocid buckets.
    assert len(used) >= 4 and set(used) == {where}
    assert not any((tmp_path / "work" / "tmp").iterdir())  # all cleaned up
    # Like the output folders: not outside the project unless allowed.
    elsewhere = tmp_path.parent / f"{tmp_path.name}-elsewhere"
    (tmp_path / "ospo.toml").write_text(f'[reading]\ntemp_dir = "{elsewhere}"\n')
    with pytest.raises(ConfigError, match="temp_dir"):
        load_config(tmp_path / "ospo.toml")
    assert load_config(tmp_path / "ospo.toml", allow_outside=True).temp_dir == str(elsewhere)


def test_ocds_files_in_a_zip_are_compiled_together(tmp_path, realdata):
    """Paraguay publishes each release of a process in its own file: zipped,
    they still compile into one process each, as the folder does."""
    folder = realdata / "procurement" / "ocds_real_examples" / "paraguay" / "sample" / "releases"
    if not folder.is_dir():
        pytest.skip(f"not found: {folder}")
    with zipfile.ZipFile(tmp_path / "py.zip", "w") as zf:
        for f in sorted(folder.glob("*.json")):
            zf.write(f, f"releases/{f.name}")
        zf.writestr("notes.csv", _csv(4))  # an ordinary export beside them
    cfg = _cfg(tmp_path)
    cfg.data["it_filter"]["enabled"] = False
    whole = read_procurement(folder, cfg)
    got = read_procurement(tmp_path / "py.zip", cfg)
    ocds = got.table[got.table["process_id"].notna()]
    assert len(ocds) == len(whole.table) > 0
    assert ocds["process_id"].nunique() == whole.table["process_id"].nunique()
    pd.testing.assert_frame_equal(_plain(whole), _plain(got).loc[lambda t: t["process_id"].notna()])
    assert all(str(f).startswith(f"{tmp_path / 'py.zip'}/releases/") for f in ocds["source_file"])
    assert (got.table["source_file"] == f"{tmp_path / 'py.zip'}/notes.csv").sum() == 4


def test_encoding_settings_reach_archive_members(tmp_path):
    """[reading.encoding] patterns match a member by its name in the archive."""
    from ospo_analytics._config import load_config

    text = HEADER + "Ministère de la Santé,Acme,100,2021-03-01,open\n"
    with zipfile.ZipFile(tmp_path / "x.zip", "w") as zf:
        zf.writestr("legacy/a.csv", text.encode("utf-8"))
    (tmp_path / "ospo.toml").write_text('[reading.encoding]\n"x.zip/legacy/*.csv" = "cp1252"\n')
    res = read_procurement(tmp_path / "x.zip", load_config(tmp_path / "ospo.toml"))
    assert "set in ospo.toml" in " ".join(res.files["notes"].astype(str))
    assert res.table["ministry"].iloc[0] == "MinistÃ¨re de la SantÃ©"  # as forced
    plain = read_procurement(tmp_path / "x.zip", _cfg(tmp_path))
    assert plain.table["ministry"].iloc[0] == "Ministère de la Santé"


def test_a_full_temporary_folder_is_named_with_the_setting_to_change(tmp_path, monkeypatch):
    """Unpacking and spilling need about the input's size on disk: when the
    temporary folder is too small, say where and which setting moves it."""
    import errno
    import json
    import shutil
    from collections import namedtuple

    from ospo_analytics import read_ocds
    from ospo_analytics._read import bulk

    with zipfile.ZipFile(tmp_path / "x.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.csv", _csv(200))
    with tarfile.open(tmp_path / "x.tar.gz", "w:gz") as tf:
        data = _csv(200).encode()
        info = tarfile.TarInfo("export/a.csv")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    (tmp_path / "ok.csv").write_text(_csv(3), encoding="utf-8")
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage(10**9, 10**9 - 100, 100))
    paths = [tmp_path / "x.zip", tmp_path / "x.tar.gz", tmp_path / "ok.csv"]
    res = read_procurement(paths, _cfg(tmp_path))
    err = dict(zip(res.files["file"].map(lambda f: Path(f).name), res.files["error"], strict=True))
    for archive in ("x.zip", "x.tar.gz"):
        assert "needs about" in err[archive] and "[reading] temp_dir" in err[archive]
    assert len(res.table) == 3  # the other input still loads
    monkeypatch.undo()

    # The disk fills while OCDS releases wait for their ocid.
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(bulk.pickle, "dump", full)
    lines = "\n".join(json.dumps({"ocid": f"o-{i}", "id": "1", "tag": ["award"]}) for i in range(3))
    (tmp_path / "feed.jsonl").write_text(lines + "\n", encoding="utf-8")
    res = read_procurement(tmp_path / "feed.jsonl", _cfg(tmp_path, stream=True))
    (why,) = res.files["error"].tolist()
    assert "ran out of temporary space" in why and "[reading] temp_dir" in why
    with pytest.raises(archives.FileUnusable, match="temporary space"):
        read_ocds(tmp_path / "feed.jsonl", _cfg(tmp_path, stream=True))


def test_a_full_disk_while_a_big_csv_streams_is_named(tmp_path, monkeypatch):
    from ospo_analytics import _stream

    def full(self, frame):
        raise OSError("IOError: No space left on device")  # as Arrow words it, no errno

    monkeypatch.setattr(_stream._Spill, "add", full)
    (tmp_path / "big.csv").write_text(_csv(50), encoding="utf-8")
    res = read_procurement(tmp_path / "big.csv", _cfg(tmp_path, stream=True))
    (why,) = res.files["error"].tolist()
    assert "ran out of temporary space" in why and "[reading] temp_dir" in why
    assert res.table.empty and res.rejects.empty


@pytest.mark.parametrize("name", ["export.tar.gz", "export.tgz", "export.tar"])
def test_a_tar_of_csv_files_reads_like_the_files(tmp_path, name):
    # The OCP Data Registry's CSV downloads and many portals' dumps are tars.

    a, b, plain = _two_exports(tmp_path)
    archive = tmp_path / name
    with tarfile.open(archive, "w:gz" if name != "export.tar" else "w") as tf:

        def add(member: str, data: bytes = b"", **kw) -> None:
            info = tarfile.TarInfo(member)
            info.size = len(data)
            for k, v in kw.items():
                setattr(info, k, v)
            tf.addfile(info, io.BytesIO(data) if data else None)

        add("2021", type=tarfile.DIRTYPE)
        add("a.csv", a.encode())
        add("2021/b.csv", b.encode())
        add("README.pdf", b"%PDF-1.4")
        # Never followed nor made: a link to a file outside, and one that
        # would climb out of the folder.
        add("passwd.csv", type=tarfile.SYMTYPE, linkname="/etc/passwd")
        add("../../escaped.csv", _csv(3).encode())
    (plain / "escaped.csv").write_text(_csv(3), encoding="utf-8")
    order = [plain / "a.csv", plain / "b.csv", plain / "escaped.csv"]
    expected = read_procurement(order, _cfg(tmp_path))
    got = read_procurement(archive, _cfg(tmp_path))
    pd.testing.assert_frame_equal(_plain(expected), _plain(got))
    shown = {f"{archive}/a.csv", f"{archive}/2021/b.csv", f"{archive}/../../escaped.csv"}
    assert set(got.table["source_file"]) == shown
    files = got.files.set_index("file")
    assert "not read: a .pdf" in files.loc[f"{archive}/README.pdf", "error"]
    assert not any("passwd" in f for f in files.index)
    assert set(got.rejects["file"]) == {f"{archive}/a.csv"}
    assert not (tmp_path.parent / "escaped.csv").exists()


def test_bad_tar_archives_are_refused_with_the_reason(tmp_path, monkeypatch):

    good = tmp_path / "good.csv"
    good.write_text(_csv(5), encoding="utf-8")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        data = _csv(2000).encode()
        info = tarfile.TarInfo("a.csv")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    (tmp_path / "cut.tar.gz").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    (tmp_path / "fake.tgz").write_bytes(b"not a tar at all" * 100)
    monkeypatch.setattr(archives, "RATIO_FLOOR_BYTES", 1000)
    with tarfile.open(tmp_path / "bomb.tar.gz", "w:gz") as tf:
        data = (HEADER + " " * 2_000_000).encode()
        info = tarfile.TarInfo("big.csv")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    paths = [tmp_path / n for n in ("cut.tar.gz", "fake.tgz", "bomb.tar.gz", "good.csv")]
    res = read_procurement(paths, _cfg(tmp_path))
    err = {Path(f).name: e for f, e in zip(res.files["file"], res.files["error"], strict=True)}
    assert "cut short" in err["cut.tar.gz"]
    assert "cannot unpack the tar archive" in err["fake.tgz"]
    assert "max_compression_ratio" in err["bomb.tar.gz"]
    assert len(res.table) == 5


def test_a_zipped_flattened_ocds_folder_is_read_as_one_input(tmp_path):
    # A flattentool CSV folder in a zip: releases.csv and its child tables
    # (parties, tender items...) join as they do unzipped, instead of each
    # table being read alone (the children lost, or read as spreadsheets).
    import os

    repo = Path(__file__).resolve().parents[1]
    real = Path(os.environ.get("OSPO_REALDATA", repo.parent / "shared" / "realdata"))
    folder = real / "procurement" / "ocds_flattened" / "uk_contracts_finder_flattened_csv"
    if not folder.exists():
        pytest.skip(f"shared real data not found at {folder} (set OSPO_REALDATA)")
    archive = tmp_path / "flat.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.glob("*.csv")):
            zf.write(p, f"export/{p.name}")
    cfg = _cfg(tmp_path)
    cfg.data["it_filter"]["enabled"] = False
    want, got = read_procurement([folder], cfg), read_procurement([archive], cfg)
    assert want.files["rows_read"].sum() > 0
    assert list(got.files["file"]) == [f"{archive}/export"]
    for col in ("rows_read", "loaded", "filtered", "rejected"):
        assert got.files[col].tolist() == want.files[col].tolist(), col
    cols = [c for c in want.table.columns if not c.startswith("source_")]
    pd.testing.assert_frame_equal(got.table[cols], want.table[cols])


def test_a_stray_table_beside_flattened_ocds_is_listed_not_dropped(tmp_path):
    # A CSV that is not one of the releases' tables, in a flattentool folder
    # (zipped or not), is named as not used, with the reason.
    folder = tmp_path / "flat"
    folder.mkdir()
    (folder / "releases.csv").write_text(
        "ocid,id,date,buyer/name,awards/0/id,awards/0/suppliers/0/name,awards/0/value/amount\n"
        "ocds-1,r1,2023-01-02,Ministry of Health,a1,Acme,100\n",
        encoding="utf-8",
    )
    (folder / "notes.csv").write_text("note\nexported by hand\n", encoding="utf-8")
    archive = tmp_path / "flat.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in sorted(folder.glob("*.csv")):
            zf.write(p, f"flat/{p.name}")
    cfg = _cfg(tmp_path)
    cfg.data["it_filter"]["enabled"] = False
    for source in (folder, archive):
        res = read_procurement([source], cfg)
        assert res.table["supplier"].tolist() == ["Acme"]
        stray = res.rejects[res.rejects["sheet"] == "notes"]
        assert stray["action"].tolist() == ["sheet not used"], source
        assert "no ocid column" in stray["problem"].iloc[0]


def test_an_ocds_folder_reads_its_archives_and_names_what_it_does_not_read(tmp_path):
    # A zip and a stray file beside the JSON of an OCDS folder were skipped
    # silently: two releases gone, nothing in the load report.
    import json

    def release(ocid: str) -> dict:
        return {
            "ocid": ocid, "id": f"{ocid}-r", "date": "2023-05-01T00:00:00Z",
            "buyer": {"name": "Ministry of Health"},
            "tender": {"items": [{"id": "1", "classification": {"scheme": "CPV", "id": "48000000"}}]},
            "awards": [{"id": "1", "suppliers": [{"name": f"S {ocid}"}],
                        "value": {"amount": 100, "currency": "USD"}}],
        }  # fmt: skip

    folder = tmp_path / "ocds"
    folder.mkdir()
    pkg = {"version": "1.1", "releases": [release("ocds-a")]}
    (folder / "p.json").write_text(json.dumps(pkg), encoding="utf-8")
    with zipfile.ZipFile(folder / "2024_feed.zip", "w") as zf:
        zipped = {"version": "1.1", "releases": [release("ocds-b"), release("ocds-c")]}
        zf.writestr("releases.json", json.dumps(zipped))
    (folder / "README.txt").write_text("downloaded 2024-05-01", encoding="utf-8")
    res = read_procurement([folder], Config(root=tmp_path))
    assert sorted(res.table["process_id"]) == ["ocds-a", "ocds-b", "ocds-c"]
    files = res.files.set_index(res.files["file"].astype(str).str.rsplit("/", n=1).str[-1])
    assert files.loc["releases.json", "loaded"] == 2
    note = files.loc["README.txt", "notes"]
    assert (
        note.startswith("not read: a .txt in an OCDS folder")
        and not files.loc["README.txt", "error"]
    )
