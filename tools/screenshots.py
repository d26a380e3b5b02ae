"""Regenerate the report screenshots in ``docs/img/`` from a demo run.

Writes the demo country into a temporary project (fixed analysis date, so the
pictures only change when the reports do), runs ``ospo-analytics run`` for
one ministry (HTML only) and photographs, with headless Chromium at 1400 px:

* ``docs/img/national.png``: the national overview;
* ``docs/img/ministry.png``: the report of ``--ministry`` (default Ministry of Health);
* with ``--lang es`` (fr, pt): only ``docs/img/ministry_es.png``, the same report in
  that language.

Each picture is the top of the page (``--height`` px, default 2400), trimmed of
trailing white space and stored with a 256-colour palette to keep the
repository small. Needs ``chromium``. Run from the repository root::

    .venv/bin/python tools/screenshots.py
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageChops

ROOT = Path(__file__).resolve().parent.parent
IMG = ROOT / "docs" / "img"
AS_OF = "2026-06-30"


def _shoot(chromium: str, html: Path, png: Path, width: int, height: int) -> None:
    """Screenshot ``html`` (network off) into ``png``, trimmed and palettised."""
    with tempfile.TemporaryDirectory(prefix="ospo-shot-") as profile:
        raw = Path(profile) / "raw.png"
        cmd = [
            chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--no-first-run", "--disable-extensions", f"--user-data-dir={profile}",
            "--proxy-server=127.0.0.1:9", f"--window-size={width},{height}",
            f"--screenshot={raw}", html.resolve().as_uri(),
        ]  # fmt: skip
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)
        img = Image.open(raw).convert("RGB")
    white = Image.new("RGB", img.size, "white")
    box = ImageChops.difference(img, white).getbbox()
    if box:  # keep the full width, drop the blank bottom
        img = img.crop((0, 0, img.width, min(img.height, box[3] + 24)))
    png.parent.mkdir(parents=True, exist_ok=True)
    img.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(png, optimize=True)
    print(f"wrote {png.relative_to(ROOT)} ({img.width}x{img.height})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ministry", default="Ministry of Health")
    ap.add_argument("--width", type=int, default=1400)
    ap.add_argument("--height", type=int, default=2400)
    ap.add_argument("--lang", default="en", help="report language: en, es, fr, pt")
    args = ap.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("chromium not found: install it (e.g. apt-get install chromium)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="ospo-screens-") as tmp:
        project = Path(tmp)
        (project / "ospo.toml").write_text(
            f'[project]\nname = "Republic of Tamarind (demo)"\nas_of = "{AS_OF}"\n'
            'currency = "TTD"\n',
            encoding="utf-8",
        )
        cmd = [sys.executable, "-m", "ospo_analytics", "run", "--formats", "html",
               "--ministry", args.ministry, "--jobs", "2", "--lang", args.lang]  # fmt: skip
        res = subprocess.run(cmd, cwd=project, capture_output=True, text=True)
        if res.returncode != 0:
            print(res.stdout[-3000:] + res.stderr[-3000:], file=sys.stderr)
            return 1
        latest = project / "reports" / "latest"
        ministry = next(p for p in latest.iterdir() if p.is_dir() and p.name != "national")
        if args.lang != "en":
            _shoot(chromium, ministry / "report.html", IMG / f"ministry_{args.lang}.png",
                   args.width, args.height)  # fmt: skip
            return 0
        _shoot(chromium, latest / "national" / "report.html", IMG / "national.png",
               args.width, args.height)  # fmt: skip
        _shoot(chromium, ministry / "report.html", IMG / "ministry.png",
               args.width, args.height)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
