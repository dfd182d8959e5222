"""The package's shape: modules that import each other in one direction, and say why they wait.

Read from the source with ``ast`` (nothing is imported), so a cycle is found even where it
only closes inside a function that the other tests never call.
"""

from __future__ import annotations

import ast
import functools
import io
import re
import tokenize
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "jtai_cli"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


@functools.cache
def _source(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@functools.cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(_source(path))


def _for_types_only(node: ast.AST) -> bool:
    """``if TYPE_CHECKING:``: imports the type checker reads and Python never runs."""
    return isinstance(node, ast.If) and ast.unparse(node.test) in (
        "TYPE_CHECKING", "typing.TYPE_CHECKING")


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement Python may run: at module level, in functions and classes."""
    found: list[ast.Import | ast.ImportFrom] = []
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif not _for_types_only(node):
            found.extend(_imports(node))
    return found


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> set[str]:
    """The jtai_cli modules an import statement loads (a name imported from a package that is
    itself a module counts as that module)."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        if node.level:
            base = module.split(".")
            if MODULES[module].name != "__init__.py":
                base.pop()  # a plain module's '.' is its package
            base = base[: len(base) - (node.level - 1)]
            prefix = ".".join([*base, *([node.module] if node.module else [])])
        else:
            prefix = node.module or ""
        names = [f"{prefix}.{a.name}" if f"{prefix}.{a.name}" in MODULES else prefix
                 for a in node.names]
    found = set()
    for name in names:
        while name and name not in MODULES:
            name = name.rpartition(".")[0]
        if name.startswith("jtai_cli") and name != module:
            found.add(name)
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports, at module level or in functions.

    Imports under ``if TYPE_CHECKING:`` are left out: they name a type for the checker and never
    run, so they cannot make one module wait for another.
    """
    return {m: {t for node in _imports(_tree(p))
                for t in _targets(m, node)}
            for m, p in MODULES.items()}


def cyclic_groups(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, each group sorted (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return groups


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each group of modules that import each other."""
    return [_cycle_in(graph, set(g)) for g in cyclic_groups(graph)]


def _cycle_in(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """A path through ``group`` that comes back to where it started."""
    start = min(group)
    path, seen = [start], {start}
    while True:
        nxt = min(w for w in graph[path[-1]] if w in group)
        if nxt in seen:
            return path[path.index(nxt):] + [nxt]
        path.append(nxt)
        seen.add(nxt)


def test_the_graph_is_read_from_every_module():
    graph = import_graph()
    assert "jtai_cli.validation" in graph and "jtai_cli.reading.zipguard" in graph
    assert "jtai_cli.schemas" in graph["jtai_cli.validation"]
    assert "jtai_cli.reading.limits" in graph["jtai_cli.reading.zipguard"]  # from . import x


def test_imports_in_functions_count_and_imports_for_types_do_not():
    tree = ast.parse("import a\nif TYPE_CHECKING:\n    import b\ndef f():\n    import c\n")
    assert [ast.unparse(n) for n in _imports(tree)] == ["import a", "import c"]


def test_the_cycle_finder_names_the_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(graph) == [["a", "b", "c", "a"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []
    assert cyclic_groups({"a": {"b"}, "b": {"a", "c"}, "c": {"b"}}) == [["a", "b", "c"]]


def test_no_module_imports_itself_back_through_others():
    """A cycle (checks -> validation -> checks) means neither module can be read alone, and
    one of them must import late to work at all."""
    graph = import_graph()
    groups = cyclic_groups(graph)
    assert not groups, "modules that import each other: " + "; ".join(
        f"{', '.join(g)} (for one: {' -> '.join(_cycle_in(graph, set(g)))})" for g in groups)


# --------------------------------------------------------------------------- imports that wait

#: A reason is a comment of at least three words (a bare noqa or type-ignore is not one).
_REASON = re.compile(r"#\s*(?!noqa|type:)\S+\s+\S+\s+\S+")


def _comments(source: str) -> dict[int, str]:
    return {tok.start[0]: tok.string
            for tok in tokenize.generate_tokens(io.StringIO(source).readline)
            if tok.type == tokenize.COMMENT}


def _late_imports(tree: ast.Module) -> list[tuple[ast.stmt, int]]:
    """Each import inside a function or class, with the first line of the run of imports it
    belongs to (consecutive import statements in one body share one reason)."""
    found: list[tuple[ast.stmt, int]] = []

    def walk(node: ast.AST, inside: bool) -> None:
        for field in ("body", "orelse", "finalbody", "handlers"):
            body = getattr(node, field, None)
            if not isinstance(body, list):
                continue
            run_start: int | None = None
            for stmt in body:
                is_import = isinstance(stmt, ast.Import | ast.ImportFrom)
                if is_import and inside:
                    if run_start is None:
                        run_start = stmt.lineno
                    found.append((stmt, run_start))
                else:
                    run_start = None
                walk(stmt, inside or isinstance(
                    stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef))

    walk(tree, False)
    return found


def late_imports_without_a_reason() -> list[str]:
    missing = []
    for path in MODULES.values():
        source = _source(path)
        comments = _comments(source)
        for stmt, run_start in _late_imports(_tree(path)):
            end = stmt.end_lineno or stmt.lineno
            lines = [*range(stmt.lineno, end + 1), run_start - 1]
            if not any(_REASON.search(comments.get(i, "")) for i in lines):
                missing.append(f"{path.relative_to(PACKAGE.parent)}:{stmt.lineno} "
                               f"({ast.unparse(stmt)})")
    return missing


def test_the_late_import_check_reads_runs_and_comments():
    source = (
        "def f():\n"
        "    # lazy: keeps start-up quick\n"
        "    import a\n"
        "    import b\n"
        "    x = 1\n"
        "    import c\n"
        "    import d  # optional extra only\n"
        "    if x:\n"
        "        import e  # ok\n"
    )
    tree = ast.parse(source)
    runs = {stmt.lineno: start for stmt, start in _late_imports(tree)}
    assert runs == {3: 3, 4: 3, 6: 6, 7: 6, 9: 9}
    comments = _comments(source)
    assert _REASON.search(comments[2]) and _REASON.search(comments[7])
    assert not _REASON.search(comments[9])  # too short to be a reason


def test_every_import_inside_a_function_says_why_it_waits():
    """An import inside a function is a choice (start-up time, an optional package, a module
    that would otherwise import this one back): a comment on its line or above its run of
    imports says which, and any other import belongs at the top of the module."""
    missing = late_imports_without_a_reason()
    assert not missing, f"{len(missing)} imports inside functions give no reason:\n" + "\n".join(
        missing)


# --------------------------------------------------------------------------- issue numbers

#: "issue 12", "issues 5 and 6", "#14", "gh-3", "(PR 7)": pointers a reader of the code cannot
#: follow. A paragraph of the guidance ("para 31") or a list number ("list 6") is not one.
_ISSUE_POINTER = re.compile(
    r"\b(?:issues?|pr|pull request|ticket)\s*#?\s*\d+|(?<![\w&])#\d+\b|\bgh-\d+", re.IGNORECASE)


def _docstrings_and_comments(path: Path) -> list[tuple[int, str]]:
    texts = list(_comments(_source(path)).items())
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            doc = ast.get_docstring(node, clean=False)
            if doc and node.body:
                texts.append((node.body[0].lineno, doc))
    return texts


def issue_pointers() -> list[str]:
    found = []
    for path in MODULES.values():
        for line, text in _docstrings_and_comments(path):
            for m in _ISSUE_POINTER.finditer(text):
                found.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {m.group(0)!r}")
    return found


@pytest.mark.parametrize(("text", "points"), [
    ("# reader findings (issue 6): hidden sheets", True),
    ("see issues 5 and 6", True),
    ("fixed in #14", True),
    ("gh-3", True),
    ("guidance para 31 and list 6", False),
    ("colour &#39; escape", False),
    ("the 7 CSA-FE questions", False),
])
def test_the_issue_pointer_pattern(text, points):
    assert bool(_ISSUE_POINTER.search(text)) is points


def test_no_comment_or_docstring_points_at_an_issue_number():
    """The code says what it does and why; the issue tracker is not beside it for a reader."""
    found = issue_pointers()
    assert not found, "comments or docstrings that point at an issue:\n" + "\n".join(found)
