"""The map between modules is true: no import cycle, no hidden import, the layers kept.

docs/architecture.md describes the layers; pyproject.toml declares them for import-linter.
These tests read the source only (nothing is imported but the linter), so they need no database.
"""

import ast
from pathlib import Path

import grimp
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent
APPS = ("casework", "mdt", "referrals", "providers", "audit", "measures")


def app_files():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def import_graph() -> dict[str, set[str]]:
    """Module -> the app modules it imports (at module level or inside a function)."""
    graph = grimp.build_graph(*APPS, exclude_type_checking_imports=True)
    modules = {m for m in graph.modules if ".migrations" not in m}
    return {m: graph.find_modules_directly_imported_by(m) & modules for m in modules}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.get(module, ())):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_the_cycle_finder_finds_a_cycle_and_nothing_else():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_import_graph_of_app_code_has_no_cycle():
    assert cycles(import_graph()) == []


def _lazy_app_imports(path: Path):
    """(line, function, module) for each import of an app module inside a function."""
    source = path.read_text()
    lines = source.splitlines()
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                if name.split(".")[0] in APPS:
                    said_why = "#" in lines[node.lineno - 1] or lines[node.lineno - 2].strip(
                    ).startswith("#")
                    yield node.lineno, function.name, name, said_why


def test_no_function_imports_an_app_module_without_saying_why():
    """AppConfig.ready is where Django wants late imports; anywhere else, a comment says why."""
    unexplained = [
        f"{path.relative_to(ROOT)}:{line} {function}() imports {module}"
        for path in app_files()
        for line, function, module, said_why in _lazy_app_imports(path)
        if function != "ready" and not said_why
    ]
    assert unexplained == []


def test_the_lazy_import_check_sees_an_unexplained_import(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from casework import access\n\n"
                     "def g():\n    # why\n    from casework import roles\n")
    assert [(f, said) for _, f, _, said in _lazy_app_imports(probe)] == [("f", False),
                                                                        ("g", True)]


def test_no_star_import_in_app_code():
    stars = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in app_files()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names)
    ]
    assert stars == []


def test_the_import_contracts_are_kept(monkeypatch):
    """The same check as `lint-imports` in CI (contracts in pyproject.toml)."""
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True,
                        no_logo=True) == 0
