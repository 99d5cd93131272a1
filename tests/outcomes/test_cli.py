"""`insight import`: a CSV file into an organisation, with progress, the bad rows, and
nothing changed by the same file again."""

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import cli
from app.org.models import Organisation
from app.outcomes.models import CxOutcome, ExResponse
from tests.factories import World


async def _slug(sessions: async_sessionmaker[AsyncSession], world: World) -> str:
    async with sessions() as session:
        slug = await session.scalar(
            select(Organisation.slug).where(Organisation.id == world.kauppa.id)
        )
    assert slug is not None
    return slug


async def _count(sessions: async_sessionmaker[AsyncSession], model: Any) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_file_is_imported_once_with_progress(
    committed: tuple[World, async_sessionmaker[AsyncSession]],
    database_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    world, sessions = committed
    slug = await _slug(sessions, world)
    lines = [
        f"Store {'AB'[i % 2]};2026-{1 + i % 12:02d};{i % 4 + 1},5;{i % 11}" for i in range(12_000)
    ]
    path = tmp_path / "pulssi.csv"
    path.write_text("\ufeffunit;period;wellbeing;enps\n" + "\n".join(lines) + "\n", "utf-8")

    assert await cli._import(database_url, "ex-responses", path, slug, replace=False) == 0
    out = capsys.readouterr().out
    assert f"Importing pulssi.csv into {slug} as ex-responses:" in out
    assert "  5,000 of about 12,000 rows validated, 5,000 stored" in out
    assert "Imported 12,000 rows over 2 units and 12 months (2026-01, " in out
    assert await _count(sessions, ExResponse) == 12_000

    assert await cli._import(database_url, "ex-responses", path, slug, replace=False) == 0
    assert "Nothing changed: the same rows were imported on " in capsys.readouterr().out
    assert await _count(sessions, ExResponse) == 12_000


async def test_bad_rows_are_printed_and_nothing_is_stored(
    committed: tuple[World, async_sessionmaker[AsyncSession]],
    database_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    world, sessions = committed
    slug = await _slug(sessions, world)
    path = tmp_path / "nps.csv"
    path.write_text(
        "unit,period,measure,value\nStore A,2026-09,nps,42\nNowhere,2026-09,nps,150\n", "utf-8"
    )
    assert await cli._import(database_url, "cx-outcomes", path, slug, replace=False) == 1
    out = capsys.readouterr().out
    assert "Nothing was imported: 2 bad rows." in out
    assert "  line 3, column unit: Unknown unit: give the unit's id or its exact name." in out
    assert "  line 3, column value: The value must be between -100 and 100. (value: '150')" in out
    assert await _count(sessions, CxOutcome) == 0

    path.write_bytes("unit,period,measure,value\nMyymälä,2026-09,nps,42\n".encode("latin-1"))
    assert await cli._import(database_url, "cx-outcomes", path, slug, replace=False) == 1
    assert "byte 30 (line 2) is not valid UTF-8" in capsys.readouterr().out


async def test_replace_takes_the_corrected_values(
    committed: tuple[World, async_sessionmaker[AsyncSession]],
    database_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    world, sessions = committed
    slug = await _slug(sessions, world)
    path = tmp_path / "nps.csv"
    path.write_text("unit,period,measure,value\nStore A,2026-09,nps,42\n", "utf-8")
    assert await cli._import(database_url, "cx-outcomes", path, slug, replace=False) == 0
    path.write_text("unit,period,measure,value\nStore A,2026-09,nps,44\n", "utf-8")
    assert await cli._import(database_url, "cx-outcomes", path, slug, replace=False) == 1
    assert "was imported already" in capsys.readouterr().out
    assert await cli._import(database_url, "cx-outcomes", path, slug, replace=True) == 0
    assert "replacing 1 earlier values" in capsys.readouterr().out
    async with sessions() as session:
        assert await session.scalar(select(CxOutcome.value)) == 44.0


def test_the_command_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    called: list[tuple[Any, ...]] = []

    async def fake(url: str, kind: str, path: Path, org: str, *, replace: bool) -> int:
        called.append((kind, path, org, replace))
        return 1

    monkeypatch.setattr(cli, "_migrate", lambda url: None)
    monkeypatch.setattr(cli, "_import", fake)
    path = tmp_path / "x.csv"
    path.write_text("unit,period,measure,value\n", "utf-8")
    with pytest.raises(SystemExit) as exited:
        cli.main(["import", "cx-outcomes", str(path), "--org", "kauppa", "--replace"])
    assert exited.value.code == 1
    assert called == [("cx-outcomes", path, "kauppa", True)]
    with pytest.raises(SystemExit) as missing:
        cli.main(["import", "cx-outcomes", str(tmp_path / "none.csv"), "--org", "kauppa"])
    assert "No file" in str(missing.value.code)
