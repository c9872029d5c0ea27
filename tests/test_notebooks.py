"""Every notebook in notebooks/ executes from top to bottom without error."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_executes(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    errors = [output for cell in notebook.cells if cell.cell_type == "code"
              for output in cell.get("outputs", []) if output.get("output_type") == "error"]
    assert not errors


def test_the_expansion_notebook_runs_for_another_scenario_through_papermill(
    tmp_path: Path,
) -> None:
    import papermill

    root = NOTEBOOKS[0].parent.parent
    out = tmp_path / "two_nodes.ipynb"
    papermill.execute_notebook(
        str(root / "notebooks" / "expansion.ipynb"), str(out), cwd=str(root),
        kernel_name="python3", progress_bar=False,
        parameters={"scenario_file": "scenarios/two_nodes.yaml",
                    "changes": ["horizon_days=40", "warmup_days=5"], "reps": 2, "workers": 1,
                    "focus_region": "ca", "focus_channel": "marketplace",
                    "plan_changes": [], "on_time": 0.9, "fill_rate": 0.9},
    )
    notebook = nbformat.read(out, as_version=4)
    tags = [cell.metadata.get("tags", []) for cell in notebook.cells]
    assert tags.index(["injected-parameters"]) == tags.index(["parameters"]) + 1
    texts = [output.get("text", "") + output.get("data", {}).get("text/plain", "")
             for cell in notebook.cells if cell.cell_type == "code"
             for output in cell.get("outputs", [])]
    # The verdict on the scenario's own regions; no contacts to plot (it only sells), but the
    # stock of both nodes that serve Canada, delivery and cost; the promise plan of both regions.
    assert any(" us " in text and " ca " in text and "verdict" in text for text in texts)
    assert any("nothing to plot: no contacts in region 'ca'" in text for text in texts)
    images = [output for cell in notebook.cells if cell.cell_type == "code"
              for output in cell.get("outputs", []) if "image/png" in output.get("data", {})]
    assert len(images) == 4
    assert any("recommended_promise_days" in text and "ca" in text and "marketplace" in text
               for text in texts)
    # The stock plan of both nodes, each product.
    assert any("first_inbound_order_by" in text and "ca_3pl" in text and "us_fc" in text
               and "gadget" in text for text in texts)
