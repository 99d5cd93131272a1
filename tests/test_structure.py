"""The shape of the code, as the README's map draws it.

- The domains (`app/<domain>/`) depend on each other in one direction only: the package
  import graph of their service layer (models, schemas, policies, services, jobs; every
  import counted, inside functions too) has no cycle. The adapters in a domain's room
  (`router.py`, `gql.py`, the issuer's sign-in pages) are the edge above all
  services, as `app/main.py` is: an insight's detail shows its actions and answers, so the
  insights routes call the loop's service. No service imports an adapter.
- `app/platform/` imports no domain and nothing of the HTTP edge (`app/web/`, `app/gql/`).
- A domain's service modules (everything but its adapters `router.py` and `gql.py`) import
  neither fastapi, starlette, strawberry, `app.web` nor `app.gql`.
- Adapters translate only: they import neither sqlalchemy, a models module nor a policies module.
- No module of `app/` is longer than 600 lines, apart from pure data (the demo's content).
"""

import ast
import enum
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"
# Not domains: the composition root and the layers every domain stands on or under.
LAYERS = {"platform", "web", "gql", "demo"}
DOMAINS = sorted(
    p.name for p in APP.iterdir() if (p / "__init__.py").exists() and p.name not in LAYERS
)
# The HTTP and GraphQL edge inside a domain's room: routes, GraphQL types and the issuer's
# server-rendered sign-in pages.
ADAPTERS = {"router.py", "gql.py", "gql_types.py", "gql_inputs.py", "pages.py"}
EDGE_LIBRARIES = ("fastapi", "starlette", "strawberry", "app.web", "app.gql")
MAX_LINES = 600
# Data, not code: long by nature.
PURE_DATA = "demo/content/"


def _imports(path: Path) -> Iterator[str]:
    """Every module `path` imports, at any depth of the file (imports inside functions too)."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            # `from app.insights import rows` imports the module app.insights.rows.
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def _domain_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] == "app" and parts[1] in DOMAINS:
        return parts[1]
    return None


def domain_graph() -> dict[str, set[str]]:
    """Each domain and the domains its modules import."""
    graph: dict[str, set[str]] = {d: set() for d in DOMAINS}
    for domain in DOMAINS:
        for path in (APP / domain).rglob("*.py"):
            if path.name in ADAPTERS:
                continue
            for module in _imports(path):
                other = _domain_of(module)
                if other is not None and other != domain:
                    graph[domain].add(other)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of `graph` as a path that returns to its start, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)) is not None:
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)) is not None:
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_domains_depend_in_one_direction() -> None:
    graph = domain_graph()
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle between domains: " + " → ".join(cycle or [])


def _modules(where: Path) -> list[Path]:
    return sorted(where.rglob("*.py"))


@pytest.mark.parametrize("path", _modules(APP / "platform"), ids=lambda p: p.name)
def test_the_platform_imports_no_domain_and_no_edge(path: Path) -> None:
    wrong = [
        m
        for m in _imports(path)
        if _domain_of(m) is not None or _within(m, ("app.web", "app.gql", "app.demo", "app.jobs"))
    ]
    assert wrong == [], f"{path.relative_to(APP)} imports {wrong}"


def _service_modules() -> list[Path]:
    return [
        path for domain in DOMAINS for path in _modules(APP / domain) if path.name not in ADAPTERS
    ]


@pytest.mark.parametrize("path", _service_modules(), ids=lambda p: str(p.relative_to(APP)))
def test_services_know_nothing_of_http_or_graphql(path: Path) -> None:
    wrong = [
        m
        for m in _imports(path)
        if _within(m, EDGE_LIBRARIES)
        or (_domain_of(m) is not None and m.rsplit(".", 1)[-1] + ".py" in ADAPTERS)
    ]
    assert wrong == [], f"{path.relative_to(APP)} imports {wrong}"


def _adapters() -> list[Path]:
    return [p for d in DOMAINS for p in _modules(APP / d) if p.name in {"router.py", "gql.py"}]


def _names_from(path: Path, suffix: str) -> Iterator[tuple[str, str]]:
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.endswith(suffix):
            yield from ((node.module, alias.name) for alias in node.names)


@pytest.mark.parametrize("path", _adapters(), ids=lambda p: str(p.relative_to(APP)))
def test_adapters_only_translate(path: Path) -> None:
    """Routes and GraphQL resolvers run no SQL and decide nothing: they name the enums a
    model defines, never its tables, and call the services, which apply the policies."""
    wrong = [
        m
        for m in _imports(path)
        if _within(m, ("sqlalchemy",)) or m.endswith(".policies") or m.endswith(".models")
    ]
    wrong = [m for m in wrong if not m.endswith(".models")]
    for module, name in _names_from(path, ".models"):
        value = getattr(importlib.import_module(module), name)
        if not (isinstance(value, type) and issubclass(value, enum.Enum)):
            wrong.append(f"{module}.{name}")
    assert wrong == [], f"{path.relative_to(APP)} imports {wrong}"


@pytest.mark.parametrize("path", _modules(APP), ids=lambda p: str(p.relative_to(APP)))
def test_no_module_is_over_600_lines(path: Path) -> None:
    if path.relative_to(APP).as_posix().startswith(PURE_DATA):
        return
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(APP)} has {lines} lines; split it by concept"
