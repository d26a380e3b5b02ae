"""``Config.input_paths``: globs expand to existing files, each listed once."""

from __future__ import annotations

from ospo_analytics._config import load_config


def test_overlapping_globs_list_each_file_once_in_first_seen_order(tmp_path):
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    for name in ("b.xlsx", "a.xlsx", "c.csv"):
        (raw / name).write_bytes(b"")
    (tmp_path / "ospo.toml").write_text(
        '[inputs]\ninventory = ["data/raw/b.xlsx", "data/raw/*.xlsx", "data/raw/*"]\n',
        encoding="utf-8",
    )
    cfg = load_config(root=tmp_path)
    names = [p.name for p in cfg.input_paths("inventory")]
    assert names == ["b.xlsx", "a.xlsx", "c.csv"]
