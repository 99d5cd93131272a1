"""Who may do what is decided in a domain's policies.py, nowhere else: no other module of
the app asks the caller's roles or compares roles itself."""

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"

# Rooms that decide nothing about roles: the rules themselves, tables, shapes, adapters.
EXEMPT_NAMES = frozenset({"policies.py", "models.py", "schemas.py", "gql.py", "router.py"})
# Where the principal's queries by role are defined, for policies to ask.
PRINCIPAL = "org/principal.py"
# The principal's queries by role, each a decision wherever it is called.
ROLE_QUERIES = frozenset({"has_role", "covers"})
ROLE_OPERATORS = (ast.Eq, ast.NotEq, ast.In, ast.NotIn)

# Modules that still decide by role outside a policies.py, to be moved there. An entry that
# no longer has any such decision fails too: take it off the list.
ALLOWED: set[str] = set()


def _modules() -> list[Path]:
    return sorted(
        path
        for path in APP.rglob("*.py")
        if path.name not in EXEMPT_NAMES
        and path.relative_to(APP).parts[0] not in {"demo", "demo.py"}
        and path.relative_to(APP).as_posix() != PRINCIPAL
    )


def _mentions_role(node: ast.expr) -> bool:
    """`Role.ADMIN`, a tuple of such, or a grant's `role`."""
    for part in ast.walk(node):
        if isinstance(part, ast.Attribute) and (
            (isinstance(part.value, ast.Name) and part.value.id == "Role") or part.attr == "role"
        ):
            return True
        if isinstance(part, ast.Name) and part.id == "role":
            return True
    return False


def role_decisions(source: str) -> list[int]:
    """The lines that ask the caller's roles or compare roles."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in ROLE_QUERIES:
                lines.append(node.lineno)
        elif isinstance(node, ast.Compare):
            compares = any(isinstance(op, ROLE_OPERATORS) for op in node.ops)
            operands = [node.left, *node.comparators]
            if compares and any(_mentions_role(operand) for operand in operands):
                lines.append(node.lineno)
    return sorted(lines)


def test_roles_are_decided_in_policies_only() -> None:
    found: dict[str, list[int]] = {}
    for path in _modules():
        lines = role_decisions(path.read_text(encoding="utf-8"))
        if lines:
            found[path.relative_to(APP).as_posix()] = lines
    outside = {name: lines for name, lines in found.items() if name not in ALLOWED}
    assert not outside, (
        "Role decisions outside a policies.py (move them into the domain's policies.py): "
        + "; ".join(f"app/{name}: lines {lines}" for name, lines in outside.items())
    )
    stale = sorted(ALLOWED - set(found))
    assert not stale, f"No role decisions left in {stale}: take them off ALLOWED."


def test_the_check_sees_role_decisions() -> None:
    assert role_decisions("if actor.has_role(Role.ADMIN): pass") == [1]
    assert role_decisions("ok = actor.covers(path, *READERS)") == [1]
    assert role_decisions("q = select(g).where(g.role == Role.MANAGER)") == [1]
    assert role_decisions("ids = [g.unit_id for g in grants if g.role in ACTORS]") == [1]
    assert role_decisions("if Role.HR in roles: pass") == [1]
    assert role_decisions("if row.role is not None: pass") == []
    assert role_decisions("grant = Grant(role=Role(row.role), unit_id=u)") == []
