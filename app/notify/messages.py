"""Notification texts in Finnish and English, rendered in the reader's language when read."""

from typing import Any

from app.notify.models import NotificationKind
from app.platform.i18n import Locale

TEXTS: dict[NotificationKind, dict[Locale, tuple[str, str]]] = {
    NotificationKind.INSIGHT_ASSIGNED: {
        Locale.FI: ("Uusi havainto käsiteltäväksi", "{excerpt}"),
        Locale.EN: ("New insight to handle", "{excerpt}"),
    },
    NotificationKind.INSIGHT_ESCALATED: {
        Locale.FI: ("Myöhässä oleva havainto siirtyi sinulle", "{excerpt}"),
        Locale.EN: ("An overdue insight was escalated to you", "{excerpt}"),
    },
    NotificationKind.INSIGHT_ACKNOWLEDGED: {
        Locale.FI: ("Havaintosi on otettu käsittelyyn", "{excerpt}"),
        Locale.EN: ("Your insight was acknowledged", "{excerpt}"),
    },
    NotificationKind.INSIGHT_STATUS_CHANGED: {
        Locale.FI: ("Havaintosi tila muuttui: {status_fi}", "{excerpt}"),
        Locale.EN: ("Your insight is now {status_en}", "{excerpt}"),
    },
    NotificationKind.COMMENT_ADDED: {
        Locale.FI: ("Uusi kommentti havaintoon", "{comment}"),
        Locale.EN: ("New comment on an insight", "{comment}"),
    },
    NotificationKind.ACTION_LINKED: {
        Locale.FI: ("Havaintosi perusteella tehdään toimenpide", "{action_title}"),
        Locale.EN: ("An action was taken on your insight", "{action_title}"),
    },
    NotificationKind.ACTION_COMPLETED: {
        Locale.FI: ("Toimenpide valmis – kerro havainnon tekijälle", "{action_title}"),
        Locale.EN: ("Action done – tell the reporter", "{action_title}"),
    },
    NotificationKind.REPORTER_TOLD: {
        Locale.FI: ("Vastaus havaintoosi", "{message}"),
        Locale.EN: ("An answer to your insight", "{message}"),
    },
    NotificationKind.INSIGHT_MERGED: {
        Locale.FI: ("Havaintosi yhdistettiin samaa asiaa koskevaan havaintoon", "{excerpt}"),
        Locale.EN: ("Your insight was merged with one about the same thing", "{excerpt}"),
    },
    NotificationKind.ENDORSEMENT_ANSWERED: {
        Locale.FI: ("Vastaus havaintoon, jota tuit", "{message}"),
        Locale.EN: ("An answer to an insight you backed", "{message}"),
    },
}

# The e-mail to a customer, in the organisation's language: the customer has no account.
CUSTOMER_EMAIL: dict[Locale, tuple[str, str]] = {
    Locale.FI: ("Vastaus palautteeseesi", "Hei {name},\n\n{message}\n"),
    Locale.EN: ("An answer to your feedback", "Hello {name},\n\n{message}\n"),
}

# Short: a text message is billed by the 160 characters.
CUSTOMER_SMS: dict[Locale, str] = {
    Locale.FI: "Hei {name}, {message}",
    Locale.EN: "Hello {name}, {message}",
}

STATUS_NAMES: dict[str, tuple[str, str]] = {
    "new": ("uusi", "new"),
    "acknowledged": ("vastaanotettu", "acknowledged"),
    "in_progress": ("työn alla", "in progress"),
    "resolved": ("ratkaistu", "resolved"),
    "declined": ("hylätty", "declined"),
    "merged": ("yhdistetty", "merged"),
}


class _Defaulting(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def render(kind: NotificationKind, locale: Locale, data: dict[str, Any]) -> tuple[str, str]:
    """Title and body of a notification in `locale`."""
    title, body = TEXTS[kind][locale]
    values = _Defaulting(data)
    status = STATUS_NAMES.get(str(data.get("status", "")))
    if status:
        values["status_fi"], values["status_en"] = status
    return title.format_map(values), body.format_map(values)


def excerpt(text: str, length: int = 140) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
