"""What an insight is described with: its kind, its customer impact, its tags, and the journey
stages and touchpoints every new organisation starts with."""

from enum import StrEnum
from typing import Annotated

from pydantic import BeforeValidator, Field, WithJsonSchema


class InsightKind(StrEnum):
    OBSERVATION = "observation"
    CUSTOMER_STORY = "customer_story"
    IDEA = "idea"
    COMPLAINT = "complaint"
    PRAISE = "praise"


class ImpactLevel(StrEnum):
    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


IMPACT_LEVELS: tuple[ImpactLevel, ...] = tuple(ImpactLevel)


def _normal_tag(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


# A label such as "logistics" or "self-checkout": compared in lowercase.
Tag = Annotated[
    str,
    BeforeValidator(_normal_tag),
    Field(min_length=1, max_length=32, pattern=r"^[a-z0-9][a-z0-9_-]*$"),
    # What clients may send: any case, spaces around (the value is stripped and lowercased).
    WithJsonSchema(
        {
            "type": "string",
            "minLength": 1,
            "maxLength": 32,
            "pattern": r"^[ \t]*[A-Za-z0-9][A-Za-z0-9_-]*[ \t]*$",
        }
    ),
]

MAX_TAGS = 10


def unique_tags(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(tags))


# (key, Finnish label, English label)
DEFAULT_JOURNEY_STAGES: tuple[tuple[str, str, str], ...] = (
    ("awareness", "Tietoisuus", "Awareness"),
    ("research", "Tiedonhaku ja vertailu", "Research and comparison"),
    ("purchase", "Ostaminen ja asiointi", "Purchase and visit"),
    ("delivery", "Toimitus ja käyttöönotto", "Delivery and onboarding"),
    ("usage", "Käyttö", "Use"),
    ("support", "Tuki ja asiakaspalvelu", "Support and service"),
    ("billing", "Laskutus ja maksaminen", "Billing and payment"),
    ("loyalty", "Uudelleenasiointi ja suosittelu", "Return and recommendation"),
)

DEFAULT_TOUCHPOINTS: tuple[tuple[str, str, str], ...] = (
    ("in_person", "Myymälä tai toimipiste", "Store or branch"),
    ("checkout", "Kassa", "Checkout"),
    ("phone", "Puhelin", "Phone"),
    ("chat", "Chat", "Chat"),
    ("email", "Sähköposti", "Email"),
    ("web", "Verkkosivut", "Website"),
    ("mobile_app", "Mobiilisovellus", "Mobile app"),
    ("self_service", "Itsepalvelu", "Self-service"),
    ("social_media", "Sosiaalinen media", "Social media"),
    ("pickup_delivery", "Nouto ja kotiinkuljetus", "Pickup and delivery"),
)
