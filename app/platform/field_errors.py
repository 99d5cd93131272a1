"""Field errors (pydantic's, of both APIs' validation) in Finnish and English."""

import string
from collections.abc import Mapping
from typing import Any

from app.platform.i18n import Locale, TextValues

# A field error's text in Finnish and English, for every error type of pydantic (the
# validation of both APIs) and the ones our own validators raise. Placeholders are the
# error's context (`ctx`); the Finnish texts use only those that carry no English (numbers,
# the allowed values), so a Finnish reader meets no English. English keeps pydantic's own
# message when there is one: it is the more specific. tests/i18n/test_field_messages.py
# checks every type pydantic knows against this table.
FIELD_MESSAGES: dict[str, tuple[str, str]] = {
    # The shape of the input.
    "missing": ("Kenttä puuttuu.", "Field required."),
    "extra_forbidden": ("Tuntematon kenttä.", "Extra inputs are not permitted."),
    "json_invalid": ("Pyyntö ei ole kelvollista JSONia.", "Invalid JSON: {error}"),
    "json_type": (
        "JSON-syötteen on oltava tekstiä tai tavuja.",
        "JSON input should be string, bytes or bytearray.",
    ),
    "recursion_loop": (
        "Syötteessä on kehämäinen viittaus.",
        "Recursion error - cyclic reference detected.",
    ),
    "recursion_depth_exceeded": (
        "Syöte on sisäkkäinen liian syvälle.",
        "Recursion error - maximum validation depth exceeded.",
    ),
    "invalid_key": ("Avainten on oltava tekstiä.", "Keys should be strings."),
    "model_type": ("Arvon on oltava objekti.", "Input should be a valid dictionary or object."),
    "model_attributes_type": (
        "Arvon on oltava objekti.",
        "Input should be a valid dictionary or object to extract fields from.",
    ),
    "dataclass_type": ("Arvon on oltava objekti.", "Input should be a dictionary."),
    "dataclass_exact_type": ("Arvo on väärää tyyppiä.", "Input should be of the expected type."),
    "named_tuple_type": (
        "Arvon on oltava luettelo tai objekti.",
        "Input should be a tuple, list or dictionary.",
    ),
    "none_required": ("Arvon on oltava null.", "Input should be None."),
    "dict_type": ("Arvon on oltava objekti.", "Input should be a valid dictionary."),
    "frozen_dict_type": ("Arvon on oltava objekti.", "Input should be a valid frozendict."),
    "ordered_dict_type": ("Arvon on oltava objekti.", "Input should be a valid OrderedDict."),
    "counter_type": ("Arvon on oltava objekti.", "Input should be a valid Counter."),
    "mapping_type": ("Arvon on oltava objekti.", "Input should be a valid mapping."),
    "list_type": ("Arvon on oltava luettelo.", "Input should be a valid list."),
    "deque_type": ("Arvon on oltava luettelo.", "Input should be a valid deque."),
    "tuple_type": ("Arvon on oltava luettelo.", "Input should be a valid tuple."),
    "set_type": ("Arvon on oltava luettelo.", "Input should be a valid set."),
    "frozen_set_type": ("Arvon on oltava luettelo.", "Input should be a valid frozenset."),
    "set_item_not_hashable": (
        "Joukon alkioiden on oltava yksinkertaisia arvoja.",
        "Set items should be hashable.",
    ),
    "iterable_type": ("Arvon on oltava luettelo.", "Input should be iterable."),
    "iteration_error": ("Luetteloa ei voitu käydä läpi.", "Error iterating over object."),
    "too_short": (
        "Luettelossa on oltava vähintään {min_length} kohdetta.",
        "The list should have at least {min_length} items.",
    ),
    "too_long": (
        "Luettelossa saa olla enintään {max_length} kohdetta.",
        "The list should have at most {max_length} items.",
    ),
    "union_tag_invalid": (
        "Tunniste {tag} ei ole mikään sallituista: {expected_tags}.",
        "Input tag '{tag}' found using {discriminator} does not match any of the expected "
        "tags: {expected_tags}.",
    ),
    "union_tag_not_found": (
        "Arvosta puuttuu sen lajin kertova kenttä {discriminator}.",
        "Unable to extract tag using discriminator {discriminator}.",
    ),
    # Text.
    "string_type": ("Arvon on oltava tekstiä.", "Input should be a valid string."),
    "string_unicode": (
        "Arvon on oltava kelvollista Unicode-tekstiä.",
        "Input should be a valid string, unable to parse raw data as a unicode string.",
    ),
    "string_too_short": (
        "Tekstin on oltava vähintään {min_length} merkkiä.",
        "String should have at least {min_length} characters.",
    ),
    "string_too_long": (
        "Teksti saa olla enintään {max_length} merkkiä.",
        "String should have at most {max_length} characters.",
    ),
    "string_pattern_mismatch": (
        "Arvo ei ole oikeassa muodossa ({pattern}).",
        "String should match pattern '{pattern}'.",
    ),
    "string_not_ascii": (
        "Tekstissä saa olla vain ASCII-merkkejä.",
        "String should contain only ASCII characters.",
    ),
    "enum": ("Arvon on oltava {expected}.", "Input should be {expected}."),
    "literal_error": ("Arvon on oltava {expected}.", "Input should be {expected}."),
    # Numbers and truth values.
    "bool_type": ("Arvon on oltava true tai false.", "Input should be a valid boolean."),
    "bool_parsing": (
        "Arvon on oltava true tai false.",
        "Input should be a valid boolean, unable to interpret input.",
    ),
    "int_type": ("Arvon on oltava kokonaisluku.", "Input should be a valid integer."),
    "int_parsing": (
        "Arvon on oltava kokonaisluku.",
        "Input should be a valid integer, unable to parse string as an integer.",
    ),
    "int_parsing_size": (
        "Luku on liian suuri.",
        "Unable to parse input string as an integer, exceeded maximum size.",
    ),
    "int_from_float": (
        "Arvon on oltava kokonaisluku, ei desimaaliluku.",
        "Input should be a valid integer, got a number with a fractional part.",
    ),
    "float_type": ("Arvon on oltava luku.", "Input should be a valid number."),
    "float_parsing": (
        "Arvon on oltava luku.",
        "Input should be a valid number, unable to parse string as a number.",
    ),
    "finite_number": ("Luvun on oltava äärellinen.", "Input should be a finite number."),
    "greater_than": ("Arvon on oltava suurempi kuin {gt}.", "Input should be greater than {gt}."),
    "greater_than_equal": (
        "Arvon on oltava vähintään {ge}.",
        "Input should be greater than or equal to {ge}.",
    ),
    "less_than": ("Arvon on oltava pienempi kuin {lt}.", "Input should be less than {lt}."),
    "less_than_equal": (
        "Arvo saa olla enintään {le}.",
        "Input should be less than or equal to {le}.",
    ),
    "multiple_of": (
        "Arvon on oltava luvun {multiple_of} monikerta.",
        "Input should be a multiple of {multiple_of}.",
    ),
    "decimal_type": ("Arvon on oltava desimaaliluku.", "Input should be a valid decimal."),
    "decimal_parsing": ("Arvon on oltava desimaaliluku.", "Input should be a valid decimal."),
    "decimal_max_digits": (
        "Luvussa saa olla enintään {max_digits} numeroa.",
        "Decimal input should have no more than {max_digits} digits in total.",
    ),
    "decimal_max_places": (
        "Luvussa saa olla enintään {decimal_places} desimaalia.",
        "Decimal input should have no more than {decimal_places} decimal places.",
    ),
    "decimal_whole_digits": (
        "Luvun kokonaisosassa saa olla enintään {whole_digits} numeroa.",
        "Decimal input should have no more than {whole_digits} digits before the decimal point.",
    ),
    "fraction_type": ("Arvon on oltava murtoluku.", "Input should be a valid fraction."),
    "fraction_parsing": ("Arvon on oltava murtoluku.", "Input is not a valid fraction."),
    "complex_type": ("Arvon on oltava kompleksiluku.", "Input should be a valid complex number."),
    "complex_str_parsing": (
        "Arvon on oltava kompleksiluku.",
        "Input should be a valid complex string.",
    ),
    # Bytes.
    "bytes_type": ("Arvon on oltava tavuja.", "Input should be valid bytes."),
    "bytes_too_short": (
        "Arvossa on oltava vähintään {min_length} tavua.",
        "Data should have at least {min_length} bytes.",
    ),
    "bytes_too_long": (
        "Arvossa saa olla enintään {max_length} tavua.",
        "Data should have at most {max_length} bytes.",
    ),
    "bytes_invalid_encoding": (
        "Arvo ei ole kelvollista {encoding}-koodausta.",
        "Data should be valid {encoding}: {encoding_error}",
    ),
    # Dates and times.
    "date_type": ("Arvon on oltava päivämäärä.", "Input should be a valid date."),
    "date_parsing": (
        "Arvon on oltava päivämäärä muodossa VVVV-KK-PP.",
        "Input should be a valid date in the format YYYY-MM-DD, {error}.",
    ),
    "date_from_datetime_parsing": (
        "Arvon on oltava päivämäärä (ISO 8601).",
        "Input should be a valid date or datetime, {error}.",
    ),
    "date_from_datetime_inexact": (
        "Päivämäärään ei saa liittyä kellonaikaa.",
        "Datetimes provided to dates should have zero time - e.g. be exact dates.",
    ),
    "date_past": ("Päivämäärän on oltava menneisyydessä.", "Date should be in the past."),
    "date_future": ("Päivämäärän on oltava tulevaisuudessa.", "Date should be in the future."),
    "time_type": ("Arvon on oltava kellonaika.", "Input should be a valid time."),
    "time_parsing": (
        "Arvon on oltava kellonaika (ISO 8601).",
        "Input should be in a valid time format, {error}.",
    ),
    "datetime_type": (
        "Arvon on oltava päivämäärä ja kellonaika (ISO 8601).",
        "Input should be a valid datetime.",
    ),
    "datetime_parsing": (
        "Arvon on oltava päivämäärä ja kellonaika (ISO 8601).",
        "Input should be a valid datetime, {error}.",
    ),
    "datetime_object_invalid": (
        "Päivämäärä ja kellonaika eivät kelpaa.",
        "Invalid datetime object, got {error}.",
    ),
    "datetime_from_date_parsing": (
        "Arvon on oltava päivämäärä ja kellonaika (ISO 8601).",
        "Input should be a valid datetime or date, {error}.",
    ),
    "datetime_past": ("Ajankohdan on oltava menneisyydessä.", "Input should be in the past."),
    "datetime_future": (
        "Ajankohdan on oltava tulevaisuudessa.",
        "Input should be in the future.",
    ),
    "timezone_naive": (
        "Ajankohdassa ei saa olla aikavyöhykettä.",
        "Input should not have timezone info.",
    ),
    "timezone_aware": (
        "Ajankohdassa on oltava aikavyöhyke (esimerkiksi +02:00 tai Z).",
        "Input should have timezone info.",
    ),
    "timezone_offset": (
        "Aikavyöhykkeen poikkeaman on oltava {tz_expected}, ei {tz_actual}.",
        "Timezone offset of {tz_expected} required, got {tz_actual}.",
    ),
    "time_delta_type": ("Arvon on oltava kesto.", "Input should be a valid timedelta."),
    "time_delta_parsing": (
        "Arvon on oltava kesto (ISO 8601, esimerkiksi PT15M).",
        "Input should be a valid timedelta, {error}.",
    ),
    # Identifiers and addresses.
    "uuid_type": ("Arvon on oltava kelvollinen UUID-tunniste.", "Input should be a valid UUID."),
    "uuid_parsing": (
        "Arvon on oltava kelvollinen UUID-tunniste.",
        "Input should be a valid UUID, {error}.",
    ),
    "uuid_version": (
        "UUID-tunnisteen version on oltava {expected_version}.",
        "UUID version {expected_version} expected.",
    ),
    "url_type": ("Arvon on oltava osoite (URL).", "URL input should be a string or URL."),
    "url_parsing": ("Osoite (URL) ei kelpaa.", "Input should be a valid URL, {error}."),
    "url_syntax_violation": (
        "Osoite (URL) ei noudata URL-syntaksia.",
        "Input violated strict URL syntax rules, {error}.",
    ),
    "url_too_long": (
        "Osoite (URL) saa olla enintään {max_length} merkkiä.",
        "URL should have at most {max_length} characters.",
    ),
    "url_scheme": (
        "Osoitteen (URL) skeeman on oltava {expected_schemes}.",
        "URL scheme should be {expected_schemes}.",
    ),
    # Our own validators' errors.
    # What the strict JSON decoder and the NUL refusal of the edge find (`app/web/json_body.py`).
    "json_too_deep": (
        "JSON-dokumentissa on yli {max_depth} sisäkkäistä tasoa.",
        "The JSON document is nested more than {max_depth} levels deep.",
    ),
    "duplicate_key": (
        "Avain esiintyy samassa objektissa useammin kuin kerran.",
        "A key appears more than once in the same object.",
    ),
    "nul_character": (
        "Teksti ei saa sisältää NUL-merkkiä (\\u0000).",
        "Text must not contain the NUL character (\\u0000).",
    ),
    "value_error": ("Arvo ei kelpaa.", "Value error, {error}"),
    "assertion_error": ("Arvo ei kelpaa.", "Assertion failed, {error}"),
    "blank": ("Tekstiä ei saa jättää tyhjäksi.", "Must not be blank."),
    "consent_required": (
        "Asiakkaan yhteystiedot tarvitsevat asiakkaan suostumuksen.",
        "A customer contact needs the customer's consent.",
    ),
    "invalid_contact_address": (
        "Yhteystieto ei ole kelvollinen sähköpostiosoite tai puhelinnumero.",
        "The address is not a valid address for its channel.",
    ),
    "one_target": (
        "Anna täsmälleen toinen: levels_up tai unit_id.",
        "Give exactly one of levels_up and unit_id.",
    ),
    # Errors of the code rather than of an input; worded all the same.
    "no_such_attribute": ("Arvo ei kelpaa.", "Object has no attribute '{attribute}'."),
    "needs_python_object": (
        "Arvoa ei voi tarkistaa JSONista.",
        "Cannot check `{method_name}` when validating from json.",
    ),
    "frozen_field": ("Kenttää ei voi muuttaa.", "Field is frozen."),
    "frozen_instance": ("Arvoa ei voi muuttaa.", "Instance is frozen."),
    "get_attribute_error": ("Arvo ei kelpaa.", "Error extracting attribute: {error}"),
    "default_factory_not_called": (
        "Oletusarvoa ei voitu muodostaa, koska syötteessä on virheitä.",
        "The default factory uses validated data, but at least one validation error occurred.",
    ),
    "is_instance_of": ("Arvo on väärää tyyppiä.", "Input should be an instance of {class}."),
    "is_subclass_of": ("Arvo on väärää tyyppiä.", "Input should be a subclass of {class}."),
    "callable_type": ("Arvon on oltava kutsuttava.", "Input should be callable."),
    "arguments_type": (
        "Argumenttien on oltava luettelo tai objekti.",
        "Arguments must be a tuple, list or a dictionary.",
    ),
    "missing_argument": ("Argumentti puuttuu.", "Missing required argument."),
    "unexpected_keyword_argument": ("Tuntematon argumentti.", "Unexpected keyword argument."),
    "missing_keyword_only_argument": ("Argumentti puuttuu.", "Missing required keyword argument."),
    "unexpected_positional_argument": (
        "Ylimääräinen argumentti.",
        "Unexpected positional argument.",
    ),
    "missing_positional_only_argument": ("Argumentti puuttuu.", "Missing required argument."),
    "multiple_argument_values": (
        "Argumentilla on useita arvoja.",
        "Got multiple values for argument.",
    ),
    "missing_sentinel_error": ("Arvon on puututtava.", "Input should be the 'MISSING' sentinel."),
    "ellipsis_error": ("Arvon on oltava ....", "Input should be the 'Ellipsis' literal."),
}

# Context values that list alternatives as pydantic words them: "'a', 'b' or 'c'".
_ALTERNATIVES = ("expected", "expected_tags", "expected_schemes")


def _in_finnish(ctx: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(ctx)
    for name in _ALTERNATIVES:
        value = values.get(name)
        if isinstance(value, str):
            head, sep, last = value.rpartition(" or ")
            if sep:
                values[name] = f"{head} tai {last}"
    return values


def field_message(error: Mapping[str, Any], locale: Locale) -> str:
    """One pydantic error's message in `locale`: its own message in English when it has
    one, otherwise the table's text with its context filled in."""
    message = str(error.get("msg") or "")
    texts = FIELD_MESSAGES.get(str(error.get("type", "")))
    if texts is None or (locale is Locale.EN and message):
        return message
    ctx = error.get("ctx") or {}
    finnish, english = texts
    template, values = (finnish, _in_finnish(ctx)) if locale is Locale.FI else (english, ctx)
    try:
        return string.Formatter().vformat(template, (), TextValues(values))
    except (KeyError, IndexError, ValueError):
        # A context that lacks a value: the text without it rather than none.
        return message or template
