"""Raw reading: encodings, line ends, delimiters, header detection, unusable files."""

from __future__ import annotations

import pytest
import xlsxwriter

from ospo_analytics._read.spreadsheet import (
    FileUnusable,
    decode_text,
    find_header,
    norm_header,
    read_raw,
)

ROWS = [["Ministerio", "Proveedor", "Monto"], ["Educación", "Société Générale", "1.234,50"]]


@pytest.mark.parametrize("encoding", ["cp1252", "mac_roman", "utf-8-sig", "utf-16"])
@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"])
def test_text_exports_decode_to_the_same_cells(tmp_path, encoding, newline):
    path = tmp_path / "export.csv"
    path.write_bytes((newline.join(";".join(r) for r in ROWS) + newline).encode(encoding))
    (sheet,) = read_raw(path)
    assert sheet.rows[:2] == ROWS


def test_delimiter_is_sniffed(tmp_path):
    for delim in [",", ";", "\t", "|"]:
        path = tmp_path / "x.csv"
        path.write_text("\n".join(delim.join(r) for r in [["a", "b"], ["1", "2"], ["3", "4"]]))
        assert read_raw(path)[0].rows[1] == ["1", "2"]


def test_cp1252_is_not_mistaken_for_mac_roman():
    text = "Ministère de l'Éducation; Société; Señor; Ação"
    for enc in ("cp1252", "mac_roman"):
        decoded, used = decode_text(text.encode(enc))
        assert decoded == text, used


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (b"\x00\x01garbage\xff" * 50, "not a valid .xlsx"),
    ],
)
def test_unusable_workbooks_say_why(tmp_path, content, message):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    with pytest.raises(FileUnusable, match=message):
        read_raw(path)


def test_unsupported_extension(tmp_path):
    path = tmp_path / "notes.docx"
    path.write_bytes(b"hello")
    with pytest.raises(FileUnusable, match="unsupported file type"):
        read_raw(path)


def test_header_found_under_title_rows_and_blank_rows(tmp_path):
    path = tmp_path / "t.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Contratos 2021")
    ws.write(0, 0, "República de Tamarindo — contratos TIC")
    ws.write_row(3, 0, ["Entidad", "Proveedor", "Valor del contrato", "Notas"])
    ws.write_row(4, 0, ["Salud", "ACME", 10.5, "x"])
    wb.close()
    (sheet,) = read_raw(path)
    index = {"entidad": "ministry", "proveedor": "supplier", "valor del contrato": "amount"}
    pos, mapping = find_header(sheet.rows, index)
    assert pos == 3
    assert mapping == {0: "ministry", 1: "supplier", 2: "amount"}


def test_norm_header_ignores_case_accents_punctuation():
    assert norm_header("  Fecha_de_Adjudicación ") == norm_header("fecha de adjudicacion")
    assert norm_header(None) == ""
