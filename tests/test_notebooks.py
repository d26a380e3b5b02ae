"""The exploration notebook runs top to bottom on a project, through the public API."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import papermill as pm

ROOT = Path(__file__).resolve().parents[1]


def test_explore_notebook_runs_on_the_demo_country(tmp_path):
    demo = ROOT / "data" / "raw" / "demo"
    (tmp_path / "ospo.toml").write_text(
        "[project]\nas_of = '2026-01-15'\n[inputs]\n"
        f"inventory = ['{(demo / 'inventory_*.xlsx').as_posix()}']\n"
        f"procurement = ['{(demo / 'procurement_*.xlsx').as_posix()}', "
        f"'{(demo / 'procurement_*.csv').as_posix()}']\n"
        f"questionnaire = ['{(demo / 'questionnaire*.xlsx').as_posix()}']\n"
    )
    (tmp_path / "notebooks").mkdir()
    nb_path = tmp_path / "notebooks" / "explore.ipynb"
    shutil.copy(ROOT / "notebooks" / "explore.ipynb", nb_path)
    pm.execute_notebook(str(nb_path), str(nb_path), kernel_name="python3",
                        cwd=str(nb_path.parent), progress_bar=False)  # fmt: skip
    nb = nbformat.read(nb_path, as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    text = "\n".join(
        "".join(o.get("data", {}).get("text/plain", "")) for c in nb.cells
        for o in c.get("outputs", [])
    )  # fmt: skip
    assert "lock-in" in text and "Main drivers" in text  # the explanation
    assert "rank_after" in text and "p_top10" in text  # rescoring and sensitivity
    # By name, ambiguity explained, one ministry's view, the IT view, a readiness weight.
    assert "JUS-001 Court case management" in text
    streams = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "matches 4 systems" in streams and "HEA-007" in streams
    assert "Ministry of Health\nReadiness stage" in text and "questionnaire" in text
    assert "non-IT rows left out of the reports" in streams
    assert "readiness_score_without_questionnaire" in text
    # The project's processed tables were written under the project, not the repo.
    assert (tmp_path / "data" / "processed" / "inventory.parquet").exists()


def test_committed_notebooks_have_no_outputs_and_match_the_generator(tmp_path):
    import subprocess
    import sys

    for nb_file in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(nb_file, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, nb_file.name
    before = {p.name: p.read_bytes() for p in (ROOT / "notebooks").glob("*.ipynb")}
    script = (ROOT / "tools" / "build_notebooks.py").read_text()
    script = script.replace(
        'OUT = ROOT / "notebooks"', f'OUT = __import__("pathlib").Path(r"{tmp_path}")'
    )
    (tmp_path / "gen.py").write_text(script)
    subprocess.run([sys.executable, str(tmp_path / "gen.py")], check=True, capture_output=True)
    for name, data in before.items():
        assert (tmp_path / name).read_bytes() == data, f"re-run tools/build_notebooks.py ({name})"


def test_report_notebooks_use_the_public_api_only():
    """Notebooks import ``ospo_analytics.notebook`` and public names, nothing
    private, and every name they call exists there."""
    import json
    import re

    import ospo_analytics.notebook as public

    for path in sorted(Path(__file__).parents[1].glob("notebooks/*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        src = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        assert not re.search(r"ospo_analytics\._", src), path.name
        for name in set(re.findall(r"\br\.([A-Za-z_]\w*)", src)):
            assert name in public.__all__, (path.name, name)
