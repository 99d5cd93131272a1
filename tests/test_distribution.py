"""The schema stays ready to shard by organisation (docs/scaling.md): every table with an
`org_id` carries it in its primary key and in every unique key (Citus requires a
distributed table's unique keys to hold its distribution column), and every foreign key
between such tables includes it, so that one organisation's rows live together and no
statement joins across organisations. The exceptions of today are listed here and in
docs/scaling.md; a new table or key that breaks the rule fails this test.

Checked on the models and on the database the migrations build."""

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import UniqueConstraint, text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.tables import metadata

ROOT = Path(__file__).resolve().parent.parent
TENANT_KEY = "org_id"

# Tables without org_id: the tenants themselves and what every organisation shares. Each
# is named in docs/scaling.md with what it would become (a reference or a local table).
GLOBAL_TABLES = {"organisations", "signing_keys", "idempotency_keys", "rate_limits"}

# Keys of tenant tables without org_id, as (table, what, columns). docs/scaling.md says
# why each exists and what would replace it.
EXCEPTIONS = {
    # A token's subject names one person across the platform: sign-in finds the person,
    # and so the organisation, from it.
    ("people", "unique", ("subject",)),
    # The built-in issuer finds an authorization code and a refresh token by their hash
    # alone, before it knows the organisation.
    ("authorization_codes", "primary key", ("code_hash",)),
    ("refresh_tokens", "primary key", ("token_hash",)),
}


@dataclass
class Shape:
    columns: set[str] = field(default_factory=set)
    primary_key: tuple[str, ...] = ()
    uniques: set[tuple[str, ...]] = field(default_factory=set)
    # (columns, referred table, referred columns)
    foreign_keys: set[tuple[tuple[str, ...], str, tuple[str, ...]]] = field(default_factory=set)


def _breaches(shapes: dict[str, Shape]) -> set[tuple[str, str, tuple[str, ...]]]:
    breaches: set[tuple[str, str, tuple[str, ...]]] = set()
    tenants = {name for name, shape in shapes.items() if TENANT_KEY in shape.columns}
    for name in sorted(tenants):
        shape = shapes[name]
        if TENANT_KEY not in shape.primary_key:
            breaches.add((name, "primary key", shape.primary_key))
        for unique in shape.uniques:
            if TENANT_KEY not in unique:
                breaches.add((name, "unique", unique))
        for columns, referred, referred_columns in shape.foreign_keys:
            if referred not in tenants:
                continue
            pairs = dict(zip(columns, referred_columns, strict=True))
            if pairs.get(TENANT_KEY) != TENANT_KEY:
                breaches.add((name, f"foreign key to {referred}", columns))
    return breaches


def _from_models() -> dict[str, Shape]:
    shapes: dict[str, Shape] = {}
    for table in metadata.sorted_tables:
        shape = shapes.setdefault(table.name, Shape())
        shape.columns = set(table.c.keys())
        shape.primary_key = tuple(column.name for column in table.primary_key.columns)
        for constraint in table.constraints:
            if isinstance(constraint, UniqueConstraint):
                shape.uniques.add(tuple(column.name for column in constraint.columns))
        for index in table.indexes:
            if index.unique:
                shape.uniques.add(tuple(column.name for column in index.columns))
        for foreign_key in table.foreign_key_constraints:
            shape.foreign_keys.add(
                (
                    tuple(column.name for column in foreign_key.columns),
                    foreign_key.referred_table.name,
                    tuple(element.column.name for element in foreign_key.elements),
                )
            )
    return shapes


_COLUMNS = text(
    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
)
# Unique indexes (primary keys among them) and foreign keys, column lists in key order.
_UNIQUES = text(
    """
    SELECT t.relname AS table_name, ix.indisprimary AS is_primary,
           array_agg(a.attname ORDER BY k.ord) AS columns
    FROM pg_index ix
    JOIN pg_class t ON t.oid = ix.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public'
    CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
    WHERE ix.indisunique AND t.relname <> 'alembic_version'
    GROUP BY t.relname, ix.indexrelid, ix.indisprimary
    """
)
_FOREIGN_KEYS = text(
    """
    SELECT t.relname AS table_name, r.relname AS referred,
           array_agg(a.attname ORDER BY k.ord) AS columns,
           array_agg(ra.attname ORDER BY k.ord) AS referred_columns
    FROM pg_constraint c
    JOIN pg_class t ON t.oid = c.conrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public'
    JOIN pg_class r ON r.oid = c.confrelid
    CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(attnum, refnum, ord)
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
    JOIN pg_attribute ra ON ra.attrelid = r.oid AND ra.attnum = k.refnum
    WHERE c.contype = 'f'
    GROUP BY t.relname, r.relname, c.oid
    """
)


async def _from_database(engine: AsyncEngine) -> dict[str, Shape]:
    shapes: dict[str, Shape] = {}
    async with engine.connect() as connection:
        for row in await connection.execute(_COLUMNS):
            if row.table_name != "alembic_version":
                shapes.setdefault(row.table_name, Shape()).columns.add(row.column_name)
        for row in await connection.execute(_UNIQUES):
            shape = shapes[row.table_name]
            if row.is_primary:
                shape.primary_key = tuple(row.columns)
            else:
                shape.uniques.add(tuple(row.columns))
        for row in await connection.execute(_FOREIGN_KEYS):
            shapes[row.table_name].foreign_keys.add(
                (tuple(row.columns), row.referred, tuple(row.referred_columns))
            )
    return shapes


def _global(shapes: dict[str, Shape]) -> set[str]:
    return {name for name, shape in shapes.items() if TENANT_KEY not in shape.columns}


def test_the_models_keep_every_tenant_key_on_org_id() -> None:
    shapes = _from_models()
    assert _global(shapes) == GLOBAL_TABLES
    assert _breaches(shapes) == EXCEPTIONS


async def test_the_migrated_database_keeps_every_tenant_key_on_org_id(
    engine: AsyncEngine,
) -> None:
    shapes = await _from_database(engine)
    assert _global(shapes) == GLOBAL_TABLES
    assert _breaches(shapes) == EXCEPTIONS
    # Every foreign key of the database was seen, and those between tenant tables are most.
    between_tenants = sum(
        1
        for shape in shapes.values()
        for _, referred, _ in shape.foreign_keys
        if TENANT_KEY in shapes[referred].columns
    )
    assert between_tenants > 50


def test_the_rule_catches_a_key_without_org_id() -> None:
    shapes = {
        "units": Shape({"org_id", "id"}, ("org_id", "id")),
        "visits": Shape(
            {"org_id", "id", "unit_id", "code"},
            ("id",),
            {("code",)},
            {(("unit_id",), "units", ("id",)), (("org_id", "unit_id"), "units", ("org_id", "id"))},
        ),
    }
    assert _breaches(shapes) == {
        ("visits", "primary key", ("id",)),
        ("visits", "unique", ("code",)),
        ("visits", "foreign key to units", ("unit_id",)),
    }


def test_docs_scaling_names_every_exception() -> None:
    doc = (ROOT / "docs" / "scaling.md").read_text()
    for table, what, columns in EXCEPTIONS:
        assert f"`{table}`" in doc, table
        for column in columns:
            assert f"`{column}`" in doc, (table, what, column)
    for table in GLOBAL_TABLES:
        assert f"`{table}`" in doc, table
