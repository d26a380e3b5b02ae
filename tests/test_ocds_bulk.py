"""Big OCDS files: read one release at a time and spilled by ocid, with the
same tables, lists and counts as the whole-file reader."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ospo_analytics import read_ocds
from ospo_analytics._config import Config
from ospo_analytics._read import bulk, ocds

REPO = Path(__file__).resolve().parents[1]
REALDATA = Path(os.environ.get("OSPO_REALDATA", REPO.parent / "shared" / "realdata"))
EXAMPLES = REALDATA / "procurement" / "ocds_real_examples"
FUZZ = int(os.environ.get("OSPO_FUZZ_EXAMPLES", "15"))


def _cfg(root: Path, stream: bool) -> Config:
    cfg = Config(root=root)
    cfg.data["it_filter"]["enabled"] = False
    cfg.data["reading"]["stream_min_mb"] = 0 if stream else 1e9
    return cfg


class _Spy:
    """Records whether each big file was streamed (True) or read whole."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.streamed: dict[str, bool] = {}
        real = ocds._streamed_items

        def spy(path, name, log):
            got = real(path, name, log)
            self.streamed[Path(path).name] = got is not None
            return got

        monkeypatch.setattr(ocds, "_streamed_items", spy)


def _same(path: Path, root: Path) -> ocds.OcdsResult:
    """Read ``path`` whole and streamed; assert every output is the same."""
    whole = read_ocds(path, _cfg(root, stream=False))
    streamed = read_ocds(path, _cfg(root, stream=True))
    pd.testing.assert_frame_equal(whole.table, streamed.table)
    for name in ("rejects", "filtered", "warnings"):
        pd.testing.assert_frame_equal(getattr(whole, name), getattr(streamed, name))
    assert whole.stats == streamed.stats
    assert whole.process_items == streamed.process_items
    assert list(whole.process_items) == list(streamed.process_items)
    return streamed


def _award(i: int, ocid: str | None = None, **kw) -> dict:
    return {
        "ocid": ocid or f"ocds-t-{i}",
        "id": f"r{i}",
        "date": f"2021-0{1 + i % 9}-01T00:00:00Z",
        "tag": ["award"],
        "buyer": {"name": f"Ministry {i % 3}"},
        "tender": {
            "procurementMethod": "open",
            "items": [{"id": "1", "classification": {"scheme": "CPV", "id": "48000000"}}],
        },
        "awards": [
            {
                "id": f"a{i}",
                "suppliers": [{"name": f"Supplier {i % 4}"}],
                "value": {"amount": 1000 + i, "currency": "EUR"},
            }
        ],
        **kw,
    }


# ------------------------------------------------------------------ layout


@pytest.mark.parametrize("block", [1, 2, 3, 7, 1 << 24])
def test_layout_cuts_elements_whatever_the_strings_hold(tmp_path, monkeypatch, block):
    monkeypatch.setattr(bulk, "_BLOCK", block)
    tricky = ['a "quoted" ]}, [{', "back\\slash\\", "\\", '\\"', "ünïcødé ]", "{[,:"]
    releases = [{"ocid": t, "k": [t, {"x": t}]} for t in tricky] + [[], {}, 3, "s"]
    doc = {"uri": "x", "releases": releases, "version": "1.1", "n": {"releases": [1]}}
    raw = json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")
    path = tmp_path / "p.json"
    path.write_bytes(raw)
    lay = bulk.layout(path, 0, ("releases", "records"))
    assert lay is not None
    assert set(lay.arrays) == {"releases"}
    got = [json.loads(raw[a:b]) for a, b in lay.arrays["releases"]]
    assert got == releases
    assert json.loads(lay.skeleton) == {**doc, "releases": []}


