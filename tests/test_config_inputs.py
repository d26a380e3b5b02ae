"""``Config.input_paths``: globs expand to existing files, each listed once."""

from __future__ import annotations

import pytest

from ospo_analytics._config import ConfigError, load_config


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


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        # One letter off left every amount a million times too small, silently.
        ("[scale.procurement]\namounts = 1000000\n", r"no numeric column 'amounts'.*'amount'"),
        (
            "[scale.procurment]\namount = 1000000\n",
            r"unknown table \[scale.procurment\].*'procurement'",
        ),
        ("[scale.procurement]\nsupplier = 2\n", "no numeric column 'supplier'"),
        ('[values.methd]\nY = "open"\n', r"unknown table \[values.methd\].*'method'"),
        ('[columns.procurment]\namount = ["Value"]\n', r"unknown table \[columns.procurment\]"),
        ('[columns.procurement]\nammount = ["Value"]\n', r"no column 'ammount'.*'amount'"),
    ],
)
def test_typos_in_free_tables_are_config_errors(tmp_path, toml, message):
    (tmp_path / "ospo.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(root=tmp_path)


def test_free_tables_accept_every_column_they_can_act_on(tmp_path):
    (tmp_path / "ospo.toml").write_text(
        "[scale.procurement]\namount = 1e6\noriginal_amount = 1e6\n"
        "[scale.inventory]\nannual_cost = 1000\n"
        '[values.method]\n"Licitación pública" = "open"\n'
        '[values.hosting]\n"Nube" = "foreign"\n'
        '[columns.questionnaire]\nanswer = ["Respuesta"]\n',
        encoding="utf-8",
    )
    cfg = load_config(root=tmp_path)
    assert cfg.value_map("hosting") == {"Nube": "foreign"}
    assert cfg.column_aliases("questionnaire") == {"answer": ["Respuesta"]}
