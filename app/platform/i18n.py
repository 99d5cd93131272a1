"""The language of an answer, and the API's error texts in Finnish and English.

A request's language is the first supported one in its Accept-Language header (q-values
and regional variants such as fi-FI honoured); otherwise the caller's own locale;
otherwise English, for a request made before anyone is known. Swedish is detected in
posted text but not yet offered for the interface: an Accept-Language naming only Swedish
falls back to the person's locale.
"""

import string
from collections.abc import Mapping
from enum import StrEnum
from typing import Any


# The interface languages.
class Locale(StrEnum):
    FI = "fi"
    EN = "en"


SUPPORTED: dict[str, Locale] = {"fi": Locale.FI, "en": Locale.EN}
DEFAULT = Locale.EN


def from_accept_language(header: str | None) -> Locale | None:
    """The supported language the client prefers most, or None when it names none."""
    if not header:
        return None
    best: tuple[float, int, Locale] | None = None
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        locale = SUPPORTED.get(tag.strip().lower().split("-")[0])
        if locale is None or quality <= 0:
            continue
        # Highest quality first; among equals, the one named first.
        candidate = (quality, -position, locale)
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    return best[2] if best else None


# code: (Finnish title, Finnish detail, English title). English details come from where
# the error is raised; the Finnish detail may name values the error carries, e.g. {limit}.
PROBLEMS: dict[str, tuple[str, str, str]] = {
    "bad_request": ("Virheellinen pyyntö", "Pyyntöä ei voitu käsitellä.", "Bad request"),
    "validation_error": (
        "Virheellinen syöte",
        "Pyyntö ei vastaa skeemaa.",
        "Invalid input",
    ),
    "invalid_input": ("Virheellinen syöte", "Syötteessä on virhe.", "Invalid input"),
    "invalid_encoding": (
        "Virheellinen pyyntö",
        "Pyynnön rungon on oltava UTF-8-koodattu.",
        "Bad request",
    ),
    "invalid_query": ("Virheellinen kysely", "GraphQL-kysely on virheellinen.", "Invalid query"),
    "not_found": ("Ei löytynyt", "Kohdetta ei löytynyt.", "Not found"),
    "method_not_allowed": (
        "Menetelmä ei ole sallittu",
        "Tätä HTTP-menetelmää ei voi käyttää tähän osoitteeseen.",
        "Method not allowed",
    ),
    "http_error": ("HTTP-virhe", "Pyyntöä ei voitu käsitellä.", "HTTP error"),
    "internal_error": (
        "Sisäinen virhe",
        "Jotain meni vikaan meidän päässämme.",
        "Internal error",
    ),
    "service_unavailable": (
        "Palvelu ei ole käytettävissä",
        "Pyyntöä ei saatu päätökseen; sen voi turvallisesti lähettää uudelleen.",
        "Service unavailable",
    ),
    "unauthenticated": (
        "Tunnistautuminen vaaditaan",
        "Kirjaudu sisään.",
        "Authentication required",
    ),
    "missing_token": (
        "Tunnistautuminen vaaditaan",
        "Pyynnöstä puuttuu pääsytunniste (bearer token).",
        "Authentication required",
    ),
    "invalid_token": (
        "Tunnistautuminen vaaditaan",
        "Pääsytunniste ei kelpaa.",
        "Authentication required",
    ),
    "token_expired": (
        "Tunnistautuminen vaaditaan",
        "Pääsytunniste on vanhentunut; kirjaudu uudelleen.",
        "Authentication required",
    ),
    "unknown_subject": (
        "Tunnistautuminen vaaditaan",
        "Pääsytunniste ei vastaa yhtään aktiivista henkilöä.",
        "Authentication required",
    ),
    "issuer_unavailable": (
        "Tunnistuspalvelu ei vastaa",
        "Tunnistuspalvelun avaimia ei saatu; yritä hetken päästä uudelleen.",
        "Identity provider unavailable",
    ),
    "forbidden": ("Ei sallittu", "Sinulla ei ole oikeutta tähän.", "Not allowed"),
    "not_a_manager": (
        "Ei sallittu",
        "Vain esihenkilö voi tehdä tämän.",
        "Not allowed",
    ),
    "not_an_admin": ("Ei sallittu", "Vain pääkäyttäjä voi tehdä tämän.", "Not allowed"),
    "invalid_multipart": (
        "Virheellinen syöte",
        "Lomakkeen multipart/form-data-runko on virheellinen.",
        "Invalid input",
    ),
    "not_privacy_officer": (
        "Ei sallittu",
        "Vain HR ja pääkäyttäjät voivat viedä toisen henkilön tiedot.",
        "Not allowed",
    ),
    "cannot_erase_self": (
        "Ristiriita",
        "Pääkäyttäjä ei voi poistaa itseään.",
        "Conflict",
    ),
    "not_a_reader": ("Ei sallittu", "Sinulla ei ole lukuoikeutta tähän.", "Not allowed"),
    "not_insight_manager": (
        "Ei sallittu",
        "Vain havainnon käsittelevät esihenkilöt voivat tehdä tämän.",
        "Not allowed",
    ),
    "owner_not_insight_manager": (
        "Ei sallittu",
        "Toimenpiteen vastuuhenkilön on oltava havainnon käsittelijä.",
        "Not allowed",
    ),
    "unit_out_of_reach": (
        "Ei sallittu",
        "Havainnon voi kirjata vain oman myymälän yksiköihin ja yksiköihin, "
        "joissa sinulla on rooli.",
        "Not allowed",
    ),
    "not_in_thread": (
        "Ei sallittu",
        "Vain havainnon tekijä ja sen käsittelijät voivat kommentoida.",
        "Not allowed",
    ),
    "not_action_owner": (
        "Ei sallittu",
        "Vain toimenpiteen vastuuhenkilö voi muuttaa sitä.",
        "Not allowed",
    ),
    "not_contact_keeper": (
        "Ei sallittu",
        "Vain asiakasyhteyden vastuuhenkilö voi tehdä tämän.",
        "Not allowed",
    ),
    "not_comment_author": (
        "Ei sallittu",
        "Vain kommentin kirjoittaja voi liittää siihen tiedostoja.",
        "Not allowed",
    ),
    "not_uploader": (
        "Ei sallittu",
        "Vain liitteen lisääjä voi poistaa sen.",
        "Not allowed",
    ),
    "own_insight": (
        "Ei sallittu",
        "Omaa havaintoa ei voi tukea.",
        "Not allowed",
    ),
    "conflict": ("Ristiriita", "Pyyntö on ristiriidassa nykyisen tilan kanssa.", "Conflict"),
    "version_mismatch": (
        "Kohde on muuttunut",
        "Kohdetta on muutettu sen jälkeen, kun haoit sen; hae se uudelleen.",
        "The resource has changed",
    ),
    "invalid_status_transition": (
        "Ristiriita",
        "Havainnon tilaa ei voi muuttaa näin.",
        "Conflict",
    ),
    "invalid_action_transition": (
        "Ristiriita",
        "Toimenpiteen tilaa ei voi muuttaa näin.",
        "Conflict",
    ),
    "insight_merged": (
        "Ristiriita",
        "Havainto on yhdistetty toiseen havaintoon.",
        "Conflict",
    ),
    "insight_closed": ("Ristiriita", "Havainto on jo suljettu.", "Conflict"),
    "merge_into_itself": (
        "Virheellinen syöte",
        "Havaintoa ei voi yhdistää itseensä.",
        "Invalid input",
    ),
    "merge_into_merged": (
        "Ristiriita",
        "Havaintoa ei voi yhdistää jo yhdistettyyn havaintoon.",
        "Conflict",
    ),
    "insight_id_conflict": (
        "Ristiriita",
        "Tunniste on jo toisen havainnon käytössä.",
        "Conflict",
    ),
    "comment_id_conflict": (
        "Ristiriita",
        "Tunniste on jo toisen kommentin käytössä.",
        "Conflict",
    ),
    "action_id_conflict": (
        "Ristiriita",
        "Tunniste on jo toisen toimenpiteen käytössä.",
        "Conflict",
    ),
    "communication_id_conflict": (
        "Ristiriita",
        "Tunniste on jo toisen viestin käytössä.",
        "Conflict",
    ),
    "endorsement_id_conflict": (
        "Ristiriita",
        "Tunniste on jo toisen tuen käytössä.",
        "Conflict",
    ),
    "attachment_id_conflict": (
        "Ristiriita",
        "Tunniste on jo toisen liitteen käytössä.",
        "Conflict",
    ),
    "slug_taken": ("Ristiriita", "Tunnus on jo käytössä.", "Conflict"),
    "rule_order_mismatch": (
        "Ristiriita",
        "Järjestykseen on annettava täsmälleen nykyiset reitityssäännöt.",
        "Conflict",
    ),
    "reason_required": (
        "Virheellinen syöte",
        "Perustelu vaaditaan.",
        "Invalid input",
    ),
    "outcome_required": (
        "Virheellinen syöte",
        "Toimenpiteen tulos vaaditaan.",
        "Invalid input",
    ),
    "unit_required": ("Virheellinen syöte", "Yksikkö vaaditaan.", "Invalid input"),
    "unknown_unit": ("Virheellinen syöte", "Yksikköä ei tunneta.", "Invalid input"),
    "unknown_person": ("Virheellinen syöte", "Henkilöä ei tunneta.", "Invalid input"),
    "unknown_journey_stage": (
        "Virheellinen syöte",
        "Asiakaspolun vaihetta ei tunneta.",
        "Invalid input",
    ),
    "unknown_touchpoint": (
        "Virheellinen syöte",
        "Kohtaamispistettä ei tunneta.",
        "Invalid input",
    ),
    "occurred_in_future": (
        "Virheellinen syöte",
        "Tapahtuma-aika ei voi olla tulevaisuudessa.",
        "Invalid input",
    ),
    "deadlines_out_of_order": (
        "Virheellinen syöte",
        "Kuittauksen määräajan on oltava ennen vastauksen määräaikaa.",
        "Invalid input",
    ),
    "invalid_id": ("Virheellinen syöte", "Tunniste ei kelpaa.", "Invalid input"),
    "invalid_if_match": (
        "Virheellinen syöte",
        "If-Match-otsakkeen on oltava tämän rajapinnan antama ETag tai *.",
        "Invalid input",
    ),
    "invalid_cursor": (
        "Virheellinen syöte",
        "Sivutuksen kursori ei kelpaa.",
        "Invalid input",
    ),
    "invalid_page_size": (
        "Virheellinen syöte",
        "Sivun koko ei kelpaa.",
        "Invalid input",
    ),
    "invalid_period": ("Virheellinen syöte", "Aikaväli ei kelpaa.", "Invalid input"),
    "period_too_long": (
        "Virheellinen syöte",
        "Yhteyksiä tarkastellaan enintään kymmenen vuoden ajalta kerrallaan.",
        "Invalid input",
    ),
    "unknown_ex_measure": (
        "Virheellinen syöte",
        "Tällä EX-mittarilla ei ole tietoja: raportti luettelee ne, joilla on.",
        "Invalid input",
    ),
    "unknown_theme": (
        "Virheellinen syöte",
        "Teemaa ei ole tai se ei ole käytössä.",
        "Invalid input",
    ),
    "theme_not_active": (
        "Ristiriita",
        "Teema on jo yhdistetty toiseen tai poistunut käytöstä.",
        "Conflict",
    ),
    "not_in_theme": (
        "Ristiriita",
        "Uuteen teemaan voi erottaa vain tämän teeman havaintoja.",
        "Conflict",
    ),
    "split_takes_all": (
        "Virheellinen syöte",
        "Kaikkia havaintoja ei voi erottaa: nimeä teema uudelleen.",
        "Invalid input",
    ),
    "too_many_buckets": (
        "Virheellinen syöte",
        "Aikaväli on liian pitkä valitulle tarkkuudelle.",
        "Invalid input",
    ),
    "invalid_url": ("Virheellinen syöte", "Osoite ei kelpaa.", "Invalid input"),
    "webhook_url_not_https": (
        "Virheellinen syöte",
        "Webhook-osoitteen on käytettävä HTTPS:ää.",
        "Invalid input",
    ),
    "webhook_url_internal": (
        "Virheellinen syöte",
        "Webhook-osoite ei saa osoittaa sisäverkkoon.",
        "Invalid input",
    ),
    "no_customer_contact": (
        "Ristiriita",
        "Havainnolla ei ole asiakkaan yhteystietoja.",
        "Conflict",
    ),
    "customer_contact_erased": (
        "Ristiriita",
        "Asiakkaan yhteystiedot on poistettu.",
        "Conflict",
    ),
    "not_awaiting_person": (
        "Ristiriita",
        "Viesti ei odota ihmistä: sen kanava kertoo, miten toimitus onnistui.",
        "Conflict",
    ),
    "invalid_idempotency_key": (
        "Virheellinen pyyntö",
        "Idempotency-Key-otsakkeen on oltava 1–255 tulostettavaa ASCII-merkkiä.",
        "Bad request",
    ),
    "idempotency_key_reused": (
        "Virheellinen syöte",
        "Tätä Idempotency-Key-avainta on käytetty toiseen pyyntöön.",
        "Invalid input",
    ),
    "idempotency_in_flight": (
        "Ristiriita",
        "Samalla Idempotency-Key-avaimella lähetettyä pyyntöä käsitellään vielä.",
        "Conflict",
    ),
    "headers_too_large": (
        "Otsakkeet ovat liian suuret",
        "Pyynnössä saa olla enintään {max_headers} otsaketta, yhteensä enintään "
        "{max_header_bytes} tavua.",
        "Request headers too large",
    ),
    "request_timeout": (
        "Pyyntö aikakatkaistiin",
        "Pyynnön runko lakkasi saapumasta {timeout_seconds} sekunniksi.",
        "Request timeout",
    ),
    "payload_too_large": (
        "Pyyntö on liian suuri",
        "Pyynnön runko saa olla enintään {limit} tavua.",
        "Request body too large",
    ),
    "too_large": ("Liian suuri", "Tiedosto on liian suuri.", "Too large"),
    "rate_limited": (
        "Liian monta pyyntöä",
        "Pyyntöjä on tullut liian tiheään; yritä uudelleen {retry_after} sekunnin kuluttua.",
        "Too many requests",
    ),
    "batch_too_large": (
        "Virheellinen syöte",
        "Erässä saa olla enintään {max_items} kohdetta; lähetä loput toisessa erässä.",
        "Invalid input",
    ),
    "empty_batch": ("Virheellinen syöte", "Erässä ei ole yhtään kohdetta.", "Invalid input"),
    "unsupported_media_type": (
        "Tiedostotyyppiä ei tueta",
        "Vain valokuvat (JPEG, PNG, WebP, HEIC) ja äänitteet kelpaavat.",
        "Unsupported media type",
    ),
    "attachment_too_large": (
        "Liite on liian suuri",
        "Liite on suurempi kuin sen tyypille sallitaan.",
        "Attachment too large",
    ),
    "audio_too_long": (
        "Virheellinen syöte",
        "Äänite on liian pitkä.",
        "Invalid input",
    ),
    "image_too_large": (
        "Kuva on liian suuri",
        "Kuvassa saa olla enintään {max_pixels} pikseliä.",
        "Image too large",
    ),
    "unreadable_attachment": (
        "Virheellinen syöte",
        "Tiedostoa ei voitu lukea.",
        "Invalid input",
    ),
    "unsupported_import_type": (
        "Tiedostotyyppiä ei tueta",
        "Tuo tiedosto CSV-muodossa (text/csv) tai rivit JSONina (application/json).",
        "Unsupported media type",
    ),
    "import_invalid": (
        "Virheellinen tuonti",
        "Tuonnissa on {bad_rows} virheellistä riviä; mitään ei tuotu. Rivit on lueteltu.",
        "The import has bad rows",
    ),
    "bad_encoding": (
        "Tiedosto ei ole UTF-8-koodattu",
        "Tiedosto ei ole UTF-8-koodattu: tavu {offset} (rivi {line}) ei ole kelvollista "
        "UTF-8:aa. Tallenna tiedosto muodossa CSV UTF-8.",
        "The file is not UTF-8",
    ),
    "too_many_rows": (
        "Liian monta riviä",
        "Tuonnissa saa olla enintään {max_rows} riviä; jaa tiedosto osiin.",
        "Too many rows",
    ),
    "not_an_importer": (
        "Ei sallittu",
        "Vain HR ja pääkäyttäjät tuovat henkilöstö- ja asiakaskokemuksen tuloksia.",
        "Not allowed",
    ),
    "import_out_of_scope": (
        "Ei sallittu",
        "Tuonnissa on arvoja yksiköistä, jotka ovat oikeuksiesi ulkopuolella.",
        "Not allowed",
    ),
    "no_file": (
        "Virheellinen syöte",
        "Lähetä täsmälleen yksi tiedosto kentässä file.",
        "Invalid input",
    ),
    "not_survey_officer": (
        "Ei sallittu",
        "Vain HR ja pääkäyttäjät hallinnoivat kyselyitä.",
        "Not allowed",
    ),
    "target_out_of_reach": (
        "Ei sallittu",
        "Kyselyn voi kohdistaa vain yksiköihin, joissa olet HR tai pääkäyttäjä.",
        "Not allowed",
    ),
    "not_surveyed": ("Ei sallittu", "Tätä kyselyä ei ole kohdistettu yksikköösi.", "Not allowed"),
    "duplicate_item_key": (
        "Virheellinen syöte",
        "Jokaisella kysymyksellä on oltava oma tunnuksensa.",
        "Invalid input",
    ),
    "factor_required": (
        "Virheellinen syöte",
        "Likert-kysymys kuuluu johonkin tekijään.",
        "Invalid input",
    ),
    "factor_not_allowed": (
        "Virheellinen syöte",
        "Vain Likert-kysymykset kuuluvat tekijään.",
        "Invalid input",
    ),
    "likert_item_required": (
        "Virheellinen syöte",
        "Kyselyssä on oltava vähintään yksi Likert-kysymys.",
        "Invalid input",
    ),
    "one_enps_item": (
        "Virheellinen syöte",
        "Kyselyssä on oltava täsmälleen yksi eNPS-kysymys.",
        "Invalid input",
    ),
    "one_comment_item": (
        "Virheellinen syöte",
        "Kyselyssä voi olla enintään yksi avoin kommentti.",
        "Invalid input",
    ),
    "closes_in_past": (
        "Virheellinen syöte",
        "Kyselykierros ei voi päättyä ennen kuin se alkaa.",
        "Invalid input",
    ),
    "wave_already_open": (
        "Ristiriita",
        "Kyselyn kierros on jo auki; sulje se ensin.",
        "Conflict",
    ),
    "wave_closed": ("Ristiriita", "Kyselykierros on suljettu.", "Conflict"),
    "wave_open": (
        "Ristiriita",
        "Tulokset näytetään, kun kyselykierros on päättynyt.",
        "Conflict",
    ),
    "already_answered": ("Ristiriita", "Olet jo vastannut tähän kierrokseen.", "Conflict"),
    "unknown_item": (
        "Virheellinen syöte",
        "Kyselyssä ei ole näitä Likert-kysymyksiä.",
        "Invalid input",
    ),
    "likert_answers_incomplete": (
        "Virheellinen syöte",
        "Jokaiseen Likert-kysymykseen on vastattava.",
        "Invalid input",
    ),
    "comment_not_asked": (
        "Virheellinen syöte",
        "Kyselyssä ei kysytä avointa kommenttia.",
        "Invalid input",
    ),
    "min_group_too_small": (
        "Virheellinen syöte",
        "Pienin ryhmä on vähintään {min_group} vastausta.",
        "Invalid input",
    ),
    "min_group_lowered": (
        "Ristiriita",
        "Kyselyiden vähimmäisryhmää voi nostaa, ei laskea (nyt {min_group}).",
        "Conflict",
    ),
}


class TextValues(dict[str, Any]):
    """The values of a text's placeholders; a missing one fails the text instead of
    printing a blank."""

    def __missing__(self, key: str) -> str:
        raise KeyError(key)


def problem_text(
    code: str, locale: Locale, title: str, detail: str, values: Mapping[str, Any]
) -> tuple[str, str]:
    """Title and detail of a problem in `locale`. English keeps the raise site's own,
    specific detail; an unknown code keeps what it was given."""
    texts = PROBLEMS.get(code)
    if texts is None:
        return title, detail
    fi_title, fi_detail, en_title = texts
    if locale is Locale.EN:
        return en_title, detail
    try:
        return fi_title, string.Formatter().vformat(fi_detail, (), TextValues(values))
    except (KeyError, IndexError, ValueError):
        return fi_title, fi_title