def test_layout_of_a_top_level_array_and_of_what_it_cannot_cut(tmp_path):
    path = tmp_path / "a.json"
    path.write_text(' [ {"a": 1} , [2], "x" ] \n', encoding="utf-8")
    lay = bulk.layout(path, 0, ("releases",))
    raw = path.read_bytes()
    assert [json.loads(raw[a:b]) for a, b in lay.arrays[""]] == [{"a": 1}, [2], "x"]
    path.write_text("[]", encoding="utf-8")
    assert list(bulk.layout(path, 0, ("releases",)).arrays[""]) == []
    for broken in ['{"releases": [1, 2}', '{"a": "open', "42", '{"a": 1}}']:
        path.write_text(broken, encoding="utf-8")
        assert bulk.layout(path, 0, ("releases",)) is None, broken
    path.write_text('{"a": 1}\n{"b": 2}\n', encoding="utf-8")
    with pytest.raises(bulk.MoreThanOneValue):
        bulk.layout(path, 0, ("releases",))


def test_spilled_groups_hold_every_value_once_in_order():
    groups = bulk.OcidGroups(buckets=5)
    added = [(f"ocid-{i % 37}", i) for i in range(500)]
    for ocid, v in added:
        groups.add(ocid, v)
    seen: dict[str, list[int]] = {}
    for g in groups.groups():
        assert not set(g) & set(seen)  # an ocid lives in one group only
        seen.update(g)
    expected: dict[str, list[int]] = {}
    for ocid, v in added:
        expected.setdefault(ocid, []).append(v)
    assert seen == expected
    assert list(groups.first) == list(expected)  # first-seen order


# -------------------------------------------------- streamed == whole file


def _package(tmp_path: Path, name: str, doc, text: str | None = None) -> Path:
    path = tmp_path / name
    path.write_text(text if text is not None else json.dumps(doc, indent=2), encoding="utf-8")
    return path


def test_streamed_package_equals_whole_file(tmp_path, monkeypatch):
    spy = _Spy(monkeypatch)
    rels = [_award(i) for i in range(12)]
    # The same ocid in releases far apart, a 1.0 release (upgraded), and a
    # process that is filtered (no award).
    rels.append(_award(3, date="2023-01-01T00:00:00Z", id="r3b"))
    rels.append({"ocid": "ocds-t-plan", "id": "p", "date": "2020-01-01", "tag": ["planning"]})
    rels.append({**_award(40), "version": "1.0"})
    # version after the releases: still the package's version
    text = '{"releases": ' + json.dumps(rels) + ', "version": "1.0", "uri": "u"}'
    _same(_package(tmp_path, "after.json", None, text), tmp_path)
    _same(_package(tmp_path, "pkg.json", {"version": "1.1", "releases": rels}), tmp_path)
    _same(_package(tmp_path, "list.json", rels), tmp_path)
    records = [{"ocid": r["ocid"], "compiledRelease": r} for r in rels]
    _same(_package(tmp_path, "rec.json", {"version": "1.1", "records": records}), tmp_path)
    single = {"ocid": "ocds-t-1", "releases": rels[:3]}
    _same(_package(tmp_path, "single.json", single), tmp_path)
    assert spy.streamed == dict.fromkeys(
        ["after.json", "pkg.json", "list.json", "rec.json", "single.json"], True
    )


def test_streamed_json_lines_equal_whole_file(tmp_path, monkeypatch):
    spy = _Spy(monkeypatch)
    lines = [json.dumps(_award(i)) for i in range(6)]
    lines[2] = json.dumps(
        _award(2, buyer={"name": "Ministry\u2028of Health\u0085"}), ensure_ascii=False
    )
    lines.insert(3, "   ")
    lines.insert(4, '{"ocid": "broken"')
    text = "\r\n".join(lines[:3]) + "\r" + "\n".join(lines[3:]) + "\n"
    path = _package(tmp_path, "feed.jsonl", None, text)
    res = _same(path, tmp_path)
    assert spy.streamed["feed.jsonl"]
    assert res.totals["loaded"] == 6
    assert res.rejects["row"].tolist() == [5]  # the broken line, counted across CR, CRLF, LF
    assert "Ministry\u2028of Health" in set(res.table["ministry"])  # one record, not cut
    # no suffix: JSON Lines by its shape, as the whole-file reader decides
    _same(_package(tmp_path, "feed.json", None, "\n".join(lines[:2]) + "\n"), tmp_path)
    assert spy.streamed["feed.json"]


