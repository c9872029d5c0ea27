"""The package's shape: data flows one way, scenario -> model -> results -> plan/report/cli.

Each layer may import only the layers listed for it. The closed forms (``cxsim.theory``) sit
below everything and import nothing else of cxsim, so results and planners can both use them;
nothing below the planners, the report or the command line imports them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "cxsim"

# Layer of a module: its first name below ``cxsim`` (``cxsim.run`` is ``run``).
ALLOWED: dict[str, set[str]] = {
    "theory": set(),
    "scenario": {"theory"},
    "model": {"scenario", "theory"},
    "results": {"model", "scenario", "theory"},
    "executors": {"model", "scenario"},
    "progress": set(),
    "run": {"executors", "model", "progress", "results", "scenario"},
    "sweep": {"executors", "model", "progress", "results", "run", "scenario"},
    "plan": {"executors", "model", "progress", "results", "run", "scenario", "theory"},
    "report": {"results", "scenario", "theory"},
    "__main__": {"cli"},
    "cli": {"executors", "model", "plan", "progress", "report", "results", "run", "scenario",
            "sweep", "theory"},
}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _type_only(tree: ast.AST) -> set[int]:
    """Ids of the import nodes under ``if TYPE_CHECKING:``: for annotations, not run."""
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            ids |= {id(inner) for part in node.body for inner in ast.walk(part)}
    return ids


def _imports() -> dict[str, set[str]]:
    """Module name -> the cxsim modules it imports when run (at any depth of the file)."""
    found: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(relative.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        name = ".".join(parts)
        targets: set[str] = set()
        tree = ast.parse(path.read_text(), str(path))
        type_only = _type_only(tree)
        for node in ast.walk(tree):
            if id(node) in type_only:
                continue
            if isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names if alias.name.startswith("cxsim")}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and (
                node.module.startswith("cxsim")
            ):
                targets.add(node.module)
        found[name] = targets
    return found


def test_every_module_belongs_to_a_known_layer() -> None:
    layers = {_layer(name) for name in _imports()} - {""}
    assert layers <= set(ALLOWED), f"unknown layers: {sorted(layers - set(ALLOWED))}"


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_a_layer_imports_only_the_layers_below_it(layer: str) -> None:
    wrong = []
    for name, targets in _imports().items():
        if _layer(name) != layer:
            continue
        for target in targets:
            other = _layer(target)
            if other and other != layer and other not in ALLOWED[layer]:
                wrong.append(f"{name} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_the_import_graph_has_no_cycle() -> None:
    graph = _imports()
    modules = set(graph)

    def resolve(target: str) -> str | None:
        # ``from cxsim.x import name`` may name a module or a name inside ``cxsim.x``.
        while target and target not in modules:
            target = target.rpartition(".")[0]
        return target or None

    edges = {name: {t for t in map(resolve, targets) if t and t != name}
             for name, targets in graph.items()}
    # A package's __init__ re-exporting its own modules is not a cycle of concepts: leave out
    # the edge from a package to its own children.
    for name, targets in edges.items():
        edges[name] = {t for t in targets if not t.startswith(name + ".")}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt):], nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)


# A module holds one concept and reads top to bottom; past this size it holds several.
MODULE_LINES = 600


def test_every_module_holds_one_concept_at_most_600_lines() -> None:
    sizes = {str(path.relative_to(PACKAGE.parent)):
             len(path.read_text(encoding="utf-8").splitlines())
             for path in PACKAGE.rglob("*.py")}
    assert len(sizes) > 50
    too_long = {name: lines for name, lines in sizes.items() if lines > MODULE_LINES}
    assert not too_long, too_long


def _assert_runs_in_a_fresh_interpreter(code: str) -> None:
    """Run ``code`` in a new Python process (nothing imported yet) from the repository root."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=PACKAGE.parent)
    assert done.returncode == 0, done.stderr


def test_commands_that_draw_nothing_do_not_load_the_drawing_library() -> None:
    """matplotlib takes about half a second to import: ``cxsim validate``, ``cxsim run
    --no-report`` and every worker process of a run start without it; the report loads it."""
    _assert_runs_in_a_fresh_interpreter(
        "import sys, cxsim, cxsim.cli, cxsim.run, cxsim.executors\n"
        "assert 'matplotlib' not in sys.modules, 'loaded at start'\n"
        "from cxsim.report import build_report\n"
        "assert 'matplotlib' in sys.modules, 'the report draws with it'\n")


def test_a_run_and_its_launch_checks_do_not_load_scipy_stats() -> None:
    """scipy.stats takes more than half a second and 60 MB to import; a run's confidence
    intervals and its launch checks (the lead-time quantile of first stock) use scipy.special's
    functions, the ones scipy.stats calls, so ``cxsim run`` never loads it."""
    _assert_runs_in_a_fresh_interpreter(
        "import sys, cxsim\n"
        "from cxsim.scenario.loading import load_scenario\n"
        "scenario = load_scenario('scenarios/expansion_eu.yaml',\n"
        "                         ['horizon_days=40', 'warmup_days=0'])\n"
        "results = cxsim.run(scenario, reps=2)\n"
        "assert len(results.launch) > 0, 'no launch was checked'\n"
        "assert results.summary['ci_low'].notna().any(), 'no interval was computed'\n"
        "assert 'scipy.stats' not in sys.modules, 'scipy.stats was loaded'\n")
