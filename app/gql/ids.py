"""Global ids: base64 of "Type:uuid", the Relay convention, so one id names one object."""

import base64
import uuid

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
