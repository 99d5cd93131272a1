"""Every field error an input can raise, worded in Finnish and English: each error type
pydantic knows, and those of our own validators."""

import ast
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from pydantic_core._pydantic_core import list_all_errors

from app.insights.schemas import CustomerContactCreate, InsightCreate
from app.platform.field_errors import FIELD_MESSAGES, field_message
from app.platform.i18n import Locale
from app.routing.schemas import RuleTarget
from tests.factories import World

APP = Path(__file__).resolve().parents[2] / "app"
# The settings are checked when a process starts and speak to its operator, in the
# process's output; no client ever reads their errors.
OPERATOR_ONLY = {APP / "platform" / "settings.py"}
PYDANTIC_TYPES = {error["type"]: error for error in list_all_errors()}
# Context values as inputs bring them, English where pydantic words them in English.
CONTEXT: dict[str, Any] = {
    "expected": "'observation', 'customer_story' or 'idea'",
    "expected_tags": "'insight', 'comment' or 'endorsement'",
    "expected_schemes": "'http' or 'https'",
    "error": "input is too short",
    "encoding_error": "Incorrect padding",
    "class_name": "InsightCreate",
    "class": "InsightCreate",
    "field_type": "List",
    "attribute": "name",
    "method_name": "validate",
    "pattern": "^[a-z]{2}$",
    "tag": "'poll'",
    "discriminator": "'type'",
    "encoding": "base64",
    "tz_expected": 7200,
    "tz_actual": 0,
}
# Words that would betray English left in a Finnish text.
ENGLISH = re.compile(
    r"\b(should|must|input|valid|the|or|and|of|be|not|got|is|are|error|field|required|"
    r"value|string|list|number|integer|date|time|expected|have|at|least|most|with|from)\b",
    re.IGNORECASE,
)


# The context our own error types carry (`app/web/json_body.py`).
OWN_CONTEXT: dict[str, dict[str, Any]] = {"json_too_deep": {"max_depth": 32}}


def _context(error_type: str) -> dict[str, Any]:
    if error_type in OWN_CONTEXT:
        return OWN_CONTEXT[error_type]
    example = (
        PYDANTIC_TYPES[error_type].get("example_context") if error_type in PYDANTIC_TYPES else None
    )
    return {name: CONTEXT.get(name, 3) for name in example or {}}


def _custom_types_in_source() -> set[str]:
    """The error types our validators raise: PydanticCustomError("type", ...)."""
    found: set[str] = set()
    for path in APP.rglob("*.py"):
        if path in OPERATOR_ONLY:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None))
                == "PydanticCustomError"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add(str(node.args[0].value))
    return found


def test_every_pydantic_error_type_has_finnish_and_english_texts() -> None:
    # The list must be pydantic's whole list, or the test proves little.
    assert {"int_from_float", "enum", "missing", "string_too_long"} <= PYDANTIC_TYPES.keys()
    missing = sorted(PYDANTIC_TYPES.keys() - FIELD_MESSAGES.keys())
    assert missing == [], f"add texts to app/platform/field_errors.py for: {missing}"


def test_every_error_type_our_validators_raise_has_texts() -> None:
    custom = _custom_types_in_source()
    assert {"blank", "consent_required", "one_target"} <= custom
    assert sorted(custom - FIELD_MESSAGES.keys()) == []


@pytest.mark.parametrize("error_type", sorted(FIELD_MESSAGES))
@pytest.mark.parametrize("locale", list(Locale))
def test_each_text_fills_its_context(error_type: str, locale: Locale) -> None:
    # Without pydantic's own message, so the table's text is what is shown.
    error = {"type": error_type, "msg": "", "ctx": _context(error_type)}
    text = field_message(error, locale)
    assert text, error_type
    filled = text.replace(CONTEXT["pattern"], "")
    assert "{" not in filled and "}" not in filled, text


@pytest.mark.parametrize("error_type", sorted(FIELD_MESSAGES))
def test_finnish_texts_have_no_english_left(error_type: str) -> None:
    error = {"type": error_type, "msg": "Some English message", "ctx": _context(error_type)}
    finnish = field_message(error, Locale.FI)
    assert not ENGLISH.search(finnish), finnish


def _errors(model: Any, data: dict[str, Any]) -> list[Any]:
    with pytest.raises(ValidationError) as raised:
        model.model_validate(data)
    return list(raised.value.errors())


def test_inputs_that_were_english_in_finnish_now_read_finnish() -> None:
    [fractional] = _errors(RuleTarget, {"levels_up": 1.5})
    assert fractional["type"] == "int_from_float"
    assert field_message(fractional, Locale.FI) == FIELD_MESSAGES["int_from_float"][0]

    [kind] = _errors(InsightCreate, {"kind": "rumour", "text": "Hyllyt ovat tyhjiä."})
    finnish = field_message(kind, Locale.FI)
    assert finnish.startswith("Arvon on oltava 'observation'")
    assert " tai '" in finnish
    assert " or " not in finnish
    assert " or " in field_message(kind, Locale.EN)

    [blank] = _errors(
        CustomerContactCreate,
        {"channel": "email", "name": " ", "address": "a@b.fi", "consent": True},
    )
    assert field_message(blank, Locale.FI) == "Tekstiä ei saa jättää tyhjäksi."
    assert field_message(blank, Locale.EN) == "Must not be blank."


async def test_a_finnish_caller_reads_the_choices_in_finnish(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.post(
        "/api/v1/insights",
        json={"kind": "rumour", "text": "Hyllyt ovat tyhjiä."},
        headers=await world.auth("anna"),
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["type"] == "enum"
    assert error["message"].startswith("Arvon on oltava 'observation'")
    assert not ENGLISH.search(error["message"]), error["message"]
