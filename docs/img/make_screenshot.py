"""Render docs/img/inventory_template.png from a freshly written template.

Needs LibreOffice (``libreoffice-calc``) and poppler (``pdftoppm``); the
Carlito font (``fonts-crosextra-carlito``) makes the rendering match Excel's
Calibri widths. Run from the repository root::

    .venv/bin/python docs/img/make_screenshot.py [--lang en]
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

import openpyxl
from openpyxl.worksheet.properties import PageSetupProperties
from PIL import Image, ImageOps

from ospo_analytics import write_templates

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lang", default="en")
    ap.add_argument("--columns", default="F", help="last column shown")
    ap.add_argument("--rows", type=int, default=9, help="last row shown")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        path = write_templates(tmpdir, lang=args.lang)[0]
        # Print settings for the picture only: the first columns on one page,
        # with empty rows drawn as cells so it looks like the opened sheet.
        wb = openpyxl.load_workbook(path)
        ws = wb.worksheets[0]
        ws.print_area = f"A1:{args.columns}{args.rows}"
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 1
        ws.print_options.gridLines = True
        for other in wb.worksheets[1:]:
            other.sheet_state = "hidden"
        shot = tmpdir / "shot.xlsx"
        wb.save(shot)
        subprocess.run(
            [
                "libreoffice",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(tmpdir),
                str(shot),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        out = tmpdir / "page"
        subprocess.run(
            ["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile",
             str(tmpdir / "shot.pdf"), str(out)],
            check=True,
        )  # fmt: skip
        target = HERE / f"inventory_template{'' if args.lang == 'en' else '_' + args.lang}.png"
        # Crop the page's white margins so the sheet fills the picture.
        img = Image.open(out.with_suffix(".png")).convert("RGB")
        box = ImageOps.invert(img).getbbox()
        if box:
            pad = 12
            img = img.crop((max(box[0] - pad, 0), max(box[1] - pad, 0),
                            min(box[2] + pad, img.width), min(box[3] + pad, img.height)))  # fmt: skip
        img.save(target, optimize=True)
        print(f"wrote {target}")


if __name__ == "__main__":
    main()
