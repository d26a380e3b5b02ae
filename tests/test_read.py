"""Raw reading: encodings, line ends, delimiters, header detection, unusable files."""

from __future__ import annotations

import pytest
import xlsxwriter

from ospo_analytics._read.spreadsheet import (
    FileUnusable,
    decode_lines,
    decode_text,
    find_header,
    guess_legacy_encoding,
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


# Generated legacy exports: names whose accents cp1252 and MacRoman place on
# different bytes, apostrophes and dashes that only cp1252 has, capitals.
LEGACY_NAMES = {
    "fr": ["Ministère de l’Économie", "Société Générale d'Informatique",
           "Systèmes Caraïbes SARL", "SYSTÈMES CARAÏBES SARL", "Agence Française de Développement",
           "Hôpital Saint-Jérôme", "Cœur Numérique", "Noël & Frères", "Île-de-France Mobilités",
           "À la Maison Bâtiment", "Crédit Agricole – Sécurité"],
    "es": ["Compañía Telefónica", "Ministerio de Educación", "Señor Ibáñez y Asociados",
           "Informática Peñalolén S.A.", "Ñandú Tecnología", "Diseño Gráfico Ávila",
           "Pingüino Sistemas", "¿Qué Más? Consultores", "Órgano Único de Contratación"],
    "pt": ["Serviços de Informação São João", "Tecnologia Ação Lda", "Ministério da Saúde",
           "Conceição & Irmãos", "Gestão Pública Eletrônica", "Órgão Regional de Inovação",
           "Açores Digital", "Câmara Municipal de Évora", "Informática Ltda – Filial Três"],
}  # fmt: skip


def _legacy_file(names: list[str], encoding: str, newline: str) -> bytes:
    lines = ["Ministry;Supplier;Amount", *(f"Finance;{n};1" for n in names)]
    return (newline.join(lines) + newline).encode(encoding)


@pytest.mark.parametrize("lang", sorted(LEGACY_NAMES))
@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"])
def test_cp1252_exports_in_french_spanish_portuguese(tmp_path, lang, newline):
    names = LEGACY_NAMES[lang]
    path = tmp_path / f"{lang}.csv"
    path.write_bytes(_legacy_file(names, "cp1252", newline))
    (sheet,) = read_raw(path)
    assert [r[1] for r in sheet.rows[1:]] == names
    assert sheet.notes[0].startswith("encoding cp1252 (")
    # One name alone is little evidence; it must still read right (CR-only
    # line ends count for MacRoman, and still lose to the letters).
    for name in names:
        decoded = decode_lines(_legacy_file([name], "cp1252", newline))
        assert name in decoded.text, decoded.note


@pytest.mark.parametrize("lang", sorted(LEGACY_NAMES))
def test_macroman_exports_with_cr_line_ends(tmp_path, lang):
    names = LEGACY_NAMES[lang]
    path = tmp_path / f"{lang}.csv"
    path.write_bytes(_legacy_file(names, "mac_roman", "\r"))
    (sheet,) = read_raw(path)
    assert [r[1] for r in sheet.rows[1:]] == names
    assert sheet.notes[0].startswith("encoding mac_roman (")
    assert "CR-only line ends" in sheet.notes[0]
    assert list(sheet.row_numbers) == list(range(1, len(names) + 2))
    for name in names:
        for newline in ("\r", "\n"):  # the letters decide without the line ends too
            decoded = decode_lines(_legacy_file([name], "mac_roman", newline))
            assert name in decoded.text, decoded.note


def test_even_evidence_prefers_cp1252_and_says_so():
    # A lone 0xE9 is "é" in cp1252 and "È" in MacRoman: nothing to choose.
    enc, reason = guess_legacy_encoding(b"a;\xe9;b\n")
    assert enc == "cp1252" and "even evidence: cp1252 preferred" in reason
    # Bytes cp1252 leaves undefined (0x8F, 0x9D) rule it out.
    enc, reason = guess_legacy_encoding("Père Noël".encode("mac_roman") + b"\x8f\x9d")
    assert enc == "mac_roman" and "cp1252 cannot decode it" in reason


def test_the_load_report_says_why_an_encoding_was_chosen(tmp_path):
    path = tmp_path / "legacy.csv"
    path.write_bytes(_legacy_file(LEGACY_NAMES["fr"], "cp1252", "\r\n"))
    (sheet,) = read_raw(path)
    note = sheet.notes[0]
    assert "accented letter(s) read as words" in note and "mac_roman" in note
    assert note.endswith("delimiter ';'")


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
