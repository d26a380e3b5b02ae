"""Scoring runs independent steps on a second core: the results must not
depend on it, and a failing step must fail the run with its own error."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from ospo_analytics import _lanes as lanes
from ospo_analytics._score.details import DETAIL_TABLES
from ospo_analytics._score.systems import score
from tests.conftest import build_country

TABLES = ("systems", "factors", "ministries", "opportunities", "links", *DETAIL_TABLES)


def _score(folder: Path, parallel: bool, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(lanes, "ENABLED", parallel)
    # A one-core runner would run in line either way: force a real second lane.
    monkeypatch.setattr(lanes, "_spare_core", lambda: True)
    inv = pd.read_parquet(folder / "inventory.parquet")
    proc = pd.read_parquet(folder / "procurement.parquet")
    return score(inv, proc, as_of=dt.date(2025, 1, 1))


@pytest.mark.parametrize("n_systems, n_rows", [(6, 60), (400, 20_000)])
def test_scores_equal_with_and_without_second_lane(tmp_path, monkeypatch, n_systems, n_rows):
    folder = build_country(
        tmp_path / "processed",
        ministries=("Ministry of Health", "Ministry of Finance", "Tax Office", "Ministry X"),
        n_systems=n_systems,
        n_rows=n_rows,
    )
    one = _score(folder, False, monkeypatch)
    two = _score(folder, True, monkeypatch)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(one, name), getattr(two, name), check_exact=True)
    assert one.systems.attrs == two.systems.attrs
    assert len(one.factors) > 0 and one.ministries["ministry"].nunique() == 4


@pytest.mark.parametrize("enabled", [True, False])
def test_background_step_runs_once_and_returns(monkeypatch, enabled):
    monkeypatch.setattr(lanes, "ENABLED", enabled)
    monkeypatch.setattr(lanes, "_spare_core", lambda: True)
    calls: list[int] = []

    def step(x: int) -> int:
        calls.append(threading.get_ident())
        return x * 2

    job = lanes.Background(step, 21)
    assert job.result() == 42
    assert job.result() == 42
    assert len(calls) == 1
    # In a second lane only when enabled.
    assert (calls[0] != threading.get_ident()) is enabled


@pytest.mark.parametrize("enabled", [True, False])
def test_background_step_error_reaches_the_caller(monkeypatch, enabled):
    monkeypatch.setattr(lanes, "ENABLED", enabled)

    def step() -> None:
        raise ValueError("profile key [reuse] suppliers_cap is not a number")

    job = lanes.Background(step)
    with pytest.raises(ValueError, match="suppliers_cap"):
        job.result()


def test_failing_inventory_lane_fails_score_with_its_error(tmp_path, monkeypatch):
    folder = build_country(tmp_path / "processed")
    from ospo_analytics._score import systems

    def broken(*args):
        raise KeyError("no such factor")

    monkeypatch.setattr(systems, "_inventory_lane", broken)
    with pytest.raises(KeyError, match="no such factor"):
        _score(folder, True, monkeypatch)


def test_ministries_from_prepared_procurement_equal_plain_call(tmp_path):
    # score() hands the ministry step its procurement half made beforehand;
    # the ministry step called on its own must give the same tables.
    from ospo_analytics._score.ministries import prepare_procurement, score_ministries
    from ospo_analytics._score.profile import load_profile

    folder = build_country(tmp_path / "processed", n_systems=30, n_rows=3000)
    inv = pd.read_parquet(folder / "inventory.parquet")
    proc = pd.read_parquet(folder / "procurement.parquet")
    res = score(inv, proc, as_of=dt.date(2025, 1, 1))
    prof = load_profile()
    # The generated systems' scores are all below the band floor (confidence
    # 0.28-0.4): lower it so the lock-in exposure is computed and compared.
    prof.data["lockin"]["bands"]["min_confidence"] = 0.0
    kw = dict(
        inventory=inv,
        systems=res.systems,
        questionnaire=None,
        profile=prof,
        as_of=dt.date(2025, 1, 1),
        factors=res.factors,
    )
    m1, o1, make1 = score_ministries(procurement=proc, links=res.links, **kw)
    pp = prepare_procurement(proc, res.links, prof)
    m2, o2, make2 = score_ministries(procurement=None, links=None, prepared=pp, **kw)
    d1, d2 = make1(), make2()
    pd.testing.assert_frame_equal(m1, m2, check_exact=True)
    pd.testing.assert_frame_equal(o1, o2, check_exact=True)
    assert d1.keys() == d2.keys() == set(DETAIL_TABLES)
    for name in DETAIL_TABLES:
        pd.testing.assert_frame_equal(d1[name], d2[name], check_exact=True)
    assert m1["lockin_exposure"].notna().any()


def test_detail_tables_are_made_on_first_read_once_and_equal_the_ministry_step(
    tmp_path, monkeypatch
):
    # score() leaves the detail tables (read by reports and exports only) to
    # be made when one is first read; they must be the tables the ministry
    # step makes when asked for them, and made once for all of them.
    from ospo_analytics._score import ministries
    from ospo_analytics._score.ministries import score_ministries

    folder = build_country(tmp_path / "processed", n_systems=30, n_rows=3000)
    inv = pd.read_parquet(folder / "inventory.parquet")
    proc = pd.read_parquet(folder / "procurement.parquet")
    calls: list[int] = []
    made = ministries.ministry_details

    def counted(*args, **kw):
        calls.append(1)
        return made(*args, **kw)

    monkeypatch.setattr(ministries, "ministry_details", counted)
    res = score(inv, proc, as_of=dt.date(2025, 1, 1))
    assert calls == []
    assert len(res.suppliers) > 0 and calls == [1]
    _, _, make_details = score_ministries(
        inventory=inv,
        procurement=proc,
        links=res.links,
        systems=res.systems,
        questionnaire=None,
        profile=res.profile,
        as_of=dt.date(2025, 1, 1),
        factors=res.factors,
    )
    eager = make_details()
    calls.clear()
    for name in DETAIL_TABLES:
        pd.testing.assert_frame_equal(getattr(res, name), eager[name], check_exact=True)
    assert calls == []  # every table came from the one first making
    assert res.make_details is None  # the procurement it held is let go


def test_scores_written_with_detail_tables_that_fail_replace_nothing(tmp_path):
    # to_parquet makes the detail tables while it writes the others: if making
    # them fails, the folder keeps the last good run's tables, and no temp file.
    folder = build_country(tmp_path / "processed", n_systems=30, n_rows=3000)
    inv = pd.read_parquet(folder / "inventory.parquet")
    proc = pd.read_parquet(folder / "procurement.parquet")
    good = score(inv, proc, as_of=dt.date(2025, 1, 1))
    out = tmp_path / "scores"
    good.to_parquet(out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert {f"{t}.parquet" for t in DETAIL_TABLES} <= before.keys()

    def broken():
        raise RuntimeError("detail tables failed")

    bad = score(inv.head(10), proc, as_of=dt.date(2024, 1, 1))
    bad.make_details = broken  # in place of the scorer's
    with pytest.raises(RuntimeError, match="detail tables failed"):
        bad.to_parquet(out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_prefetched_items_come_in_order_and_a_failure_where_it_happened(monkeypatch):
    monkeypatch.setattr(lanes, "ENABLED", True)
    monkeypatch.setattr(lanes, "_spare_core", lambda: True)
    producer: list[int] = []

    def items():
        for i in range(50):
            producer.append(threading.get_ident())
            yield i
        raise ValueError("bad block")

    got = []
    with pytest.raises(ValueError, match="bad block"):
        for x in lanes.prefetched(items(), ahead=3):
            got.append(x)
    assert got == list(range(50))  # every item before the failure, in order
    assert set(producer) != {threading.get_ident()}  # made on the worker thread


def test_prefetched_producer_stops_when_the_consumer_stops(monkeypatch):
    monkeypatch.setattr(lanes, "ENABLED", True)
    monkeypatch.setattr(lanes, "_spare_core", lambda: True)
    made: list[int] = []
    closed = threading.Event()

    def items():
        try:
            for i in range(10_000):
                made.append(i)
                yield i
        finally:
            closed.set()

    it = lanes.prefetched(items(), ahead=2)
    assert [next(it) for _ in range(3)] == [0, 1, 2]
    it.close()  # the consumer gives up early (an error of its own, say)
    assert closed.wait(5)  # the producer was let go, not left blocked
    assert len(made) < 10  # and it did not read on


def test_prefetched_without_a_spare_core_is_the_iterator_itself(monkeypatch):
    monkeypatch.setattr(lanes, "_spare_core", lambda: False)
    it = iter([1, 2])
    assert lanes.prefetched(it) is it


def test_in_order_results_come_in_order_with_a_failure_at_its_place(monkeypatch):
    monkeypatch.setattr(lanes, "ENABLED", True)
    monkeypatch.setattr(lanes, "_spare_core", lambda: True)
    threads: set[int] = set()

    def fn(x: int) -> int:
        threads.add(threading.get_ident())
        if x == 7:
            raise ValueError("chunk 7")
        return x * 10

    got = []
    with pytest.raises(ValueError, match="chunk 7"):
        for y in lanes.in_order(fn, range(20)):
            got.append(y)
    assert got == [x * 10 for x in range(7)]  # every result before the failure, in order
    assert threading.get_ident() not in threads  # each call ran on a second lane


def test_in_order_without_a_spare_core_runs_each_call_in_line(monkeypatch):
    monkeypatch.setattr(lanes, "_spare_core", lambda: False)
    threads: set[int] = set()

    def fn(x: int) -> int:
        threads.add(threading.get_ident())
        return -x

    assert list(lanes.in_order(fn, [3, 1, 2])) == [-3, -1, -2]
    assert threads == {threading.get_ident()}


def _demo_inputs(folder: Path):
    from ospo_analytics import load_config, load_inputs, write_demo

    write_demo(folder)
    return load_inputs(load_config(root=folder), progress=False)


@pytest.mark.parametrize("parallel", [True, False])
def test_processed_files_are_the_same_with_the_tables_written_on_a_second_lane(
    tmp_path, monkeypatch, parallel
):
    """``write_processed`` writes the canonical tables beside the review files:
    the same files, byte for byte, in the same order as in line."""
    from ospo_analytics import write_processed

    inputs = _demo_inputs(tmp_path / "demo")
    monkeypatch.setattr(lanes, "_spare_core", lambda: True)
    monkeypatch.setattr(lanes, "ENABLED", False)
    one = write_processed(inputs, tmp_path / "one")
    monkeypatch.setattr(lanes, "ENABLED", parallel)
    two = write_processed(inputs, tmp_path / "two")
    assert [p.name for p in one] == [p.name for p in two]
    assert {p.suffix for p in one} == {".parquet", ".csv"}
    for a, b in zip(one, two, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_a_failing_review_file_leaves_the_last_load_as_it_was(tmp_path, monkeypatch):
    """A failure on the main lane (a CSV that cannot be written) is the error
    the user sees; the tables written beside it finish, and nothing replaces
    the last load's files: no new table beside old accounting files, and no
    temporary file left in the processed folder."""
    from ospo_analytics import _processed, write_processed

    inputs = _demo_inputs(tmp_path / "demo")
    out = tmp_path / "processed"
    first = write_processed(inputs, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert {p.name for p in first} == set(before)

    inputs.procurement.table = inputs.procurement.table.iloc[:10]  # a new load
    monkeypatch.setattr(lanes, "_spare_core", lambda: True)
    real_write = _processed.Staged.write

    def full_disk(self, target, write):
        if Path(target).name == "vendor_merges.csv":
            raise OSError(28, "No space left on device")
        if Path(target).suffix == ".parquet":
            time.sleep(0.2)  # still writing the tables when the main lane fails
        return real_write(self, target, write)

    monkeypatch.setattr(_processed.Staged, "write", full_disk)
    with pytest.raises(OSError, match="No space left"):
        write_processed(inputs, out)
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert after == before
