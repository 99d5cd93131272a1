"""Surveys for tests: definitions, waves and answers put straight into the tables."""

import uuid
from typing import Any

import httpx
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.platform.db import table
from app.surveys.models import SurveyResponse
from tests.factories import World

API = "/api/v1"
LIKERT_KEYS = ("q_workload", "q_tools", "q_manager")
FACTORS = {"q_workload": "wellbeing", "q_tools": "wellbeing", "q_manager": "leadership"}


def survey_body(target_ids: list[Any], *, comment: bool = True) -> dict[str, Any]:
    items: list[dict[str, Any]] = [
        {
            "key": key,
            "kind": "likert",
            "factor": FACTORS[key],
            "text_fi": f"Kysymys {key}",
            "text_en": f"Question {key}",
        }
        for key in LIKERT_KEYS
    ]
    items.append(
        {
            "key": "enps",
            "kind": "enps",
            "text_fi": "Suosittelisitko työpaikkaasi?",
            "text_en": "Would you recommend your workplace?",
        }
    )
    if comment:
        items.append(
            {"key": "comment", "kind": "comment", "text_fi": "Kommentti", "text_en": "Comment"}
        )
    return {"name": "Pulssi", "items": items, "target_unit_ids": [str(t) for t in target_ids]}


def answer_body(values: tuple[int, int, int] = (4, 3, 5), enps: int = 9, **extra: Any) -> Any:
    return {"likert": dict(zip(LIKERT_KEYS, values, strict=True)), "enps": enps, **extra}


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def survey_with_wave(
    client: httpx.AsyncClient, world: World, targets: list[str], *, comment: bool = True
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A survey of these units of Kauppa (keys of `world.units`) and an open wave of it."""
    hanna = await world.auth("hanna")
    survey = await ok(
        await client.post(
            f"{API}/surveys",
            json=survey_body([world.units[t].id for t in targets], comment=comment),
            headers=hanna,
        ),
        201,
    )
    wave = await ok(
        await client.post(
            f"{API}/surveys/{survey['id']}/waves",
            json={"label": "Marraskuu", "period": "2026-11"},
            headers=hanna,
        ),
        201,
    )
    return survey, wave


async def put_answers(
    session: AsyncSession, org_id: uuid.UUID, wave_id: Any, answers: list[dict[str, Any]]
) -> list[uuid.UUID]:
    """Answers as they are stored, without anyone answering: each a dict of unit_id, likert,
    enps and comment; returns their ids."""
    ids = [uuid.uuid4() for _ in answers]
    if answers:
        await session.execute(
            insert(table(SurveyResponse)),
            [
                {
                    "org_id": org_id,
                    "id": rid,
                    "wave_id": uuid.UUID(str(wave_id)),
                    "unit_id": a["unit_id"],
                    "likert": list(a["likert"]),
                    "enps": a["enps"],
                    "comment": a.get("comment"),
                    "comment_language": None,
                }
                for rid, a in zip(ids, answers, strict=True)
            ],
        )
        await session.commit()
    return ids