def test_files_read_whole_when_streaming_would_differ(tmp_path, monkeypatch):
    spy = _Spy(monkeypatch)
    good = json.dumps({"version": "1.1", "releases": [_award(1), _award(2)]})
    cases = {
        "broken.json": good[:-10] + ', "x": }',
        "garbage.json": good + " trailing",
        "latin1.json": good.replace("Ministry 1", "Ministère 1"),
        "deep.json": good.replace(
            '"tag"', '"ext": ' + '{"d":' * 3000 + "0" + "}" * 3000 + ', "tag"'
        ),
        "huge.json": good.replace("1001", "9" * 500),
        "blank-first.json": "\n" + json.dumps(_award(1)) + "\n" + json.dumps(_award(2)) + "\n",
    }
    for name, text in cases.items():
        data = text.encode("latin-1" if name == "latin1.json" else "utf-8")
        (tmp_path / name).write_bytes(data)
        _same(tmp_path / name, tmp_path)
    assert spy.streamed == {
        "broken.json": False,
        "garbage.json": False,
        "latin1.json": False,
        "deep.json": False,
        "huge.json": True,  # parsed alike part by part: its release is rejected alone
        "blank-first.json": False,
    }


def test_boms_and_a_folder_of_mixed_sizes(tmp_path, monkeypatch):
    spy = _Spy(monkeypatch)
    body = json.dumps({"version": "1.1", "releases": [_award(i) for i in range(4)]})
    (tmp_path / "one.json").write_bytes(b"\xef\xbb\xbf" + body.encode())
    (tmp_path / "two.json").write_bytes(b"\xef\xbb\xbf" * 3 + json.dumps(_award(1)).encode())
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "three.json").write_text(json.dumps([_award(1), _award(7)]))
    _same(tmp_path, tmp_path)
    assert spy.streamed == {"one.json": True, "two.json": True, "three.json": True}


def test_real_examples_streamed_and_spilled_equal_whole_file(tmp_path, monkeypatch):
    if not EXAMPLES.exists():
        pytest.skip(f"shared real data not found at {EXAMPLES} (set OSPO_REALDATA)")
    spy = _Spy(monkeypatch)
    res = _same(EXAMPLES, tmp_path)
    assert res.totals["loaded"] > 0
    assert spy.streamed and all(spy.streamed.values())


_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]) | st.sampled_from('"\\[]{},:'),
    max_size=12,
)


@settings(
    max_examples=FUZZ, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    names=st.lists(_TEXT, min_size=1, max_size=6),
    ocids=st.lists(st.integers(0, 3), min_size=1, max_size=6),
    indent=st.sampled_from([None, 0, 2]),
    ascii_only=st.booleans(),
    shape=st.sampled_from(["package", "list", "records", "lines"]),
    block=st.sampled_from([1, 2, 5, 64, 1 << 24]),
)
def test_any_strings_stream_to_the_same_result(
    tmp_path_factory, names, ocids, indent, ascii_only, shape, block
):
    root = tmp_path_factory.mktemp("fuzz")
    rels = [
        _award(i, ocid=f"ocds-{ocids[i % len(ocids)]}", buyer={"name": n}, note={n: [n, {n: n}]})
        for i, n in enumerate(names)
    ]
    if shape == "lines":
        text = "\n".join(json.dumps(r, ensure_ascii=ascii_only) for r in rels) + "\n"
        path = root / "f.jsonl"
    else:
        doc = {
            "package": {"releases": rels, "version": "1.1"},
            "list": rels,
            "records": {"records": [{"ocid": r["ocid"], "compiledRelease": r} for r in rels]},
        }[shape]
        text = json.dumps(doc, ensure_ascii=ascii_only, indent=indent)
        path = root / "f.json"
    path.write_text(text, encoding="utf-8")
    default, bulk._BLOCK = bulk._BLOCK, block  # escapes and strings cut across blocks
    try:
        _same(path, root)
    finally:
        bulk._BLOCK = default


