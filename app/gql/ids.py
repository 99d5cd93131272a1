"""Global ids: base64 of "Type:uuid", the Relay convention, so one id names one object."""

import base64
import uuid
from typing import Any

import strawberry

from app.platform.errors import InvalidInput


def global_id(type_name: str, raw: uuid.UUID | int) -> strawberry.ID:
    return strawberry.ID(base64.b64encode(f"{type_name}:{raw}".encode()).decode())


def parse_global_id(value: str) -> tuple[str, uuid.UUID]:
    """The type name and uuid a global id stands for; `invalid_id` for anything else."""
    try:
        type_name, _, raw = base64.b64decode(value, validate=True).decode().partition(":")
        return type_name, uuid.UUID(raw)
    except ValueError:  # bad base64, bad UTF-8 and bad uuids alike
        raise InvalidInput("The id is not one this API gave out.", code="invalid_id") from None


def uuid_of(type_name: str, value: str) -> uuid.UUID:
    """The uuid behind a global id that must name a `type_name`."""
    found, raw = parse_global_id(value)
    if found != type_name:
        raise InvalidInput(f"The id is not the id of a {type_name}.", code="invalid_id")
    return raw


def optional_uuid_of(type_name: str, value: strawberry.ID | None) -> uuid.UUID | None:
    """As `uuid_of`, for an input field that may be null or left out: both pass through,
    for `given` and pydantic to judge."""
    if value is None or value is strawberry.UNSET:
        return value
    return uuid_of(type_name, value)


def uuids_of(type_name: str, values: list[strawberry.ID]) -> list[uuid.UUID]:
    return [uuid_of(type_name, value) for value in values]


def global_id_field(type_name: str, attribute: str = "id", *, name: str = "id") -> Any:
    """A field, called `name`, that publishes the uuid in `attribute` as a global id of a
    `type_name`: for a type derived from a pydantic model, which declares `attribute`
    `strawberry.Private` to keep the uuid unpublished. A derived type puts fields like this one
    before the model's own, so it fits a model that holds the uuid first. (A module of derived
    types must not use `from __future__ import annotations`: strawberry would then take a
    private field for a published one.)"""

    def resolve(root: Any) -> strawberry.ID:
        return global_id(type_name, getattr(root, attribute))

    return strawberry.field(resolver=resolve, name=name)
