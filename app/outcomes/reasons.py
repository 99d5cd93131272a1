"""Why a row of an import is bad: a stable code per reason, and its text in Finnish and
English. Placeholders are the bad row's `params`."""

import string
from typing import Any

from app.platform.i18n import Locale, TextValues

# code: (Finnish, English)
REASONS: dict[str, tuple[str, str]] = {
    # The file as a whole.
    "empty_file": ("Tiedosto on tyhjä.", "The file is empty."),
    "no_rows": (
        "Tiedostossa on otsikkorivi mutta ei yhtään tietoriviä.",
        "The file has a header but no rows.",
    ),
    "missing_column": ("Sarake {name} puuttuu.", "The column {name} is missing."),
    "unknown_column": (
        "Tuntematon sarake; sallitut: {allowed}.",
        "Unknown column; the columns are {allowed}.",
    ),
    "duplicate_column": ("Sarake on otsikossa kahdesti.", "The column appears twice."),
    "bad_column_name": (
        "Sarakkeen nimessä saa olla vain kirjaimia a–z, numeroita ja alaviivoja.",
        "A column name has only the letters a–z, digits and underscores.",
    ),
    "too_many_columns": (
        "Rivillä on enemmän sarakkeita kuin otsikossa (enintään {max}).",
        "The row has more columns than the header (at most {max}).",
    ),
    "row_too_long": (
        "Rivi on liian pitkä (enintään {max} merkkiä).",
        "The row is too long (at most {max} characters).",
    ),
    "unclosed_quote": (
        "Lainausmerkki jää sulkematta; tiedosto loppuu kesken kentän.",
        "A quote is never closed: the file ends inside a field.",
    ),
    "not_an_object": ("Rivin on oltava JSON-objekti.", "A row must be a JSON object."),
    # A cell.
    "nul_character": (
        "Arvo ei saa sisältää NUL-merkkiä (\\u0000).",
        "The value must not contain the NUL character (\\u0000).",
    ),
    "missing_value": ("Arvo puuttuu.", "The value is missing."),
    "unknown_unit": (
        "Tuntematon yksikkö: anna yksikön tunniste tai sen tarkka nimi.",
        "Unknown unit: give the unit's id or its exact name.",
    ),
    "ambiguous_unit": (
        "Usealla yksiköllä on tämä nimi; anna yksikön tunniste.",
        "Several units have this name; give the unit's id.",
    ),
    "unit_out_of_scope": (
        "Yksikkö on oikeuksiesi ulkopuolella.",
        "The unit is outside your scope.",
    ),
    "bad_period": (
        "Jakson on oltava kuukausi muodossa VVVV-KK (vuodet 2000–2099).",
        "The period must be a month written YYYY-MM (years 2000–2099).",
    ),
    "not_a_number": (
        "Arvon on oltava luku (desimaalierottimena piste tai pilkku, ei tuhaterottimia).",
        "The value must be a number (a dot or a comma as the decimal mark, no thousands "
        "separators).",
    ),
    "not_a_whole_number": ("Arvon on oltava kokonaisluku.", "The value must be a whole number."),
    "out_of_range": (
        "Arvon on oltava välillä {min}–{max}.",
        "The value must be between {min} and {max}.",
    ),
    "below_minimum": ("Arvon on oltava vähintään {min}.", "The value must be at least {min}."),
    "unknown_measure": (
        "Tuntematon mittari; sallitut: {allowed}.",
        "Unknown measure; the measures are {allowed}.",
    ),
    "bad_measure_name": (
        "Mittarin nimessä saa olla vain kirjaimia a–z, numeroita ja alaviivoja.",
        "A measure's name has only the letters a–z, digits and underscores.",
    ),
    "empty_response": (
        "Rivillä ei ole yhtään pistemäärää eikä eNPS-vastausta.",
        "The row has no score and no eNPS answer.",
    ),
    # Against other rows.
    "duplicate_in_file": (
        "Sama yksikkö, jakso ja mittari on jo rivillä {earlier_line}.",
        "The same unit, period and measure are on line {earlier_line} already.",
    ),
    "already_imported": (
        "Tälle yksikölle ja jaksolle on jo tuotu arvo (tuonti {import_id}); korvaa se "
        "valinnalla replace=true tai poista aiempi tuonti.",
        "A value for this unit and period was imported already (import {import_id}); "
        "replace it with replace=true, or delete the earlier import.",
    ),
}


def reason_text(code: str, locale: Locale, params: dict[str, Any]) -> str:
    finnish, english = REASONS[code]
    template = finnish if locale is Locale.FI else english
    try:
        return string.Formatter().vformat(template, (), TextValues(params))
    except (KeyError, IndexError, ValueError):
        return template