# ------------------------------------------------------------------ gzip


def _gz(path: Path, data: bytes) -> Path:
    import gzip

    path.write_bytes(gzip.compress(data))
    return path


def test_gzipped_feeds_read_like_plain_ones(tmp_path):
    """The OCP Data Registry publishes ``.jsonl.gz``: read it, streamed or not,
    and name the archive as the source."""
    rels = [_award(i) for i in range(8)]
    lines = "\n".join(json.dumps(r) for r in rels).encode() + b"\n"
    others = [_award(i) for i in range(100, 106)]
    package = json.dumps({"version": "1.1", "releases": others}).encode()
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "feed.jsonl").write_bytes(lines)
    (plain / "pkg.json").write_bytes(package)
    packed = tmp_path / "packed"
    packed.mkdir()
    _gz(packed / "feed.jsonl.gz", lines)
    _gz(packed / "pkg.json.gz", package)

    def named(t: pd.DataFrame) -> pd.DataFrame:
        names = [Path(f).name.removesuffix(".gz") for f in t["source_file"]]
        return t.assign(source_file=pd.array(names, dtype=t["source_file"].dtype))

    expected = read_ocds(plain, _cfg(plain, stream=False))
    for stream in (False, True):
        got = read_ocds(packed, _cfg(packed, stream=stream))
        pd.testing.assert_frame_equal(named(expected.table), named(got.table))
        assert {Path(f).name for f in got.table["source_file"]} == {
            "feed.jsonl.gz",
            "pkg.json.gz",
        }
        assert set(got.table["source_sheet"]) == {"line", "releases"}
        assert got.totals == expected.totals


def test_broken_gzip_archives_are_refused_with_the_reason(tmp_path, monkeypatch):
    from ospo_analytics._read import archives

    good = json.dumps({"version": "1.1", "releases": [_award(1)]}).encode()
    _gz(tmp_path / "ok.json.gz", good)
    whole = (tmp_path / "ok.json.gz").read_bytes()
    (tmp_path / "cut.json.gz").write_bytes(whole[: len(whole) // 2])
    (tmp_path / "fake.jsonl.gz").write_bytes(b'{"ocid": "not gzip"}\n')
    monkeypatch.setattr(archives, "RATIO_FLOOR_BYTES", 1000)
    _gz(tmp_path / "bomb.json.gz", b" " * 2_000_000 + good)
    res = read_ocds(tmp_path, _cfg(tmp_path, stream=False))
    why = {
        Path(f).name: p for f, p in zip(res.rejects["file"], res.rejects["problem"], strict=True)
    }
    assert set(why) == {"cut.json.gz", "fake.jsonl.gz", "bomb.json.gz"}
    assert "cut short" in why["cut.json.gz"]
    assert "cannot unpack the gzip archive" in why["fake.jsonl.gz"]
    assert "max_compression_ratio" in why["bomb.json.gz"]
    assert res.totals["loaded"] == 1 and res.totals["rejected"] == 3


def test_validate_takes_gzipped_and_ndjson_feeds_as_ocds(tmp_path):
    from ospo_analytics._load import read_procurement

    lines = "\n".join(json.dumps(_award(i)) for i in range(4)).encode() + b"\n"
    (tmp_path / "a.ndjson").write_bytes(lines)
    _gz(tmp_path / "b.jsonl.gz", lines)
    for name in ("a.ndjson", "b.jsonl.gz"):
        res = read_procurement(tmp_path / name, _cfg(tmp_path, stream=False))
        assert len(res.table) == 4, name
        assert set(res.table["process_id"]) == {f"ocds-t-{i}" for i in range(4)}
