"""The demo organisation: a Finnish retail chain with ninety days of frontline insights.

Everything is created through the real service functions, as the people themselves would
have done it, with the clock moved to the moment of each deed. So every routing decision,
deadline, timeline event, notification and closed loop is exactly what production would
have produced. The content is generated from templates with a fixed random seed: the same
organisation every time, its dates relative to today.
"""

import functools
import random
import re
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.actions import service as actions_service
from app.actions.models import Action, ActionStatus
from app.actions.schemas import ActionCreate, ActionUpdate
from app.insights import comments as insight_comments
from app.insights import endorsements as insight_endorsements
from app.insights import merges as insight_merges
from app.insights import posting as insight_posting
from app.insights import service as insights_service
from app.insights.models import Insight, InsightStatus, Visibility
from app.insights.schemas import CommentCreate, EndorsementCreate, InsightCreate, MergeInput
from app.loop import service as loop_service
from app.loop.models import Audience, LoopCommunication
from app.loop.schemas import CommunicationCreate
from app.notify import service as notify_service
from app.org import service as org_service
from app.org.models import Person, Role, RoleGrant, Unit, UnitKind
from app.org.principal import Principal
from app.org.taxonomy import ImpactLevel, InsightKind
from app.platform import clock
from app.platform.i18n import Locale
from app.routing import service as routing_service

ORG_NAME = "Pohjolan Kauppa Oy"
ORG_SLUG = "pohjolan-kauppa"
EMAIL_DOMAIN = "pohjolankauppa.fi"
DEMO_PASSWORD = "demo"  # noqa: S105 - the published password of the demo logins
SEED = 2026
INSIGHT_COUNT = 200
HISTORY_DAYS = 89

# The logins the README shows: one person for each way of using the platform.
DEMO_LOGINS: dict[str, str] = {
    "frontline": f"aino.virtanen@{EMAIL_DOMAIN}",  # works at Helsinki Kamppi
    "store_manager": f"kaisa.makinen@{EMAIL_DOMAIN}",  # manages Helsinki Kamppi
    "region_manager": f"markku.laine@{EMAIL_DOMAIN}",  # manages Etelä-Suomi
    "hr": f"satu.lehtonen@{EMAIL_DOMAIN}",
    "admin": f"ville.heikkinen@{EMAIL_DOMAIN}",
}

_ROLE_PLURALS = {"manager": "managers", "hr": "HR"}
_ROLE_TITLES = {
    "frontline": "frontline",
    "store_manager": "store manager",
    "region_manager": "region manager",
    "hr": "HR",
    "admin": "admin",
}


# ---------------------------------------------------------------------------------------
# The organisation
# ---------------------------------------------------------------------------------------

# key, name, kind, parent key
_UNITS: tuple[tuple[str, str, UnitKind, str | None], ...] = (
    ("company", ORG_NAME, UnitKind.COMPANY, None),
    ("etela", "Etelä-Suomi", UnitKind.REGION, "company"),
    ("lansi", "Länsi-Suomi", UnitKind.REGION, "company"),
    ("pohjoinen", "Pohjois-Suomi", UnitKind.REGION, "company"),
    ("logistiikka", "Logistiikka", UnitKind.FUNCTION, "company"),
    ("apk", "Asiakaspalvelukeskus", UnitKind.FUNCTION, "company"),
    ("kamppi", "Helsinki Kamppi", UnitKind.STORE, "etela"),
    ("kamppi_kassa", "Kassatiimi", UnitKind.TEAM, "kamppi"),
    ("kamppi_tuore", "Tuoretiski", UnitKind.TEAM, "kamppi"),
    ("iso_omena", "Espoo Iso Omena", UnitKind.STORE, "etela"),
    ("iso_omena_kassa", "Kassatiimi", UnitKind.TEAM, "iso_omena"),
    ("jumbo", "Vantaa Jumbo", UnitKind.STORE, "etela"),
    ("ratina", "Tampere Ratina", UnitKind.STORE, "lansi"),
    ("ratina_tuore", "Tuoretiski", UnitKind.TEAM, "ratina"),
    ("hansa", "Turku Hansa", UnitKind.STORE, "lansi"),
    ("puuvilla", "Pori Puuvilla", UnitKind.STORE, "lansi"),
    ("valkea", "Oulu Valkea", UnitKind.STORE, "pohjoinen"),
    ("revontuli", "Rovaniemi Revontuli", UnitKind.STORE, "pohjoinen"),
)

# key, first name, last name, home unit, role (granted on the home unit), locale
_PEOPLE: tuple[tuple[str, str, str, str, Role, Locale], ...] = (
    ("ville", "Ville", "Heikkinen", "company", Role.ADMIN, Locale.FI),
    ("satu", "Satu", "Lehtonen", "company", Role.HR, Locale.FI),
    ("johanna", "Johanna", "Koskinen", "company", Role.HR, Locale.FI),
    # The chain's head of operations: a manager over the whole tree, for chain-wide actions.
    ("leena", "Leena", "Aaltonen", "company", Role.MANAGER, Locale.FI),
    ("markku", "Markku", "Laine", "etela", Role.MANAGER, Locale.FI),
    ("riikka", "Riikka", "Salonen", "lansi", Role.MANAGER, Locale.FI),
    ("juha", "Juha", "Kemppainen", "pohjoinen", Role.MANAGER, Locale.FI),
    ("petri", "Petri", "Halonen", "logistiikka", Role.MANAGER, Locale.FI),
    ("elina", "Elina", "Turunen", "apk", Role.MANAGER, Locale.FI),
    ("kaisa", "Kaisa", "Mäkinen", "kamppi", Role.MANAGER, Locale.FI),
    ("tomi", "Tomi", "Järvinen", "iso_omena", Role.MANAGER, Locale.FI),
    ("antti", "Antti", "Hämäläinen", "ratina", Role.MANAGER, Locale.FI),
    ("minna", "Minna", "Saarinen", "hansa", Role.MANAGER, Locale.FI),
    ("jari", "Jari", "Rantanen", "puuvilla", Role.MANAGER, Locale.FI),
    ("sanna", "Sanna", "Karjalainen", "valkea", Role.MANAGER, Locale.FI),
    # Vantaa Jumbo's store manager post is open and Rovaniemi Revontuli is too small for one:
    # their insights go to the region managers, so those have an inbox of their own.
    ("aino", "Aino", "Virtanen", "kamppi", Role.FRONTLINE, Locale.FI),
    ("samuel", "Samuel", "Okafor", "kamppi", Role.FRONTLINE, Locale.EN),
    ("mikko", "Mikko", "Korhonen", "kamppi_kassa", Role.FRONTLINE, Locale.FI),
    ("emma", "Emma", "Nieminen", "kamppi_tuore", Role.FRONTLINE, Locale.FI),
    ("laura", "Laura", "Heinonen", "iso_omena_kassa", Role.FRONTLINE, Locale.FI),
    ("james", "James", "Wilson", "iso_omena", Role.FRONTLINE, Locale.EN),
    ("niko", "Niko", "Laitinen", "jumbo", Role.FRONTLINE, Locale.FI),
    ("maria", "Maria", "Silva", "jumbo", Role.FRONTLINE, Locale.EN),
    ("tuomas", "Tuomas", "Koivisto", "ratina", Role.FRONTLINE, Locale.FI),
    ("eveliina", "Eveliina", "Lahtinen", "ratina_tuore", Role.FRONTLINE, Locale.FI),
    ("henna", "Henna", "Salminen", "hansa", Role.FRONTLINE, Locale.FI),
    ("joonas", "Joonas", "Lehtinen", "puuvilla", Role.FRONTLINE, Locale.FI),
    ("veera", "Veera", "Honkanen", "valkea", Role.FRONTLINE, Locale.FI),
    ("iida", "Iida", "Rautio", "revontuli", Role.FRONTLINE, Locale.FI),
    ("kalle", "Kalle", "Manninen", "logistiikka", Role.FRONTLINE, Locale.FI),
    ("sofia", "Sofia", "Leinonen", "apk", Role.FRONTLINE, Locale.FI),
)

# How often the demo frontline login posts, against 1.0 for everyone else.
_AUTHOR_WEIGHT = {"aino": 2.5}


def email_for(first: str, last: str) -> str:
    """firstname.lastname@…, folded to ASCII (ä → a, ö → o, å → a)."""
    local = f"{first}.{last}".lower().translate(str.maketrans("äöåé", "aoae"))
    return f"{local}@{EMAIL_DOMAIN}"


# ---------------------------------------------------------------------------------------
# What the frontline writes about
# ---------------------------------------------------------------------------------------

_DEFAULT = "default"  # a template without its own journey stage or touchpoint uses its theme's

K = InsightKind
OBS, STORY, IDEA, COMPLAINT, PRAISE = (
    K.OBSERVATION,
    K.CUSTOMER_STORY,
    K.IDEA,
    K.COMPLAINT,
    K.PRAISE,
)


@dataclass(frozen=True, slots=True)
class _Tpl:
    """A text template: `{slot}` is filled from the context, `{a|b|c}` picks one."""

    kind: InsightKind
    text: str
    stage: str | None = _DEFAULT
    touchpoint: str | None = _DEFAULT
    tag: str = ""  # what an action picks its insights by
    # What the manager answers, when it is specific to this template rather than the theme.
    resolution: str = ""
    decline: str = ""


@dataclass(frozen=True, slots=True)
class _Theme:
    key: str
    stages: tuple[str | None, ...]
    touchpoints: tuple[str | None, ...]
    impacts: tuple[ImpactLevel, ...]
    affected: tuple[int, int]
    fi: tuple[_Tpl, ...]
    en: tuple[_Tpl, ...] = ()
    resolutions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    declines: dict[str, tuple[str, ...]] = field(default_factory=dict)
    questions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    replies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    confidential: float = 0.08


NONE_, LOW, MEDIUM, HIGH = ImpactLevel.NONE, ImpactLevel.LOW, ImpactLevel.MEDIUM, ImpactLevel.HIGH

_THEMES: tuple[_Theme, ...] = (
    _Theme(
        key="self_checkout",
        stages=("purchase",),
        touchpoints=("self_service",),
        impacts=(MEDIUM, MEDIUM, HIGH, LOW),
        affected=(2, 25),
        fi=(
            _Tpl(
                COMPLAINT,
                "Itsepalvelukassa {till} jumittui {time}: maksupääte ei herännyt ja "
                "{affected} asiakasta joutui siirtymään palvelukassan jonoon.",
                tag="till_fault",
            ),
            _Tpl(
                COMPLAINT,
                "Itsepalvelukassojen vaaka antaa jatkuvasti ilmoituksen ”Tuntematon tuote "
                "pussitusalueella”, vaikka alue on tyhjä. {Asiakkaat turhautuvat|Moni asiakas "
                "luovutti} ja {jäi odottamaan apua|jätti ostokset kesken}.",
                resolution="Vaa'an herkkyys kalibroitiin uudelleen, ja turhat ilmoitukset ovat "
                "vähentyneet selvästi.",
                tag="till_fault",
            ),
            _Tpl(
                STORY,
                "{Asiakas|Iäkäs asiakas|Lapsiperheen isä} joutui odottamaan henkilökunnan "
                "tunnistautumista itsepalvelukassalla kolme kertaa saman oston aikana, koska "
                "{siideri|kipulääke|energiajuoma} vaatii iän tarkistuksen. Jono kasvoi koko ajan.",
                resolution="Itsepalvelukassoille nimettiin ruuhka-ajoiksi valvoja, joka hoitaa "
                "tunnistautumiset.",
                decline="Iän tarkistus on lakisääteinen, eikä sitä voi ohittaa "
                "itsepalvelukassalla. Ohjaamme ikärajatuotteet ruuhka-aikaan palvelukassalle.",
            ),
            _Tpl(
                OBS,
                "Kaikki {till_count} itsepalvelukassaa kaatuivat {time} yhtä aikaa ja "
                "käynnistyivät uudelleen vasta noin {minutes} minuutin päästä. "
                "Palvelukassan jono venyi pitkäksi.",
                touchpoint="checkout",
                tag="till_fault",
            ),
            _Tpl(
                OBS,
                "Itsepalvelukassan kuittitulostin on ollut jumissa {jo kolmatta päivää|taas koko "
                "aamun}, ja asiakkaat kysyvät kuittia palvelukassalta.",
                resolution="Kuittitulostin vaihdettiin, ja paperin tarkistus lisättiin "
                "avausrutiiniin.",
            ),
            _Tpl(
                IDEA,
                "Ehdotus: itsepalvelukassoille selkeä ohjekyltti kuponkien ja bonuskortin "
                "käytöstä. Moni asiakas {kysyy samaa asiaa|pyytää apua} "
                "{päivittäin|joka vuorossa}.",
                resolution="Ohjekyltit kuponkien ja bonuskortin käytöstä kiinnitettiin kaikille "
                "itsepalvelukassoille.",
                decline="Kassojen näytölle tulee ensi kuussa ohje kuponkien käytöstä, joten "
                "erillisiä kylttejä ei tehdä.",
            ),
        ),
        en=(
            _Tpl(
                STORY,
                "{A customer|An elderly customer|A dad with two kids} had to wait three times for "
                "staff to approve the age check at self-checkout because of {cider|painkillers|an "
                "energy drink}. The queue behind kept growing.",
                resolution="Self-checkouts now have a dedicated host at peak times who handles "
                "the age checks.",
                decline="Age checks are required by law and can't be skipped at self-checkout; "
                "at peak times we steer age-restricted items to the staffed tills.",
            ),
            _Tpl(
                COMPLAINT,
                "Self-checkout {till} froze {time_en}; the card terminal would not wake up and "
                "{affected} customers had to move to the staffed till.",
                tag="till_fault",
            ),
            _Tpl(
                COMPLAINT,
                "The self-checkout scale keeps saying “unexpected item in bagging area” even "
                "when it is empty. Customers {get frustrated|give up} and {wait for help|leave "
                "their shopping behind}.",
                resolution="The scale was recalibrated and the false alerts have dropped clearly.",
                tag="till_fault",
            ),
            _Tpl(
                OBS,
                "All {till_count} self-checkouts crashed at once {time_en} and only came back "
                "after about {minutes} minutes. The queue at the staffed till got really long.",
                touchpoint="checkout",
                tag="till_fault",
            ),
        ),
        resolutions={
            "fi": (
                "Kassajärjestelmän toimittaja kävi paikan päällä ja korjasi vian. Kassat ovat "
                "toimineet sen jälkeen normaalisti.",
                "Vika korjattiin toimittajan etähuollossa, ja kassojen ohjelmisto päivitettiin.",
            ),
            "en": ("The vendor fixed the fault on site; the tills have worked normally since.",),
        },
        questions={
            "fi": (
                "Muistatko, mikä kassa oli kyseessä ja näkyikö näytöllä virhekoodia?",
                "Tapahtuuko tämä tiettyyn aikaan päivästä?",
            ),
            "en": ("Do you remember which till it was and whether it showed an error code?",),
        },
        replies={
            "fi": (
                "Kassa 3, virhekoodi oli E-214. Sama toistui seuraavana päivänä.",
                "Yleensä iltapäivällä, kun kaikki kassat ovat käytössä.",
            ),
            "en": ("Till 3, error code E-214. It happened again the next day.",),
        },
    ),
    _Theme(
        key="queues",
        stages=("purchase",),
        touchpoints=("checkout",),
        impacts=(MEDIUM, MEDIUM, HIGH, LOW),
        affected=(8, 60),
        fi=(
            _Tpl(
                COMPLAINT,
                "Ruuhka-aikaan {peak} jono palvelukassalle venyi noin {minutes} minuuttiin, kun "
                "auki oli vain {open_tills} kassaa. {Muutama asiakas jätti korin kesken.|"
                "Asiakkaat valittivat ääneen.|Yksi asiakas sanoi vaihtavansa kauppaa.}",
                tag="peak_queue",
            ),
            _Tpl(
                OBS,
                "{Perjantai|Lauantai|Torstai}-iltapäivisin klo {15–17|16–18} jonot ovat "
                "{joka viikko|lähes aina} pitkät, mutta vuorolistalla on silloin {vähiten|liian "
                "vähän} kassahenkilökuntaa.",
                tag="peak_queue",
            ),
            _Tpl(
                STORY,
                "Asiakas kertoi {jonottaneensa|seisoneensa jonossa} {minutes} minuuttia "
                "maitopurkin kanssa ja toivoi pikakassaa alle viiden tuotteen ostoksille.",
                resolution="Kokeilemme ruuhka-aikoina pikakassaa alle viiden tuotteen ostoksille.",
                decline="Pikakassaa ei voi toteuttaa nykyisellä kassalinjalla ilman remonttia. "
                "Asia on mukana ensi vuoden remonttisuunnitelmassa.",
            ),
            _Tpl(
                IDEA,
                "Voisiko ruuhkatunteina avata lisäkassan kutsunapilla? {Hyllyjen täyttäjät|"
                "Varaston väki} voisivat tulla kassalle, kun jonossa on yli viisi asiakasta.",
                resolution="Kutsunappi otettiin käyttöön: hyllyttäjät tulevat kassalle, kun "
                "jonossa on yli viisi asiakasta.",
                decline="Kutsunappia ei hankita, mutta vuoroesimies seuraa jonoa ja avaa "
                "lisäkassan tarvittaessa.",
                tag="call_button",
            ),
        ),
        en=(
            _Tpl(
                OBS,
                "{Friday|Saturday|Thursday} afternoons between {3 and 5|4 and 6} the queues are "
                "{always|nearly always} long, yet that's when the rota has the fewest people on "
                "the tills.",
                tag="peak_queue",
            ),
            _Tpl(
                COMPLAINT,
                "At peak time {peak_en} the queue at the staffed tills was about {minutes} "
                "minutes long with only {open_tills} tills open. {A few customers left their "
                "baskets.|Customers were openly complaining.}",
                tag="peak_queue",
            ),
            _Tpl(
                STORY,
                "A customer told me she waited {minutes} minutes with just a carton of milk and "
                "asked why there is no express lane for small baskets.",
                resolution="We're trying out an express lane for small baskets at peak times.",
                decline="An express lane doesn't fit the current till line without a refit; it "
                "is in next year's refit plan.",
            ),
            _Tpl(
                IDEA,
                "Idea: a call button so {shelf|stockroom} staff can open an extra till whenever "
                "the queue is longer than {five|six} people.",
                resolution="The call button is in use: shelf staff come to the tills when more "
                "than five customers queue.",
                decline="We won't buy a call button, but the shift lead watches the queue and "
                "opens an extra till when needed.",
                tag="call_button",
            ),
        ),
        resolutions={
            "fi": (
                "Ruuhkatunneille lisättiin yksi kassavuoro perjantaisin ja lauantaisin.",
                "Hyllyttäjät tulevat nyt kassalle, kun jonossa on yli viisi asiakasta.",
            ),
            "en": ("We added a till shift on Friday and Saturday afternoons.",),
        },
        declines={
            "fi": (
                "Kävijämäärät eivät riitä perustelemaan lisävuoroa; seuraamme jonoja "
                "kassajärjestelmän raporteista.",
            ),
            "en": (
                "Visitor numbers don't justify an extra shift; we're watching queue times in "
                "the till reports.",
            ),
        },
        questions={
            "fi": ("Montako kassaa oli auki ja kuinka kauan ruuhka kesti?",),
            "en": ("How many tills were open and how long did the rush last?",),
        },
        replies={
            "fi": ("Kaksi kassaa ja itsepalvelut, ruuhka kesti noin tunnin.",),
            "en": ("Two tills plus the self-checkouts; the rush lasted about an hour.",),
        },
    ),
    _Theme(
        key="weekly_offer",
        stages=("purchase", "purchase", "awareness"),
        touchpoints=("in_person",),
        impacts=(MEDIUM, LOW, HIGH),
        affected=(5, 40),
        fi=(
            _Tpl(
                COMPLAINT,
                "Viikon tarjoustuote {product} loppui jo {weekday} {aamupäivällä|puoliltapäivin}, "
                "ja {affected} asiakasta kysyi sitä {kassalla|hyllyn luona}. Tilaus oli selvästi "
                "liian pieni.",
                tag="sold_out",
            ),
            _Tpl(
                STORY,
                "Asiakas tuli {kauempaa|bussilla toiselta puolelta kaupunkia} nimenomaan "
                "tarjouslehden takia ({product}), mutta hylly oli tyhjä. Hän oli todella "
                "pettynyt.",
                tag="sold_out",
            ),
            _Tpl(
                COMPLAINT,
                "Tarjouslehdessä {product} mainostettiin hintaan {price} €, mutta tuotetta ei "
                "tullut kuormassa ollenkaan. Asiakkaat pitävät sitä harhaanjohtavana "
                "mainontana.",
                stage="awareness",
                tag="sold_out",
            ),
            _Tpl(
                IDEA,
                "Ehdotan sadetakuuta loppuneille tarjoustuotteille: asiakas saisi tuotteen "
                "tarjoushintaan seuraavasta kuormasta. Nyt {moni lähtee tyhjin käsin|asiakkaat "
                "suuttuvat kassalla}.",
                resolution="Sadetakuuta kokeillaan: kassalta saa kupongin, jolla loppunut "
                "tarjoustuote lunastetaan seuraavasta kuormasta.",
                decline="Sadetakuu ei ole mahdollinen nykyisessä kassajärjestelmässä; "
                "varmistamme sen sijaan riittävät tilausmäärät.",
            ),
        ),
        en=(
            _Tpl(
                COMPLAINT,
                "The flyer advertised {product_en} at {price} € but none came in the delivery. "
                "Customers think it's misleading advertising.",
                stage="awareness",
                tag="sold_out",
            ),
            _Tpl(
                COMPLAINT,
                "This week's offer, {product_en}, ran out on {weekday_en} morning and "
                "{affected} customers asked about it. The order was clearly too small.",
                tag="sold_out",
            ),
            _Tpl(
                STORY,
                "A customer came all the way from {the other side of town|Kerava} for the "
                "{product_en} in the weekly flyer and the shelf was empty. She was really "
                "disappointed.",
                stage="awareness",
                tag="sold_out",
            ),
        ),
        resolutions={
            "fi": (
                "Tarjoustuotteen tilausmäärää nostettiin, ja saimme lisäerän seuraavana aamuna.",
                "Jatkossa tarjoustuotteita tilataan ennakkoon puolitoistakertainen määrä "
                "normaaliin menekkiin nähden.",
            ),
            "en": ("We raised the order quantity and got an extra batch the next morning.",),
        },
        declines={
            "fi": (
                "Toimittajalla oli valtakunnallinen saatavuuskatko, johon emme voi vaikuttaa. "
                "Tarjous oli voimassa niin kauan kuin tuotetta riitti.",
            ),
            "en": (
                "The supplier had a nationwide shortage we could not influence; the offer was "
                "valid while stocks lasted.",
            ),
        },
        questions={
            "fi": ("Mihin aikaan hylly tyhjeni? Tuliko kuormassa tuotetta lainkaan?",),
            "en": ("When did the shelf run empty? Was there any in the delivery?",),
        },
        replies={
            "fi": ("Hylly oli tyhjä jo klo 11, kuormassa tuli vain yksi rullakko.",),
            "en": ("Empty by 11 am, only one roll cage came in the delivery.",),
        },
    ),
    _Theme(
        key="app_coupon",
        stages=("billing",),
        touchpoints=("mobile_app", "checkout"),
        impacts=(LOW, MEDIUM, MEDIUM),
        affected=(1, 15),
        fi=(
            _Tpl(
                COMPLAINT,
                "Mobiilisovelluksen {coupon} ei mennyt läpi kassalla: kassa ilmoitti ”kuponki ei "
                "voimassa”, vaikka sovelluksessa se näkyi aktiivisena. {Annoimme alennuksen "
                "käsin.|Asiakas maksoi täyden hinnan ja lähti harmissaan.}",
                tag="coupon_rejected",
            ),
            _Tpl(
                STORY,
                "Asiakas näytti kassalla sovelluksen kuponkia, mutta viivakoodi ei lukeutunut "
                "skannerilla. Näytön kirkkauden säätäminen ei auttanut. Tämä on {kolmas kerta "
                "tällä viikolla|toistuva ongelma}.",
                touchpoint="checkout",
                resolution="Kassojen skannerien ohjelmisto päivitettiin lukemaan sovelluksen "
                "viivakoodit.",
            ),
            _Tpl(
                OBS,
                "Sovelluksen kuponkisivulla näkyy vielä {viime viikon|vanhentuneita} tarjouksia, "
                "ja asiakkaat yrittävät käyttää niitä kassalla.",
                touchpoint="mobile_app",
                resolution="Vanhentuneet kupongit poistuvat nyt sovelluksesta automaattisesti "
                "keskiyöllä.",
                decline="Kupongit ovat voimassa vain sovelluksessa näkyvän ajan; vanhentuneita "
                "kuponkeja ei voi hyväksyä kassalla.",
            ),
        ),
        en=(
            _Tpl(
                OBS,
                "The coupon page in the app still shows {last week's|expired} offers, and "
                "customers try to use them at the till.",
                touchpoint="mobile_app",
                resolution="Expired coupons now disappear from the app automatically at midnight.",
                decline="Coupons are valid only for the period shown in the app; expired ones "
                "can't be accepted at the till.",
            ),
            _Tpl(
                COMPLAINT,
                "The app's {coupon_en} was rejected at the till with “coupon not valid” although "
                "it showed as active in the app. {We gave the discount manually.|The customer "
                "paid full price and left annoyed.}",
                tag="coupon_rejected",
            ),
            _Tpl(
                OBS,
                "The coupon barcode in the app doesn't scan at our tills, even with the screen "
                "brightness up. {Third time this week.|It keeps happening.}",
                touchpoint="checkout",
                resolution="The scanner software was updated to read the app's barcodes.",
            ),
        ),
        resolutions={
            "fi": (
                "Kuponki korjattiin kassajärjestelmässä, ja virheellisesti hylätyt alennukset "
                "hyvitetään asiakkaille asiakaspalvelun kautta.",
            ),
            "en": (
                "The coupon was fixed in the till system; customers who were wrongly refused "
                "get the discount back via customer service.",
            ),
        },
        questions={
            "fi": ("Mikä kuponki oli kyseessä ja millä puhelimella asiakas yritti?",),
            "en": ("Which coupon was it and what phone did the customer have?",),
        },
        replies={
            "fi": ("Kahvikuponki, asiakkaalla oli vanha Android-puhelin.",),
            "en": ("The coffee coupon, on an older Android phone.",),
        },
    ),
    _Theme(
        key="bottle_return",
        stages=("purchase",),
        touchpoints=("self_service",),
        impacts=(LOW, MEDIUM),
        affected=(3, 30),
        fi=(
            _Tpl(
                COMPLAINT,
                "Pullonpalautusautomaatti on ollut rikki {days} päivää. Asiakkaat joutuvat "
                "kantamaan pullot takaisin kotiin tai jättävät ne eteiseen.",
                tag="machine_fault",
            ),
            _Tpl(
                OBS,
                "Pullonpalautusautomaatin säiliö täyttyy {time}, ja kone menee jumiin. Kukaan ei "
                "ehdi tyhjentää sitä ruuhkan aikana.",
                resolution="Säiliön tyhjennys lisättiin iltavuoron tehtävälistaan klo 17.",
                tag="machine_fault",
            ),
            _Tpl(
                STORY,
                "Asiakas toi {count} kassillista tölkkejä, mutta automaatti hylkäsi puolet "
                "tuntemattomina. Hän epäili, että häntä huijataan.",
                resolution="Automaatin tunnistin puhdistettiin ja ohjelmisto päivitettiin; "
                "hylkäyksiä on nyt selvästi vähemmän.",
                decline="Automaatti hylkää tölkit, joissa ei ole suomalaista panttimerkintää; "
                "tämä on palautusjärjestelmän sääntö eikä vika.",
                tag="rejects",
            ),
            _Tpl(
                IDEA,
                "Pullonpalautukseen voisi laittaa kyltin, joka kertoo, kun automaatti on "
                "huollossa, ja ohjaa {palvelutiskille|lähimpään toimivaan automaattiin}.",
                resolution="Automaatille tehtiin huoltokyltti, joka ohjaa asiakkaat "
                "palvelutiskille.",
            ),
        ),
        en=(
            _Tpl(
                STORY,
                "A customer brought {count} bags of cans and the machine rejected half of them as "
                "unknown. He thought we were cheating him.",
                resolution="The machine's sensor was cleaned and its software updated; far fewer "
                "cans are rejected now.",
                decline="The machine rejects cans without a Finnish deposit mark; that is the "
                "deposit system's rule, not a fault.",
                tag="rejects",
            ),
            _Tpl(
                COMPLAINT,
                "The bottle return machine has been out of order for {days} days. Customers "
                "carry their bottles back home or leave them by the door.",
                tag="machine_fault",
            ),
            _Tpl(
                OBS,
                "The bottle return machine jams {time_en} because the container fills up and "
                "nobody has time to empty it during the rush.",
                resolution="Emptying the container was added to the evening shift checklist at "
                "5 pm.",
                tag="machine_fault",
            ),
        ),
        resolutions={
            "fi": ("Huoltoliike vaihtoi automaatin anturin, ja kone on toiminut moitteetta.",),
            "en": (
                "The service company replaced the sensor and the machine has worked fine since.",
            ),
        },
        questions={
            "fi": ("Onko huoltoon jo tehty vikailmoitus? Kirjaa tikettinumero tähän.",),
            "en": ("Has a fault report been filed? Please add the ticket number here.",),
        },
        replies={
            "fi": ("Tein ilmoituksen maanantaina, tiketti 55812.",),
            "en": ("Filed on Monday, ticket 55812.",),
        },
    ),
    _Theme(
        key="price_label",
        stages=("purchase",),
        touchpoints=("in_person", "checkout"),
        impacts=(LOW, MEDIUM),
        affected=(1, 8),
        fi=(
            _Tpl(
                COMPLAINT,
                "{Product}: hyllynreunassa hinta {price} €, mutta kassalla tuote meni hintaan "
                "{price2} €. Asiakas huomasi eron kuitista ja palasi kassalle.",
                touchpoint="checkout",
                decline="Hinta oli oikein: hyllyn tarjoushinta koskee vain bonusasiakkaita, ja "
                "se lukee hintalapussa. Selkeämpi merkintä tulee ketjun uusiin hintalappuihin.",
            ),
            _Tpl(
                OBS,
                "Sähköiset hintalaput näyttävät {juomahyllyssä|pakasteissa|maitohyllyssä} "
                "edellisen viikon tarjoushintoja. Löysin {count} virheellistä hintaa yhdellä "
                "kierroksella.",
                touchpoint="in_person",
                resolution="Sähköisten hintalappujen päivitysvirhe korjattiin, ja hinnat "
                "tarkistetaan nyt joka aamu.",
            ),
            _Tpl(
                STORY,
                "Asiakas kertoi, että hintalapussa luki {price} €, mutta hän maksoi {price2} €. "
                "Hänen mukaansa sama on tapahtunut ennenkin, eikä hän enää luota hintalappuihin.",
                decline="Hinta oli oikein: hyllyn tarjoushinta koskee vain bonusasiakkaita, ja "
                "se lukee hintalapussa. Selkeämpi merkintä tulee ketjun uusiin hintalappuihin.",
            ),
        ),
        en=(
            _Tpl(
                COMPLAINT,
                "{Product_en}: the shelf label says {price} € but it rang up at {price2} € at "
                "the till. The customer noticed it on the receipt and came back.",
                touchpoint="checkout",
                decline="The price was right: the shelf offer applies to loyalty members only, "
                "as the label says in small print.",
            ),
            _Tpl(
                OBS,
                "Electronic shelf labels in the {frozen aisle|drinks aisle} still show last "
                "week's offer prices. I found {count} wrong prices in one round.",
                touchpoint="in_person",
                resolution="The label update bug was fixed, and prices are now checked every "
                "morning.",
            ),
        ),
        resolutions={
            "fi": (
                "Hinta korjattiin kassajärjestelmään ja hyllyyn, ja asiakkaalle hyvitettiin "
                "erotus.",
                "Osaston hinnat tarkistettiin, ja virheelliset hintalaput vaihdettiin.",
            ),
            "en": (
                "The price was corrected in the till system and on the shelf, and the customer "
                "got the difference back.",
            ),
        },
        questions={
            "fi": ("Otitko kuvan hintalapusta? Kerro tuotenumero, niin korjaamme hinnan.",),
            "en": ("Did you take a photo of the label? Send the product number and we'll fix it.",),
        },
        replies={
            "fi": ("Tuotenumero on 6410 4052, kuva on lähetetty sähköpostilla.",),
            "en": ("Product number 6410 4052, photo sent by e-mail.",),
        },
    ),
    _Theme(
        key="parcel_pickup",
        stages=("delivery",),
        touchpoints=("pickup_delivery",),
        impacts=(MEDIUM, LOW, MEDIUM),
        affected=(2, 20),
        fi=(
            _Tpl(
                COMPLAINT,
                "Pakettien noutopisteellä jono oli {peak} yli {minutes} minuuttia, koska vain "
                "yksi työntekijä etsi paketteja varastosta.",
                resolution="Ruuhka-aikaan noutopisteellä on nyt kaksi työntekijää.",
                tag="pickup_point",
            ),
            _Tpl(
                OBS,
                "Pakettiautomaatti on ollut täynnä {jo kaksi päivää|koko viikonlopun}, ja paketit "
                "ohjautuvat palvelutiskille. Tiskillä ei ole tilaa niille.",
                resolution="Kuljetusyhtiö tyhjentää automaatin nyt kahdesti päivässä.",
                decline="Pakettiautomaatin kapasiteetti on kuljetusyhtiön vastuulla; välitimme "
                "palautteen heille.",
                tag="locker",
            ),
            _Tpl(
                STORY,
                "Asiakas oli saanut viestin, että paketti on noudettavissa, mutta sitä ei "
                "löytynyt varastosta. Paketti löytyi {seuraavana päivänä|puolen tunnin etsimisen "
                "jälkeen} väärältä hyllyltä.",
                tag="pickup_point",
            ),
        ),
        en=(
            _Tpl(
                OBS,
                "The parcel locker has been full {for two days|all weekend}, so parcels end up "
                "at the service desk, where there's no room for them.",
                resolution="The carrier now empties the locker twice a day.",
                decline="The locker's capacity is the carrier's responsibility; we've passed "
                "your feedback on to them.",
                tag="locker",
            ),
            _Tpl(
                COMPLAINT,
                "The parcel pickup queue was over {minutes} minutes {peak_en}; only one person "
                "was searching the stockroom for parcels.",
                resolution="At peak times there are now two people at the pickup point.",
                tag="pickup_point",
            ),
            _Tpl(
                STORY,
                "A customer got a text saying her parcel was ready, but we couldn't find it. It "
                "turned up {the next day|after half an hour} on the wrong shelf.",
                tag="pickup_point",
            ),
        ),
        resolutions={
            "fi": (
                "Noutopisteen hyllyt numeroitiin, ja paketit järjestetään saapumispäivän mukaan.",
            ),
            "en": ("The pickup shelves were numbered and parcels are now sorted by arrival date.",),
        },
        questions={
            "fi": ("Kuinka monta pakettia jäi tiskille odottamaan?",),
            "en": ("How many parcels ended up waiting at the counter?",),
        },
        replies={
            "fi": ("Noin 30 pakettia, osa jouduttiin pinoamaan lattialle.",),
            "en": ("About 30, some had to be stacked on the floor.",),
        },
    ),
    _Theme(
        key="praise",
        stages=("support", "purchase"),
        touchpoints=("in_person",),
        impacts=(NONE_, LOW),
        affected=(1, 1),
        fi=(
            _Tpl(
                PRAISE,
                "{colleague} auttoi {time} iäkästä asiakasta keräämään koko ostoslistan ja kantoi "
                "kassit autolle asti. Asiakas kävi erikseen kiittämässä.",
            ),
            _Tpl(
                PRAISE,
                "Asiakas antoi kiitosta: {colleague} oli löytänyt hänelle gluteenittomat "
                "vaihtoehdot ja neuvonut {kärsivällisesti|ystävällisesti} reseptin kanssa.",
            ),
            _Tpl(
                PRAISE,
                "Iso kiitos! {colleague} hoiti {peak} yllättävän kassaruuhkan rauhallisesti ja "
                "avasi lisäkassan ennen kuin kukaan ehti pyytää.",
                touchpoint="checkout",
            ),
            _Tpl(
                STORY,
                "{Vakioasiakas|Pitkäaikainen asiakas|Eräs rouva} sanoi, että meillä on {kaupungin|"
                "koko alueen} ystävällisin palvelu ja että hän tulee tänne juuri henkilökunnan "
                "takia.",
                stage="loyalty",
                resolution="Kerroimme tämän koko myymälän väelle viikkopalaverissa.",
            ),
        ),
        en=(
            _Tpl(
                PRAISE,
                "Big thanks to {colleague}, who handled a sudden rush at the tills {peak_en} "
                "calmly and opened an extra till before anyone had to ask.",
                touchpoint="checkout",
            ),
            _Tpl(
                PRAISE,
                "Shout-out to {colleague}, who helped an elderly customer with the whole "
                "shopping list and carried the bags to the car. The customer came back to say "
                "thank you.",
            ),
            _Tpl(
                PRAISE,
                "A customer asked me to pass on thanks: {colleague} found gluten-free options for "
                "her and explained the recipe patiently.",
            ),
        ),
        resolutions={
            "fi": (
                "Kiitos välitettiin kollegalle, ja tarina jaettiin myymälän viikkopalaverissa.",
                "Kiitos on välitetty! Nostimme tämän esimerkiksi alueen aamuinfoon.",
            ),
            "en": (
                "Thanks passed on to your colleague, and we shared the story at the weekly "
                "team meeting.",
            ),
        },
        questions={
            "fi": ("Ihana kuulla! Saanko jakaa tämän henkilökunnan infotaululla?",),
            "en": ("Lovely to hear! May I share this on the staff notice board?",),
        },
        replies={"fi": ("Totta kai, kiitos!",), "en": ("Of course, thanks!",)},
        confidential=0.0,
    ),
    _Theme(
        key="accessibility",
        stages=("purchase", "awareness"),
        touchpoints=("in_person",),
        impacts=(HIGH, MEDIUM),
        affected=(1, 10),
        fi=(
            _Tpl(
                COMPLAINT,
                "Sisäänkäynnin automaattiovi {aukeaa liian hitaasti|jää puoliväliin}, eikä "
                "pyörätuolilla liikkuva asiakas päässyt sisään ilman apua.",
                resolution="Ovimoottori korjattiin, ja aukeamisnopeus säädettiin "
                "esteettömyysohjeen mukaiseksi.",
                tag="access",
            ),
            _Tpl(
                STORY,
                "{Rollaattorilla|Pyörätuolilla} liikkuva asiakas kertoi, että kassojen välinen "
                "käytävä on liian kapea ja hän joutuu kiertämään {itsepalvelukassojen kautta|"
                "koko myymälän ympäri}.",
                resolution="Kassakäytävää levennettiin siirtämällä yksi esittelyteline.",
                decline="Kassakäytävien leventäminen vaatii kiinteistön omistajan luvan; asia on "
                "viety kiinteistöpalaveriin, mutta muutos ei ole mahdollinen tänä vuonna.",
                tag="access",
            ),
            _Tpl(
                OBS,
                "Esteetön pysäköintipaikka oli {koko aamun|taas} jakeluauton tukkima, ja asiakas "
                "joutui pysäköimään kauas.",
                stage="awareness",
                resolution="Esteetön pysäköintipaikka merkittiin uudelleen, ja jakeluautoille "
                "sovittiin oma lastausaika.",
                tag="access",
            ),
            _Tpl(
                IDEA,
                "Ehdotan hiljaista tuntia: valot himmeämmälle ja kuulutukset pois esimerkiksi "
                "tiistaiaamuisin. Sitä on kysytty {useasti|monelta taholta}.",
                resolution="Hiljainen tunti otettiin käyttöön tiistaiaamuisin klo 8–9.",
                decline="Hiljaista tuntia ei voi järjestää, koska kauppakeskuksen kuulutukset "
                "eivät ole hallinnassamme.",
            ),
        ),
        en=(
            _Tpl(
                STORY,
                "A customer using a {walker|wheelchair} told me the aisle between the tills is too "
                "narrow, so she has to go round through the self-checkouts.",
                resolution="The till aisle was widened by moving a display stand.",
                decline="Widening the till aisles needs the landlord's approval; it's on their "
                "agenda but not possible this year.",
                tag="access",
            ),
            _Tpl(
                COMPLAINT,
                "The automatic door at the entrance {opens too slowly|gets stuck halfway}, and a "
                "wheelchair user couldn't get in without help.",
                resolution="The door motor was fixed and the opening speed set to meet the "
                "accessibility guideline.",
                tag="access",
            ),
            _Tpl(
                IDEA,
                "Could we have a quiet hour, with dimmed lights and no announcements, on "
                "{weekday_en} mornings? {Several customers|A few regulars} with sensory "
                "sensitivities have asked.",
                resolution="A quiet hour is now in place on Tuesday mornings from 8 to 9.",
                decline="We can't run a quiet hour because the shopping centre's announcements "
                "are out of our hands.",
            ),
        ),
        resolutions={
            "fi": ("Korjasimme asian ja kävimme esteettömyyden läpi koko myymälässä.",),
            "en": ("We fixed this and went through accessibility in the whole store.",),
        },
        questions={
            "fi": ("Kiitos! Toistuuko ongelma tiettyyn aikaan, esimerkiksi pakkasella?",),
            "en": ("Thanks! Does it happen at certain times, say when it's cold?",),
        },
        replies={
            "fi": ("Pahimmillaan aamuisin, kun on kylmä.",),
            "en": ("Worst in the mornings when it's cold.",),
        },
    ),
    _Theme(
        key="sustainability",
        stages=("purchase", "loyalty"),
        touchpoints=("checkout",),
        impacts=(NONE_, LOW),
        affected=(1, 10),
        fi=(
            _Tpl(
                STORY,
                "Asiakas kysyi, miksi muovikassi maksaa, mutta hedelmäpusseja saa ilmaiseksi. "
                "{Hän toivoi kassalle perustelua esille.|Hänestä linja on epälooginen.|En osannut "
                "vastata kunnolla.}",
                resolution="Kassoille tuli kyltti, joka kertoo kassien hinnan perusteet.",
                decline="Hedelmäpussit ovat hygieniasyistä ilmaisia; muovikassien maksullisuus "
                "on ketjun yhteinen linjaus, jota emme muuta myymäläkohtaisesti.",
                tag="bag_price",
            ),
            _Tpl(
                IDEA,
                "{Kassalle|Sisäänkäynnin luo} voisi tuoda kestokassien palautuslaatikon: "
                "asiakkaat jättäisivät ylimääräiset kassinsa, ja muut voisivat ottaa niitä.",
                resolution="Kestokassien palautuslaatikkoa kokeillaan kassoilla.",
                decline="Käytettyjen kassien jakaminen ei käy hygieniasääntöjen vuoksi.",
            ),
            _Tpl(
                OBS,
                "Asiakkaat kysyvät yhä useammin, minne {pakkausmuovit|muovipakkaukset ja "
                "kartongit} voi kierrättää. Myymälässä ei ole siitä {mitään ohjetta|näkyvää "
                "opastetta}.",
                touchpoint="in_person",
                resolution="Pakkausten kierrätysohje lisättiin sisäänkäynnin infotauluun.",
            ),
            _Tpl(
                IDEA,
                "Paperikassien hinta ei näy missään ennen kassaa. Ehdotan hintatietoa "
                "{kassahihnan päähän|kassakoneen asiakasnäytölle}.",
                resolution="Kassien hinnat lisättiin kassahihnan päähän.",
                decline="Asiakasnäytön sisältöä ei voi muuttaa myymäläkohtaisesti; asia on "
                "ketjun kehityslistalla.",
                tag="bag_price",
            ),
        ),
        en=(
            _Tpl(
                OBS,
                "Customers keep asking where they can recycle {plastic packaging|plastic and "
                "cardboard}. There are no instructions anywhere in the store.",
                touchpoint="in_person",
                resolution="Recycling instructions were added to the notice board at the entrance.",
            ),
            _Tpl(
                STORY,
                "A customer asked why plastic bags cost money but produce bags are free. {She "
                "suggested a sign explaining it at the till.|I couldn't really explain it.}",
                resolution="A sign explaining bag prices went up at the tills.",
                decline="Produce bags stay free for hygiene reasons; paid carrier bags are a "
                "chain-wide policy we won't change per store.",
                tag="bag_price",
            ),
            _Tpl(
                IDEA,
                "Idea: a box {at the tills|by the entrance} where customers can leave spare "
                "reusable bags for others to take.",
                resolution="We're trying out a box for spare reusable bags at the tills.",
                decline="Passing on used bags isn't possible under the hygiene rules.",
            ),
        ),
        resolutions={
            "fi": ("Asia korjattiin, kiitos vinkistä!",),
            "en": ("Sorted, thanks for the tip!",),
        },
    ),
    _Theme(
        key="loyalty",
        stages=("loyalty", "billing"),
        touchpoints=("mobile_app", "checkout"),
        impacts=(LOW, MEDIUM),
        affected=(1, 5),
        fi=(
            _Tpl(
                COMPLAINT,
                "Asiakkaan bonukset eivät ole kirjautuneet {kahteen viikkoon|viimeisistä "
                "ostoksista}, vaikka bonuskortti luettiin kassalla. Hän on kysynyt asiaa jo "
                "{kaksi|kolme} kertaa.",
                touchpoint="checkout",
                decline="Bonukset kirjautuvat vain, kun bonuskortti on luettu ennen maksua; "
                "jälkikäteen lisääminen ei ole mahdollista.",
            ),
            _Tpl(
                STORY,
                "Asiakas kertoi, että sovellus näyttää bonuskortin tilaksi ”ei aktiivinen”. "
                "Kassalla kortti toimii, mutta ostot eivät näy sovelluksessa.",
                touchpoint="mobile_app",
                resolution="Asiakaspalvelu aktivoi kortin uudelleen, ja sovelluksen virhe on "
                "korjattu uusimmassa versiossa.",
            ),
            _Tpl(
                OBS,
                "Perheenjäsenen lisääminen bonustilille ei onnistu sovelluksessa, ja asiakkaita "
                "ohjataan {asiakaspalveluun|myymälään}, jossa kukaan ei osaa auttaa.",
                touchpoint="mobile_app",
                resolution="Asiakaspalvelu lisäsi perheenjäsenen tilille käsin, ja sovelluksen "
                "virhe on korjattu uusimmassa versiossa.",
            ),
        ),
        en=(
            _Tpl(
                STORY,
                "A customer said the app shows her loyalty card as “inactive”. The card works at "
                "the till, but her purchases don't show up in the app.",
                touchpoint="mobile_app",
                resolution="Customer service reactivated the card, and the app bug is fixed in "
                "the latest version.",
            ),
            _Tpl(
                COMPLAINT,
                "A customer's bonus points haven't been credited for {two weeks|her last few "
                "purchases} even though the loyalty card was scanned. She has asked "
                "{twice|three times} already.",
                touchpoint="checkout",
                decline="Points are only credited when the card is scanned before payment; they "
                "can't be added afterwards.",
            ),
            _Tpl(
                OBS,
                "Adding a family member to the bonus account fails in the app, and customers are "
                "sent to the store where nobody knows how to help.",
                touchpoint="mobile_app",
                resolution="Customer service added the family member by hand, and the app bug "
                "is fixed in the latest version.",
            ),
        ),
        resolutions={
            "fi": (
                "Puuttuvat bonukset kirjattiin asiakkaan tilille jälkikäteen, ja kirjausviive "
                "korjattiin maksujärjestelmässä.",
            ),
            "en": (
                "The missing points were credited afterwards and the posting delay was fixed in "
                "the payment system.",
            ),
        },
        questions={
            "fi": ("Onko asiakkaalla kuitti tallessa? Asiakaspalvelu tarvitsee ostopäivän.",),
            "en": ("Does the customer still have the receipt? Customer service needs the date.",),
        },
        replies={
            "fi": ("Kuitit ovat tallessa, ostot tehtiin täällä myymälässä.",),
            "en": ("She kept the receipts; the purchases were made here.",),
        },
    ),
    _Theme(
        key="scheduling",
        stages=(None,),
        touchpoints=(None,),
        impacts=(NONE_,),
        affected=(0, 0),
        fi=(
            _Tpl(
                IDEA,
                "Vuorotoiveet voisi jättää sovelluksen kautta eikä paperilistaan taukohuoneessa. "
                "Nyt lista {katoaa|täyttyy nopeasti} ja toiveet unohtuvat.",
                resolution="Vuorotoiveet voi jatkossa jättää työvuorosovelluksessa, ja "
                "paperilistasta luovutaan.",
                decline="Työvuorosovelluksen toivetoiminto tulee koko ketjuun vasta ensi vuonna; "
                "siihen asti toiveet kerätään listalle.",
                tag="shift_app",
            ),
            _Tpl(
                OBS,
                "Vuorolistat julkaistaan usein vasta {kolme päivää|viikkoa} ennen jakson alkua. "
                "Lastenhoidon järjestäminen on vaikeaa.",
                resolution="Vuorolistat julkaistaan jatkossa kolme viikkoa ennen jakson alkua.",
                decline="Vuorolistoja ei voi julkaista aiemmin, koska kampanja-aikataulut "
                "vahvistuvat vasta kaksi viikkoa etukäteen.",
            ),
            _Tpl(
                IDEA,
                "Ehdotan, että ruuhkaisimpiin iltoihin ({pe ja la|to–la}) tehtäisiin lyhyitä "
                "neljän tunnin vuoroja. {Opiskelijat ottaisivat niitä mielellään.|Moni "
                "osa-aikainen ottaisi niitä mielellään.}",
                resolution="Perjantai- ja lauantai-iltoihin lisättiin neljän tunnin vuoroja.",
                decline="Lisävuoroja ei voi tehdä nykyiseen budjettiin, mutta siirrämme iltoihin "
                "tunteja hiljaisemmilta aamuilta.",
            ),
            _Tpl(
                OBS,
                "Iltavuorossa on {usein|viime viikkoina} vain kaksi työntekijää, eikä kukaan ehdi "
                "täyttää hyllyjä kassatyön ohessa. Asiakkaat kysyvät tuotteita, joita ei ole "
                "hyllyssä.",
                stage="purchase",
                touchpoint="in_person",
                resolution="Iltavuoroon lisättiin kolmas työntekijä torstaista lauantaihin.",
            ),
        ),
        en=(
            _Tpl(
                IDEA,
                "Could shift preferences be entered in the app instead of the paper sheet in the "
                "break room? The sheet {goes missing|fills up fast} and wishes get lost.",
                resolution="Shift preferences can now be entered in the rota app; the paper "
                "sheet is gone.",
                decline="The preferences feature reaches the rota app only next year; until "
                "then we keep the sheet.",
                tag="shift_app",
            ),
            _Tpl(
                OBS,
                "Rotas are often published only {three days|a week} before the period starts, "
                "which makes arranging childcare hard.",
                resolution="Rotas are now published three weeks before the period starts.",
                decline="Rotas can't come out earlier because campaign schedules are confirmed "
                "only two weeks ahead.",
            ),
        ),
        questions={
            "fi": ("Hyvä ehdotus. Kuinka moni tiimistä käyttäisi sovellusta toiveisiin?",),
            "en": ("Good idea. How many in the team would use the app for this?",),
        },
        replies={
            "fi": ("Kysyin tiimiltä: lähes kaikki.",),
            "en": ("I asked around: nearly everyone.",),
        },
        confidential=0.3,
    ),
    _Theme(
        key="fresh",
        stages=("purchase", "usage"),
        touchpoints=("in_person",),
        impacts=(LOW, MEDIUM),
        affected=(1, 12),
        fi=(
            _Tpl(
                OBS,
                "Tuoretiskin {lohifileitä|broileria|salaatteja} jää iltaisin paljon hävikkiin. "
                "{-30 %|-50 %} tarrat voisi laittaa jo klo 17 eikä vasta klo 20.",
                resolution="Alennustarrat laitetaan nyt klo 17 ja toisen kerran klo 19.",
                decline="Ketjun hinnoitteluohje ei salli tuoretiskin alennuksia ennen klo 19:ää; "
                "pienennämme sen sijaan iltapäivän valmistuseriä.",
                tag="waste",
            ),
            _Tpl(
                COMPLAINT,
                "Asiakas palautti {ruisleivän|mansikkarasian}, joka oli homeessa jo ostopäivää "
                "seuraavana aamuna. Hänen mukaansa sama on käynyt ennenkin.",
                stage="usage",
                resolution="Toimittajan erä tarkistettiin ja reklamoitiin, ja asiakkaalle "
                "hyvitettiin tuote.",
            ),
            _Tpl(
                STORY,
                "Asiakas kysyi tuoretiskillä allergiatietoja {kinkkusalaatista|päivän "
                "valmisruoasta}, mutta tuoteselosteet puuttuivat tiskin kansiosta.",
                resolution="Tuoteselosteet tulostettiin uudelleen tiskin kansioon, ja kansion "
                "tarkistus lisättiin avausrutiiniin.",
            ),
            _Tpl(
                COMPLAINT,
                "Tuoretiskin vuoronumerolaite ei ole toiminut {viikkoon|pitkään aikaan}: asiakkaat "
                "kinastelevat siitä, kuka on seuraavana.",
                resolution="Vuoronumerolaite korjattiin, ja varalle hankittiin numerorulla.",
            ),
        ),
        en=(
            _Tpl(
                COMPLAINT,
                "A customer brought back {rye bread|a box of strawberries} that had gone mouldy "
                "by the next morning. She said it has happened before.",
                stage="usage",
                resolution="The supplier's batch was checked and claimed, and the customer got a "
                "refund.",
            ),
            _Tpl(
                OBS,
                "A lot of {salmon fillets|salads} at the deli counter go to waste every evening. "
                "We could put the discount stickers on at 5 pm instead of 8 pm.",
                resolution="Discount stickers now go on at 5 pm and again at 7 pm.",
                decline="The chain's pricing policy doesn't allow deli discounts before 7 pm; "
                "we'll make smaller afternoon batches instead.",
                tag="waste",
            ),
            _Tpl(
                STORY,
                "A customer asked about allergens in the {ham salad|ready meal} at the deli "
                "counter, but the ingredient folder was missing.",
                resolution="The ingredient sheets were reprinted, and checking the folder is now "
                "part of opening.",
            ),
        ),
        questions={
            "fi": ("Kuinka paljon hävikkiä jää arviolta illassa?",),
            "en": ("Roughly how much goes to waste in an evening?",),
        },
        replies={
            "fi": ("Noin kolme–neljä kiloa, eniten salaatteja.",),
            "en": ("Three or four kilos, mostly salads.",),
        },
    ),
    _Theme(
        key="online_order",
        stages=("delivery",),
        touchpoints=("pickup_delivery",),
        impacts=(MEDIUM, LOW),
        affected=(1, 10),
        fi=(
            _Tpl(
                COMPLAINT,
                "Verkkokaupan noutotilaus ei ollut valmiina sovittuna aikana {time}, ja asiakas "
                "odotti noutopisteellä {minutes} minuuttia.",
                resolution="Noutotilausten keräily aloitetaan nyt tuntia aiemmin, ja tilaukset "
                "ovat olleet valmiina ajallaan.",
            ),
            _Tpl(
                STORY,
                "Asiakas sai kotiinkuljetuksessa {count} korvaavaa tuotetta, joista hän ei ollut "
                "hyväksynyt yhtäkään. Hän toivoi, että korvaavista kysyttäisiin tekstiviestillä.",
                resolution="Korvaavista tuotteista kysytään jatkossa tekstiviestillä ennen "
                "toimitusta.",
                decline="Tekstiviestikysely ei onnistu nykyisessä verkkokaupassa; asiakas voi "
                "kieltää korvaavat tuotteet jo tilausta tehdessään.",
            ),
            _Tpl(
                OBS,
                "Verkkosivuilta puuttuvat ainesosaluettelot {monesta|useasta} tuoretuotteesta, ja "
                "asiakkaat soittavat kysymään allergeeneista.",
                stage="research",
                touchpoint="web",
                resolution="Puuttuvat ainesosaluettelot pyydettiin toimittajilta ja lisättiin "
                "verkkosivuille.",
                decline="Tuotetiedot tulevat suoraan toimittajilta; olemme pyytäneet puuttuvat "
                "tiedot, mutta emme voi lisätä niitä itse.",
            ),
        ),
        en=(
            _Tpl(
                COMPLAINT,
                "An online click-and-collect order wasn't ready at the agreed time {time_en}; the "
                "customer waited {minutes} minutes at the pickup point.",
                resolution="Click-and-collect picking now starts an hour earlier, and orders "
                "have been ready on time.",
            ),
            _Tpl(
                OBS,
                "Ingredient lists are missing from {many|several} fresh products on our website, "
                "so customers call us to ask about allergens.",
                stage="research",
                touchpoint="web",
                resolution="The missing ingredient lists were requested from suppliers and "
                "added to the website.",
                decline="Product data comes straight from suppliers; we've asked for the "
                "missing lists but can't add them ourselves.",
            ),
        ),
    ),
    _Theme(
        key="logistics",
        stages=(None,),
        touchpoints=(None,),
        impacts=(LOW, MEDIUM),
        affected=(0, 0),
        fi=(
            _Tpl(
                OBS,
                "{store}: aamun kuorma saapui noin {hours} tuntia myöhässä, ja maitotuotteet "
                "ehdittiin hyllyttää vasta puoliltapäivin.",
                resolution="Kuljetusliikkeen kanssa sovittiin uusi aikataulu, ja aamukuormat "
                "ovat saapuneet ajallaan kahden viikon ajan.",
                decline="Terminaalin lähtöaikaa ei voi aikaistaa ilman yövuoroa, joka ei ole nyt "
                "budjetissa.",
                tag="late_load",
            ),
            _Tpl(
                COMPLAINT,
                "{store}: lavoilla oli {count} rikkoutunutta pakkausta, ja kylmäketju katkesi "
                "purkamista odotellessa.",
                resolution="Lavojen kääreet vaihdettiin tukevampiin, ja rikkoutuneet tuotteet "
                "hyvitettiin myymälälle.",
            ),
            _Tpl(
                IDEA,
                "Ehdotus: myymälöille {tekstiviesti|ilmoitus sovellukseen}, kun kuorma on "
                "lähtenyt terminaalista. Nyt henkilökunta odottaa purkuvalmiina {turhaan|jopa "
                "tunnin}.",
                resolution="Myymälät saavat nyt tekstiviestin, kun kuorma lähtee terminaalista.",
                tag="load_sms",
            ),
            _Tpl(
                OBS,
                "Tarjousviikkojen ennuste on alittanut todellisen menekin kolmena viikkona "
                "peräkkäin ({product}). Myymälöiden tilaukset eivät riitä.",
                resolution="Ennustemallin tarjouskerrointa nostettiin, ja myymälät saavat "
                "tarjousviikon aamuna lisäerän.",
            ),
        ),
        questions={"fi": ("Kirjasitko poikkeaman kuljetusjärjestelmään? Tarvitsen rahtikirjan.",)},
        replies={"fi": ("Kirjasin, rahtikirja 88213490.",)},
    ),
    _Theme(
        key="customer_service",
        stages=("support",),
        touchpoints=("chat", "phone", "email"),
        impacts=(MEDIUM, LOW),
        affected=(5, 80),
        fi=(
            _Tpl(
                OBS,
                "Chatissa kysytään {päivittäin|jatkuvasti} verkkokaupan toimitusajoista, koska "
                "tilausvahvistuksessa ei kerrota arviota. Yhteen kysymykseen kuluu noin "
                "{minutes} minuuttia.",
                touchpoint="chat",
                resolution="Chattiin tehtiin valmiit vastauspohjat, ja tilausvahvistukseen "
                "lisättiin arvioitu toimitusaika.",
                tag="chat_delivery",
            ),
            _Tpl(
                OBS,
                "Chatissa {kolme|neljä|viisi} asiakasta peräkkäin kysyi, missä heidän "
                "verkkotilauksensa on. Tilausvahvistuksesta ei selviä toimitusaika.",
                touchpoint="chat",
                resolution="Tilausvahvistukseen lisättiin arvioitu toimitusaika, ja chattiin "
                "tehtiin vastauspohja.",
                tag="chat_delivery",
            ),
            _Tpl(
                COMPLAINT,
                "Puhelinjonon odotusaika oli {peak} yli {minutes} minuuttia. Asiakkaat ovat jo "
                "valmiiksi kiukkuisia, kun vastaamme.",
                touchpoint="phone",
                resolution="Ruuhkatunneille lisättiin puhelinvuoro, ja jonossa kerrotaan nyt "
                "arvioitu odotusaika.",
                decline="Puhelinpalveluun ei saada lisäresursseja tänä vuonna; ohjaamme "
                "asiakkaita chattiin.",
            ),
            _Tpl(
                IDEA,
                "Sähköpostilla kysytään paljon {bonusten kirjautumisesta|palautusten "
                "hyvityksistä}; vastaamme samaan kysymykseen kymmeniä kertoja viikossa. Valmis "
                "vastauspohja nopeuttaisi työtä.",
                touchpoint="email",
                resolution="Sähköpostiin tehtiin valmiit vastauspohjat yleisimpiin kysymyksiin.",
            ),
            _Tpl(
                STORY,
                "Asiakas soitti {kolmatta|neljättä} kertaa samasta hyvityksestä, koska "
                "{edellinen lupaus soittaa takaisin ei toteutunut|kukaan ei ollut palannut "
                "asiaan}.",
                touchpoint="phone",
                resolution="Takaisinsoittopyynnöt näkyvät nyt yhteisessä jonossa, eikä "
                "lupauksia unohdu.",
            ),
            _Tpl(
                OBS,
                "Somessa kiertää asiakkaan kuva tyhjästä tarjoushyllystä ({store}), ja "
                "kommentteja on jo yli {comments}. Siihen kannattaisi vastata ketjun nimissä "
                "pian.",
                stage="awareness",
                touchpoint="social_media",
                resolution="Viestintä vastasi julkaisuun ketjun nimissä samana päivänä.",
            ),
        ),
    ),
)

THEMES: dict[str, _Theme] = {t.key: t for t in _THEMES}

# Which themes the people of a unit write about, and how often.
_STORE_THEMES = {
    "self_checkout": 10,
    "queues": 10,
    "weekly_offer": 9,
    "app_coupon": 6,
    "bottle_return": 6,
    "price_label": 7,
    "parcel_pickup": 6,
    "praise": 16,
    "accessibility": 4,
    "sustainability": 5,
    "loyalty": 5,
    "scheduling": 5,
    "online_order": 3,
}
_CHECKOUT_TEAM_THEMES = {
    "self_checkout": 12,
    "queues": 12,
    "app_coupon": 10,
    "loyalty": 8,
    "price_label": 6,
    "praise": 9,
    "sustainability": 5,
    "scheduling": 5,
}
_FRESH_TEAM_THEMES = {
    "fresh": 16,
    "weekly_offer": 5,
    "praise": 8,
    "scheduling": 4,
    "price_label": 3,
}
_AFFINITY: dict[str, dict[str, int]] = {
    "kamppi_kassa": _CHECKOUT_TEAM_THEMES,
    "iso_omena_kassa": _CHECKOUT_TEAM_THEMES,
    "kamppi_tuore": _FRESH_TEAM_THEMES,
    "ratina_tuore": _FRESH_TEAM_THEMES,
    "logistiikka": {"logistics": 20, "scheduling": 4},
    "apk": {
        "customer_service": 14,
        "online_order": 6,
        "app_coupon": 5,
        "loyalty": 5,
        "scheduling": 3,
    },
}

_LEADS = {
    "fi": ("", "", "", "", "Taas sama juttu kuin viime viikolla.", "Havainto iltavuorosta."),
    "en": ("", "", "", "", "Same thing as last week.", "Quick note from the evening shift."),
}
_TAILS: dict[str, dict[str, tuple[str, ...]]] = {
    "fi": {
        "problem": (
            "",
            "",
            "Voisiko asialle tehdä jotain?",
            "Tätä on tapahtunut useamman kerran tällä viikolla.",
            "Asiakkaat huomauttivat asiasta useasti.",
            "Kollegat ovat huomanneet saman.",
        ),
        "idea": ("", "", "Kokeillaanko?", "Voin auttaa käytännön järjestelyissä."),
        "praise": ("", "Tällaista on ilo nähdä!", "Hienoa työtä.", ""),
    },
    "en": {
        "problem": (
            "",
            "",
            "Could someone look into this?",
            "It has happened several times this week.",
            "Customers mentioned it more than once.",
        ),
        "idea": ("", "", "Worth a try?", "Happy to help set it up."),
        "praise": ("", "Great to see!", "Brilliant work."),
    },
}
_SLOT_POOLS: dict[str, tuple[str, ...]] = {
    "time": (
        "klo 16–18",
        "lounasaikaan",
        "aamulla heti avauksen jälkeen",
        "lauantai-iltapäivänä",
        "perjantain iltaruuhkassa",
        "sunnuntaina puoliltapäivin",
        "iltavuoron alussa",
    ),
    "time_en": (
        "between 4 and 6 pm",
        "at lunchtime",
        "right after opening",
        "on Saturday afternoon",
        "during the Friday evening rush",
        "around Sunday noon",
    ),
    "peak": (
        "klo 16–18",
        "lounasaikaan",
        "lauantai-iltapäivänä",
        "perjantain iltaruuhkassa",
        "sunnuntaina puoliltapäivin",
    ),
    "peak_en": (
        "between 4 and 6 pm",
        "at lunchtime",
        "on Saturday afternoon",
        "during the Friday evening rush",
    ),
    "weekday": ("maanantaina", "tiistaina", "keskiviikkona", "torstaina", "perjantaina"),
    "weekday_en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"),
    "product": (
        "jauheliha (400 g)",
        "kahvi (500 g)",
        "banaanit",
        "kananmunat (10 kpl)",
        "lohifileet",
        "kotimaiset mansikat",
        "pakastepizzat",
        "appelsiinimehu (1 l)",
        "ruisleipä",
        "broilerin fileesuikaleet",
    ),
    "product_en": (
        "minced beef (400 g)",
        "coffee (500 g)",
        "bananas",
        "eggs (10 pack)",
        "salmon fillets",
        "Finnish strawberries",
        "frozen pizzas",
        "orange juice (1 l)",
        "rye bread",
    ),
    "coupon": (
        "kahvikuponki (-20 %)",
        "hedelmä- ja vihanneskuponki",
        "tuplabonuskuponki",
        "leipäkuponki (-30 %)",
    ),
    "coupon_en": ("20 % coffee coupon", "fruit and veg coupon", "double bonus coupon"),
}
_NUMBERS = {
    "fi": ("kaksi", "kolme", "neljä", "viisi", "kuusi", "seitsemän"),
    "en": ("two", "three", "four", "five", "six", "seven"),
}
_FALLBACK_COLLEAGUES = ("Tiina", "Marko", "Sari")

_GENERIC: dict[str, dict[str, tuple[str, ...]]] = {
    "resolutions": {
        "fi": ("Selvitimme asian ja korjasimme sen. Kiitos, että nostit tämän esiin!",),
        "en": ("We looked into this and fixed it. Thanks for raising it!",),
    },
    "questions": {
        "fi": ("Kiitos! Voitko kertoa vähän tarkemmin, milloin tätä tapahtuu?",),
        "en": ("Thanks! Could you tell me a bit more about when this happens?",),
    },
    "replies": {
        "fi": ("Lähinnä iltapäivisin, muutaman kerran viikossa.",),
        "en": ("Mostly in the afternoons, a few times a week.",),
    },
}
_THANKS = {
    "fi": ("Kiitos ilmoituksestasi!", "Kiitos havainnosta!", "Kiitos, että nostit tämän esiin."),
    "en": ("Thanks for reporting this!", "Thanks for the heads-up!", "Thanks for raising this."),
}
_CLOSINGS = {
    "fi": ("Kerro, jos tilanne toistuu.", "Palaa asiaan, jos huomaat vielä ongelmia.", ""),
    "en": ("Let me know if it happens again.", ""),
}
_DECLINE_OPENINGS = {
    "fi": ("Kiitos, että kerroit.", "Kiitos ehdotuksesta ja perusteluista."),
    "en": ("Thanks for telling us.", "Thanks for the suggestion."),
}
_DECLINE_CLOSINGS = {
    "fi": ("Pidetään asia mielessä.", "Palataan tähän, jos tilanne muuttuu."),
    "en": ("We'll keep it in mind.", "We'll come back to this if things change."),
}
_PRAISE_OPENINGS = {"fi": ("Ihana kuulla!", "Mahtavaa!"), "en": ("Lovely to hear!",)}
_IDEA_OPENINGS = {
    "fi": ("Kiitos ideasta!", "Kiitos hyvästä ehdotuksesta!"),
    "en": ("Thanks for the idea!",),
}
_IDEA_CLOSINGS = {
    "fi": ("Lisää ideoita otetaan mielellään vastaan.", ""),
    "en": ("Keep them coming!", ""),
}
_INTERIM = {
    "fi": (
        "Kiitos! Selvitämme asiaa ja kerromme, kun tiedämme lisää.",
        "Asia on työn alla, palaan tähän viimeistään ensi viikolla.",
    ),
    "en": ("Thanks! We're looking into it and will let you know when we know more.",),
}
_FOLLOW_UPS = {
    "fi": ("Sama toistui tänään.", "Tämä tapahtui taas eilen illalla.", "Kollega huomasi saman."),
    "en": ("Happened again today.", "A colleague saw the same on the morning shift."),
}


# ---------------------------------------------------------------------------------------
# Actions: what managers did about it
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _ActionSpec:
    title: str
    description: str
    creator: str
    owner: str
    theme: str
    units: tuple[str, ...]
    per_unit: tuple[int, int]
    created_days_ago: float
    status: ActionStatus
    due_in_days: int
    started_days_ago: float | None = None
    finished_days_ago: float | None = None
    outcome_fi: str | None = None
    outcome_en: str | None = None
    # Which of the theme's templates the linked insights are written from; all if empty.
    tags: tuple[str, ...] = ()


_ACTIONS: tuple[_ActionSpec, ...] = (
    _ActionSpec(
        title="Itsepalvelukassojen ohjelmistopäivitys",
        description="Jumiutuvat maksupäätteet ja vaa'an turhat hälytykset usean myymälän "
        "itsepalvelukassoilla. Toimittajalta päivitys kaikkiin myymälöihin.",
        creator="leena",
        owner="ville",
        theme="self_checkout",
        units=("kamppi", "iso_omena", "ratina", "hansa", "valkea"),
        per_unit=(1, 2),
        tags=("till_fault",),
        created_days_ago=52,
        started_days_ago=50,
        finished_days_ago=31,
        status=ActionStatus.DONE,
        due_in_days=28,
        outcome_fi="Kassajärjestelmän toimittaja asensi kaikkiin myymälöihin version 4.2, joka "
        "korjaa maksupäätteen heräämisen ja vaa'an virheilmoitukset. Jumiutumiset ovat "
        "vähentyneet noin 80 %.",
        outcome_en="The till vendor installed version 4.2 in every store; it fixes the card "
        "terminal wake-up and the false scale alerts. Freezes are down by about 80 %.",
    ),
    _ActionSpec(
        title="Sovelluskuponkien kassaintegraation korjaus",
        description="Sovelluksen kupongit hylätään kassalla tai viivakoodi ei lukeudu. "
        "Korjaus kassajärjestelmän ja sovelluksen rajapintaan.",
        creator="leena",
        owner="leena",
        theme="app_coupon",
        units=("kamppi", "jumbo", "puuvilla", "valkea", "apk"),
        per_unit=(1, 2),
        created_days_ago=12,
        started_days_ago=10,
        status=ActionStatus.IN_PROGRESS,
        due_in_days=21,
    ),
    _ActionSpec(
        title="Viikkotarjousten menekkiennusteen tarkistus",
        description="Tarjoustuotteet loppuvat kesken useissa myymälöissä. Ennustemallin "
        "tarjouskerroin ja myymälöiden lisäerät tarkistetaan.",
        creator="leena",
        owner="petri",
        theme="weekly_offer",
        units=("kamppi", "jumbo", "ratina", "hansa", "revontuli"),
        per_unit=(1, 2),
        tags=("sold_out",),
        created_days_ago=40,
        started_days_ago=39,
        finished_days_ago=18,
        status=ActionStatus.DONE,
        due_in_days=21,
        outcome_fi="Ennustemallin tarjouskerroin nostettiin, ja myymälät saavat tarjousviikon "
        "aamuna lisäerän. Tarjoustuotteiden loppumiset puolittuivat kahdessa viikossa.",
        outcome_en="The forecast's offer multiplier was raised and stores get an extra batch on "
        "the first morning of an offer week. Sell-outs halved within two weeks.",
    ),
    _ActionSpec(
        title="Bonuskirjausten viiveen selvitys maksujärjestelmätoimittajan kanssa",
        description="Bonukset kirjautuvat viiveellä tai eivät lainkaan. Selvitetään "
        "toimittajan kanssa ja hyvitetään puuttuvat bonukset.",
        creator="leena",
        owner="elina",
        theme="loyalty",
        units=("iso_omena", "hansa", "apk", "kamppi"),
        per_unit=(1, 2),
        created_days_ago=8,
        status=ActionStatus.PLANNED,
        due_in_days=14,
    ),
    _ActionSpec(
        title="Pullonpalautusautomaattien huoltosopimuksen uusiminen",
        description="Automaatit ovat rikki päiviä kerrallaan. Uusi huoltosopimus nopeammalla "
        "vasteajalla Etelä-Suomen myymälöihin.",
        creator="markku",
        owner="markku",
        theme="bottle_return",
        units=("kamppi", "iso_omena", "jumbo"),
        per_unit=(1, 2),
        tags=("machine_fault",),
        created_days_ago=60,
        started_days_ago=58,
        finished_days_ago=35,
        status=ActionStatus.DONE,
        due_in_days=30,
        outcome_fi="Uusi huoltosopimus: vikailmoitukseen reagoidaan seuraavana arkipäivänä, ja "
        "säiliöiden tyhjennys lisättiin iltavuoron tehtävälistaan.",
        outcome_en="New service contract: faults are fixed the next working day, and emptying "
        "the containers was added to the evening shift checklist.",
    ),
    _ActionSpec(
        title="Ruuhkatuntien kassavuorojen uudelleensuunnittelu",
        description="Perjantai- ja lauantai-iltapäivien kassajonot. Vuorosuunnittelu "
        "kävijämäärien mukaan Länsi-Suomen myymälöissä.",
        creator="riikka",
        owner="riikka",
        theme="queues",
        units=("ratina", "hansa", "puuvilla"),
        per_unit=(1, 2),
        tags=("peak_queue",),
        created_days_ago=20,
        started_days_ago=18,
        status=ActionStatus.IN_PROGRESS,
        due_in_days=30,
    ),
    _ActionSpec(
        title="Sisäänkäyntien esteettömyyskartoitus",
        description="Automaattiovet, kassakäytävät ja esteettömät pysäköintipaikat "
        "Pohjois-Suomen myymälöissä.",
        creator="juha",
        owner="juha",
        theme="accessibility",
        units=("valkea", "revontuli"),
        per_unit=(1, 2),
        tags=("access",),
        created_days_ago=45,
        started_days_ago=44,
        finished_days_ago=15,
        status=ActionStatus.DONE,
        due_in_days=30,
        outcome_fi="Oulun ovimoottori vaihdettiin ja Rovaniemen kassakäytävää levennettiin; "
        "esteettömät pysäköintipaikat merkittiin uudelleen, ja jakeluautoille sovittiin oma "
        "lastausaika.",
        outcome_en="The door motor in Oulu was replaced and the till aisle in Rovaniemi "
        "widened; accessible parking was re-marked and deliveries got their own slot.",
    ),
    _ActionSpec(
        title="Hintalappujen tarkistuskierros aamuisin",
        description="Hyllyn ja kassan hinnat eroavat. Aamuvuoroon hintakierros ja "
        "sähköisten hintalappujen päivitysvirheen korjaus.",
        creator="kaisa",
        owner="kaisa",
        theme="price_label",
        units=("kamppi",),
        per_unit=(2, 4),
        created_days_ago=70,
        started_days_ago=69,
        finished_days_ago=55,
        status=ActionStatus.DONE,
        due_in_days=14,
        outcome_fi="Aamuvuoroon lisättiin 15 minuutin hintakierros, ja sähköisten hintalappujen "
        "päivitysvirhe korjattiin. Virheellisiä hintoja on löytynyt sen jälkeen enää "
        "yksittäin.",
        outcome_en="A 15-minute price round was added to the morning shift and the electronic "
        "label update bug was fixed. Only the odd wrong price has turned up since.",
    ),
    _ActionSpec(
        title="Tuoretiskin iltahävikin alennuskäytäntö",
        description="Alennustarrat aiemmin illalla, jotta hävikki pienenee.",
        creator="kaisa",
        owner="kaisa",
        theme="fresh",
        units=("kamppi_tuore",),
        per_unit=(2, 3),
        tags=("waste",),
        created_days_ago=30,
        started_days_ago=29,
        finished_days_ago=12,
        status=ActionStatus.DONE,
        due_in_days=14,
        outcome_fi="Alennustarrat laitetaan nyt klo 17 ja toisen kerran klo 19. Tuoretiskin "
        "hävikki laski kahdessa viikossa noin viidenneksen.",
        outcome_en="Discount stickers now go on at 5 pm and again at 7 pm. Deli waste fell by "
        "about a fifth in two weeks.",
    ),
    _ActionSpec(
        title="Noutopisteen hyllyjärjestyksen uusiminen",
        description="Pakettien etsiminen vie aikaa ja jono kasvaa.",
        creator="tomi",
        owner="tomi",
        theme="parcel_pickup",
        units=("iso_omena",),
        per_unit=(2, 3),
        tags=("pickup_point",),
        created_days_ago=33,
        started_days_ago=32,
        finished_days_ago=20,
        status=ActionStatus.DONE,
        due_in_days=14,
        outcome_fi="Noutopisteen hyllyt numeroitiin, ja paketit järjestetään saapumispäivän "
        "mukaan. Keskimääräinen etsintäaika putosi alle minuuttiin.",
        outcome_en="The pickup shelves were numbered and parcels are sorted by arrival date. "
        "The average search now takes under a minute.",
    ),
    _ActionSpec(
        title="Toinen pakettiautomaatti Jumboon",
        description="Pakettiautomaatti on jatkuvasti täynnä. Neuvotellaan kuljetusyhtiön ja "
        "kauppakeskuksen kanssa toisesta automaatista.",
        creator="markku",
        owner="markku",
        theme="parcel_pickup",
        units=("jumbo",),
        per_unit=(2, 3),
        tags=("locker",),
        created_days_ago=15,
        started_days_ago=13,
        status=ActionStatus.IN_PROGRESS,
        due_in_days=40,
    ),
    _ActionSpec(
        title="Jonotusnäyttö ja kassojen kutsunappi",
        description="Kutsunappi hyllyttäjille ja näyttö, joka ohjaa vapaalle kassalle.",
        creator="antti",
        owner="antti",
        theme="queues",
        units=("ratina",),
        per_unit=(1, 2),
        tags=("peak_queue", "call_button"),
        created_days_ago=9,
        status=ActionStatus.PLANNED,
        due_in_days=30,
    ),
    _ActionSpec(
        title="Lisäkassa sunnuntai-iltapäiviin",
        description="Kokeillaan lisäkassaa sunnuntaisin klo 12–16.",
        creator="minna",
        owner="minna",
        theme="queues",
        units=("hansa",),
        per_unit=(1, 2),
        tags=("peak_queue",),
        created_days_ago=50,
        started_days_ago=49,
        finished_days_ago=40,
        status=ActionStatus.CANCELLED,
        due_in_days=21,
        outcome_fi="Sunnuntaiden kävijämäärät eivät riittäneet lisäkassan vuoroon; ruuhkia "
        "helpotetaan alueen kassavuorojen uudelleensuunnittelulla.",
        outcome_en="Sunday visitor numbers didn't justify an extra till shift; the region's "
        "till rota redesign will ease the peaks instead.",
    ),
    _ActionSpec(
        title="Kuormien saapumisilmoitus myymälöille",
        description="Myymälät saavat tiedon, kun kuorma lähtee terminaalista.",
        creator="petri",
        owner="petri",
        theme="logistics",
        units=("logistiikka",),
        per_unit=(3, 4),
        tags=("late_load", "load_sms"),
        created_days_ago=38,
        started_days_ago=36,
        finished_days_ago=10,
        status=ActionStatus.DONE,
        due_in_days=30,
        outcome_fi="Myymälät saavat nyt tekstiviestin, kun kuorma lähtee terminaalista, sekä "
        "arvioidun saapumisajan. Turha odottaminen purkuvalmiina on vähentynyt.",
    ),
    _ActionSpec(
        title="Chatin vastauspohjat verkkokaupan toimitusajoista",
        description="Sama kysymys toistuu chatissa kymmeniä kertoja päivässä.",
        creator="elina",
        owner="elina",
        theme="customer_service",
        units=("apk",),
        per_unit=(2, 3),
        tags=("chat_delivery",),
        created_days_ago=28,
        started_days_ago=27,
        finished_days_ago=14,
        status=ActionStatus.DONE,
        due_in_days=14,
        outcome_fi="Chattiin tehtiin valmiit vastauspohjat, ja tilausvahvistukseen lisättiin "
        "arvioitu toimitusaika. Toimitusaikakysymykset vähenivät kolmanneksella.",
    ),
    _ActionSpec(
        title="Kassien hinnoittelun perustelu kassoille",
        description="Asiakkaat kysyvät kassien hinnoista ja kierrätyksestä.",
        creator="leena",
        owner="leena",
        theme="sustainability",
        units=("kamppi", "jumbo", "ratina", "valkea"),
        per_unit=(1, 2),
        tags=("bag_price",),
        created_days_ago=26,
        started_days_ago=25,
        finished_days_ago=6,
        status=ActionStatus.DONE,
        due_in_days=21,
        outcome_fi="Kaikille kassoille tuli kyltti, joka kertoo kassien hinnan perusteet ja "
        "sen, että tuotto ohjataan vesistöjen suojeluun. Kestokassien palautuslaatikkoa "
        "kokeillaan Kampissa.",
        outcome_en="Every till now has a sign explaining bag prices and that the proceeds go to "
        "protecting waterways. A box for spare reusable bags is on trial in Kamppi.",
    ),
    _ActionSpec(
        title="Vuorotoiveet sähköiseksi – pilotti Etelä-Suomessa",
        description="Vuorotoiveet työvuorosovellukseen paperilistan sijaan.",
        creator="markku",
        owner="markku",
        theme="scheduling",
        units=("kamppi", "iso_omena", "jumbo"),
        per_unit=(1, 2),
        tags=("shift_app",),
        created_days_ago=22,
        started_days_ago=20,
        status=ActionStatus.IN_PROGRESS,
        due_in_days=45,
    ),
    _ActionSpec(
        title="Pullonpalautusautomaatin anturin vaihto",
        description="Automaatti hylkää pulloja ja jumittuu.",
        creator="jari",
        owner="jari",
        theme="bottle_return",
        units=("puuvilla",),
        per_unit=(2, 3),
        tags=("machine_fault", "rejects"),
        created_days_ago=18,
        started_days_ago=17,
        finished_days_ago=14,
        status=ActionStatus.DONE,
        due_in_days=7,
        outcome_fi="Huoltoliike vaihtoi automaatin anturin ja tyhjennysrutiini kirjattiin "
        "iltavuoron listaan. Automaatti on toiminut moitteetta.",
    ),
    _ActionSpec(
        title="Kassatiimin perehdytys kuponkiongelmiin",
        description="Miten toimitaan, kun sovelluksen kuponki ei mene läpi kassalla.",
        creator="tomi",
        owner="tomi",
        theme="app_coupon",
        units=("iso_omena_kassa",),
        per_unit=(2, 2),
        tags=("coupon_rejected",),
        created_days_ago=25,
        started_days_ago=24,
        finished_days_ago=21,
        status=ActionStatus.DONE,
        due_in_days=7,
        outcome_fi="Kassatiimi perehdytettiin antamaan alennus käsin, kunnes kuponkien "
        "kassaintegraatio on korjattu.",
    ),
)


# ---------------------------------------------------------------------------------------
# The summary
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoLogin:
    role: str
    email: str
    name: str
    unit: str


@dataclass(frozen=True, slots=True)
class DemoSummary:
    organisation: str
    slug: str
    org_id: uuid.UUID
    units: int
    people: int
    people_by_role: dict[str, int]
    insights: int
    insights_by_status: dict[str, int]
    actions: int
    actions_done: int
    answers: int
    loops_closed: int
    logins: tuple[DemoLogin, ...]
    password: str = DEMO_PASSWORD

    def __str__(self) -> str:
        roles = ", ".join(
            f"{n} {_ROLE_PLURALS.get(role, role)}" for role, n in self.people_by_role.items()
        )
        statuses = ", ".join(
            f"{n} {status.replace('_', ' ')}" for status, n in self.insights_by_status.items()
        )
        lines = [
            f"Demo organisation {self.organisation} ({self.slug}) is ready:",
            f"  {self.units} units, {self.people} people ({roles})",
            f"  {self.insights} insights: {statuses}",
            f"  {self.actions} actions, {self.actions_done} of them done",
            f"  {self.answers} answers to reporters, {self.loops_closed} loops closed",
            f'Log in with any of these, password "{self.password}":',
        ]
        width = max(len(_ROLE_TITLES[login.role]) for login in self.logins)
        email_width = max(len(login.email) for login in self.logins)
        lines += [
            f"  {_ROLE_TITLES[login.role]:<{width}}  {login.email:<{email_width}}  "
            f"{login.name}, {login.unit}"
            for login in self.logins
        ]
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# The seeding machinery
# ---------------------------------------------------------------------------------------


@dataclass(eq=False, slots=True)
class _Node:
    key: str
    unit: Unit
    parent: "_Node | None"

    def ancestors(self) -> Iterator["_Node"]:
        node: _Node | None = self
        while node is not None:
            yield node
            node = node.parent

    def within(self, other: "_Node") -> bool:
        return any(n is other for n in self.ancestors())

    @property
    def store(self) -> "_Node":
        """The store this unit belongs to (itself for anything that is not a team)."""
        if self.unit.kind is UnitKind.TEAM and self.parent is not None:
            return self.parent
        return self


@dataclass(eq=False, slots=True)
class _Member:
    key: str
    first: str
    role: Role
    node: _Node
    person: Person
    principal: Principal

    @property
    def lang(self) -> str:
        return self.person.locale.value


@dataclass(eq=False, slots=True)
class _Plan:
    """One insight: what will be posted, and by whom and when."""

    author: _Member
    node: _Node
    theme: _Theme
    created: datetime
    tpl: _Tpl = _Tpl(InsightKind.OBSERVATION, "")
    kind: InsightKind = InsightKind.OBSERVATION
    text: str = ""
    stage: str | None = None
    touchpoint: str | None = None
    impact: ImpactLevel = ImpactLevel.NONE
    affected: int | None = None
    occurred: datetime | None = None
    confidential: bool = False
    id: uuid.UUID | None = None
    answer_ids: list[uuid.UUID] = field(default_factory=list)

    @property
    def lang(self) -> str:
        return self.author.lang


Step = Callable[[], Awaitable[object]]
_SLOT = re.compile(r"\{([^{}]+)\}")


def _pick(options: dict[str, tuple[str, ...]], lang: str) -> tuple[str, ...]:
    return options.get(lang, ())


class _Seeder:
    def __init__(self, session: AsyncSession, now: datetime) -> None:
        self.session = session
        # Two streams, so what is written stays the same whatever time of day the seed runs;
        # only how far each story got can depend on that. Reproducible, not for security.
        self.rng = random.Random(SEED)  # noqa: S311
        self.flow = random.Random(SEED + 1)  # noqa: S311
        # Duplicates and "me too" draw from their own stream, leaving the others' as they were.
        self.echo = random.Random(SEED + 2)  # noqa: S311
        self.now = now
        # Nothing is planned closer to the present than this, so the seed never runs ahead.
        self.latest = now - timedelta(minutes=10)
        self.nodes: dict[str, _Node] = {}
        self.members: dict[str, _Member] = {}
        self.steps: list[tuple[datetime, int, Step]] = []
        self.plans: list[_Plan] = []

    # -- the organisation ------------------------------------------------------------

    async def build_organisation(self) -> uuid.UUID:
        org, root = await org_service.create_organisation(
            self.session, name=ORG_NAME, slug=ORG_SLUG, default_locale=Locale.FI
        )
        await routing_service.add_default_rule(self.session, org)
        for key, name, kind, parent_key in _UNITS:
            if parent_key is None:
                self.nodes[key] = _Node(key=key, unit=root, parent=None)
                continue
            parent = self.nodes[parent_key]
            unit = await org_service.create_unit(
                self.session, org_id=org.id, parent_id=parent.unit.id, name=name, kind=kind
            )
            self.nodes[key] = _Node(key=key, unit=unit, parent=parent)

        people: list[tuple[str, str, Role, _Node, Person]] = []
        for key, first, last, unit_key, role, locale in _PEOPLE:
            node = self.nodes[unit_key]
            person = await org_service.create_person(
                self.session,
                org_id=org.id,
                email=email_for(first, last),
                display_name=f"{first} {last}",
                home_unit_id=node.unit.id,
                locale=locale,
                password=DEMO_PASSWORD,
            )
            await org_service.grant_role(
                self.session, org_id=org.id, person_id=person.id, role=role, unit_id=node.unit.id
            )
            people.append((key, first, role, node, person))
        for key, first, role, node, person in people:
            principal = await org_service.load_principal(self.session, person.subject)
            assert principal is not None
            self.members[key] = _Member(key, first, role, node, person, principal)
        return org.id

    def manager_for(self, node: _Node) -> _Member:
        """Who handles insights posted at `node`: a manager of the nearest unit that has one."""
        for ancestor in node.ancestors():
            managers = [
                m for m in self.members.values() if m.role is Role.MANAGER and m.node is ancestor
            ]
            if managers:
                return managers[0]
        raise LookupError(f"no manager above {node.key}")

    # -- scheduling ------------------------------------------------------------------

    def at(self, when: datetime, step: Step) -> None:
        self.steps.append((when, len(self.steps), step))

    def fits(self, when: datetime) -> bool:
        return when <= self.latest

    def hours(self, low: float, high: float) -> timedelta:
        return timedelta(hours=self.flow.uniform(low, high))

    async def run(self) -> None:
        """Everything in the order it happened, each step at its own moment."""
        for when, _, step in sorted(self.steps, key=lambda s: (s[0], s[1])):
            clock.freeze(when)
            await step()

    # -- composing insights ----------------------------------------------------------

    def working_hours(self, days_ago: float) -> datetime:
        """A moment `days_ago` back, during opening hours (about 7–20 in Finland)."""
        day = self.now - timedelta(days=days_ago)
        moment = day.replace(
            hour=self.rng.randint(5, 17), minute=self.rng.randrange(60), second=0, microsecond=0
        )
        while moment > self.latest:
            moment -= timedelta(days=1)
        return moment

    def fill(self, template: str, plan: _Plan) -> str:
        rng = self.rng
        price = rng.randint(99, 699) / 100

        def colleague() -> str:
            store = plan.node.store
            around = [
                m for m in self.members.values() if m is not plan.author and m.node.within(store)
            ]
            # Mostly a fellow frontline worker; the store manager when no one else is there.
            names = [m.first for m in around if m.role is Role.FRONTLINE] or [
                m.first for m in around
            ]
            return rng.choice(names or list(_FALLBACK_COLLEAGUES))

        def money(amount: float) -> str:
            text = f"{amount:.2f}"
            return text if plan.lang == "en" else text.replace(".", ",")

        def value(name: str) -> str:
            if "|" in name:
                return rng.choice(name.split("|"))
            if name in _SLOT_POOLS:
                return rng.choice(_SLOT_POOLS[name])
            match name:
                case "Product" | "Product_en":
                    word = rng.choice(_SLOT_POOLS[name.lower()])
                    return word[0].upper() + word[1:]
                case "price":
                    return money(price)
                case "price2":
                    return money(price + rng.randint(20, 150) / 100)
                case "affected":
                    return str(plan.affected or rng.randint(3, 12))
                case "colleague":
                    return colleague()
                case "store":
                    stores = [n for n in self.nodes.values() if n.unit.kind is UnitKind.STORE]
                    node = plan.node if plan.node.unit.kind is UnitKind.STORE else None
                    return (node or rng.choice(stores)).unit.name
                case "till":
                    return str(rng.randint(1, 8))
                case "till_count":
                    return str(rng.randint(4, 8))
                case "open_tills":
                    return str(rng.randint(2, 3))
                case "minutes":
                    return str(rng.randrange(10, 40, 5))
                case "days":
                    return str(rng.randint(2, 6))
                case "count":
                    return rng.choice(_NUMBERS[plan.lang])
                case "comments":
                    return str(rng.randrange(40, 300, 10))
                case "hours":
                    return str(rng.randint(2, 4))
            raise KeyError(name)

        return _SLOT.sub(lambda m: value(m.group(1)), template)

    @staticmethod
    def templates(theme: _Theme, lang: str, tags: tuple[str, ...] = ()) -> list[_Tpl]:
        """The templates a writer of `lang` uses; with `tags`, only those about that."""
        templates = theme.en if lang == "en" and theme.en else theme.fi
        return [t for t in templates if t.tag in tags] if tags else list(templates)

    def compose(self, plan: _Plan, tags: tuple[str, ...] = ()) -> None:
        rng, theme, lang = self.rng, plan.theme, plan.lang
        tpl = rng.choice(self.templates(theme, lang, tags))
        plan.tpl, plan.kind = tpl, tpl.kind
        plan.stage = rng.choice(theme.stages) if tpl.stage == _DEFAULT else tpl.stage
        plan.touchpoint = (
            rng.choice(theme.touchpoints) if tpl.touchpoint == _DEFAULT else tpl.touchpoint
        )
        if plan.node.key == "apk" and plan.touchpoint not in (None, "social_media", "web"):
            # The customer service centre hears everything by phone, chat or e-mail.
            plan.touchpoint = rng.choice(("phone", "chat", "email"))
        if plan.kind in (InsightKind.PRAISE, InsightKind.IDEA):
            plan.impact = rng.choice((ImpactLevel.NONE, ImpactLevel.LOW))
        else:
            plan.impact = rng.choice(theme.impacts)
        low, high = theme.affected
        if plan.kind is InsightKind.PRAISE:
            plan.affected = 1
        elif plan.kind is InsightKind.IDEA or high == 0 or rng.random() < 0.2:
            plan.affected = None
        else:
            plan.affected = rng.randint(low, high)
        plan.confidential = rng.random() < (theme.confidential or 0.0) + (
            0.05 if plan.kind is InsightKind.COMPLAINT else 0.0
        )
        body = self.fill(tpl.text, plan)
        tone = "praise" if theme.key == "praise" else "idea" if tpl.kind is IDEA else "problem"
        reported = plan.kind in (InsightKind.COMPLAINT, InsightKind.OBSERVATION)
        lead = rng.choice(_LEADS[lang]) if reported else ""
        tail = rng.choice(_TAILS[lang][tone])
        plan.text = " ".join(part for part in (lead, body, tail) if part)
        back = (
            timedelta(hours=20 + rng.uniform(0, 8))
            if rng.random() < 0.15
            else timedelta(minutes=rng.uniform(2, 180))
        )
        plan.occurred = plan.created - back

    def authors_for(self, unit_key: str, theme: str, tags: tuple[str, ...]) -> list[_Member]:
        """Frontline people in the unit's subtree who would write about `theme`."""
        node = self.nodes[unit_key]
        return [
            m
            for m in self.members.values()
            if m.role is Role.FRONTLINE
            and m.node.within(node)
            and theme in self.affinity(m.node)
            and (m.lang == "fi" or THEMES[theme].en)
            and self.templates(THEMES[theme], m.lang, tags)
        ]

    def affinity(self, node: _Node) -> dict[str, int]:
        return _AFFINITY.get(node.key, _STORE_THEMES)

    def new_plan(
        self, author: _Member, theme: _Theme, created: datetime, tags: tuple[str, ...] = ()
    ) -> _Plan:
        plan = _Plan(author=author, node=author.node, theme=theme, created=created)
        self.compose(plan, tags)
        self.plans.append(plan)
        self.at(created, functools.partial(self.post, plan))
        return plan

    # -- lifecycles ------------------------------------------------------------------

    def plan_actions(self) -> None:
        for spec in _ACTIONS:
            created = self.working_hours(spec.created_days_ago)
            linked: list[_Plan] = []
            for unit_key in spec.units:
                authors = self.authors_for(unit_key, spec.theme, spec.tags)
                assert authors, (spec.title, unit_key)
                for _ in range(self.rng.randint(*spec.per_unit)):
                    days_before = self.rng.uniform(0.3, 20)
                    posted = max(
                        created - timedelta(days=days_before),
                        self.now - timedelta(days=HISTORY_DAYS),
                    )
                    author = self.rng.choice(authors)
                    theme = THEMES[spec.theme]
                    linked.append(self.new_plan(author, theme, posted, spec.tags))
            self.plan_action(spec, created, linked)

    def plan_action(self, spec: _ActionSpec, created: datetime, linked: list[_Plan]) -> None:
        rng = self.flow
        creator, owner = self.members[spec.creator], self.members[spec.owner]
        holder: dict[str, uuid.UUID] = {}
        due_on = (created + timedelta(days=spec.due_in_days)).date()
        self.at(
            created,
            functools.partial(self.create_action, creator, owner, spec, due_on, linked, holder),
        )
        # Some were acknowledged, and discussed, before the action was taken.
        for plan in linked:
            ack = plan.created + self.hours(1, 40)
            if ack < created - timedelta(hours=1) and rng.random() < 0.7:
                manager = self.manager_for(plan.node)
                self.at(
                    ack, functools.partial(self.status, manager, plan, InsightStatus.ACKNOWLEDGED)
                )
                self.maybe_discuss(plan, manager, ack, created, chance=0.25)
        if linked and spec.finished_days_ago is not None:
            self.plan_echoes(linked[0], spec, created)
        if spec.started_days_ago is not None:
            started = self.working_hours(spec.started_days_ago)
            started = max(started, created + timedelta(minutes=30))
            update = ActionUpdate(status=ActionStatus.IN_PROGRESS)
            self.at(started, functools.partial(self.update_action, creator, holder, update))
        if spec.finished_days_ago is None:
            # Still under way: some reporters were told what is being done.
            for plan in linked:
                told = created + self.hours(2, 72)
                if rng.random() < 0.3 and self.fits(told):
                    message = (
                        f"Kiitos! Asiaa hoidetaan toimenpiteellä ”{spec.title}”. Kerromme, kun "
                        "se on valmis."
                        if plan.lang == "fi"
                        else f"Thanks! This is being handled by the action “{spec.title}”. "
                        "We'll let you know when it's done."
                    )
                    self.tell(plan, self.manager_for(plan.node), told, message)
            return
        finished = max(self.working_hours(spec.finished_days_ago), created + timedelta(hours=2))
        update = ActionUpdate(status=spec.status, outcome=spec.outcome_fi)
        self.at(finished, functools.partial(self.update_action, creator, holder, update))
        for plan in linked:
            manager = self.manager_for(plan.node)
            closed = finished + self.hours(2, 72)
            if not self.fits(closed):
                continue
            outcome_text = (spec.outcome_en if plan.lang == "en" else None) or spec.outcome_fi
            assert outcome_text is not None
            if spec.status is ActionStatus.DONE:
                self.at(
                    closed,
                    functools.partial(
                        self.status, manager, plan, InsightStatus.RESOLVED, outcome_text
                    ),
                )
                message = self.answer_text(plan, outcome_text, declined=False)
            else:
                self.at(
                    closed,
                    functools.partial(
                        self.status, manager, plan, InsightStatus.DECLINED, outcome_text
                    ),
                )
                message = self.answer_text(plan, outcome_text, declined=True)
            told = closed + self.hours(0.5, 48)
            if rng.random() < 0.85 and self.fits(told):
                self.tell(plan, manager, told, message)

    def plan_echoes(self, plan: _Plan, spec: _ActionSpec, created: datetime) -> None:
        """Colleagues in the same unit see the same thing: one posts it again, and its manager
        merges the duplicate before acting; another says "me too". Both hear the outcome."""
        rng = self.echo
        colleagues = [
            m
            for m in self.authors_for(plan.node.key, spec.theme, spec.tags)
            if m.node is plan.node and m is not plan.author
        ]
        if not colleagues:
            return
        posted = plan.created + timedelta(hours=rng.uniform(1, 30))
        merged = posted + timedelta(hours=rng.uniform(0.5, 6))
        if rng.random() < 0.6 and merged < created:
            duplicate = self.new_plan(rng.choice(colleagues), plan.theme, posted, spec.tags)
            manager = self.manager_for(plan.node)
            self.at(merged, functools.partial(self.merge, manager, plan, duplicate))
        backers = [m for m in colleagues if m is not plan.author]
        backed = plan.created + timedelta(hours=rng.uniform(2, 48))
        if rng.random() < 0.7 and backed < created:
            self.at(backed, functools.partial(self.endorse, rng.choice(backers), plan))

    def plan_random(self, count: int) -> None:
        rng = self.rng
        frontline = [m for m in self.members.values() if m.role is Role.FRONTLINE]
        weights = [_AUTHOR_WEIGHT.get(m.key, 1.0) for m in frontline]
        for _ in range(count):
            author = rng.choices(frontline, weights)[0]
            affinity = {
                k: w
                for k, w in self.affinity(author.node).items()
                if author.lang == "fi" or THEMES[k].en
            }
            theme = THEMES[rng.choices(list(affinity), list(affinity.values()))[0]]
            # More of them recently, as adoption grows.
            created = self.working_hours(HISTORY_DAYS * rng.random() ** 1.6)
            plan = self.new_plan(author, theme, created)
            self.plan_lifecycle(plan)

    def plan_lifecycle(self, plan: _Plan) -> None:
        """new → acknowledged → in progress → resolved | declined, as far as time allows."""
        rng = self.flow
        age = (self.now - plan.created).total_seconds() / 86400
        if age > 21:
            weights = (0.1, 0.13, 0.12, 0.3, 0.35)
        elif age > 7:
            weights = (0.22, 0.25, 0.23, 0.12, 0.18)
        elif age > 2:
            weights = (0.45, 0.3, 0.13, 0.06, 0.06)
        else:
            weights = (0.75, 0.22, 0.03, 0.0, 0.0)
        target = rng.choices(
            (
                InsightStatus.NEW,
                InsightStatus.ACKNOWLEDGED,
                InsightStatus.IN_PROGRESS,
                InsightStatus.RESOLVED,
                InsightStatus.DECLINED,
            ),
            weights,
        )[0]
        if plan.theme.key == "praise" and (target is not InsightStatus.NEW or age > 4):
            target = InsightStatus.RESOLVED  # thanks passed on, nothing to keep open
        reason = self.decline_reason(plan) if target is InsightStatus.DECLINED else None
        if target is InsightStatus.DECLINED and reason is None:
            # No good reason to say no, and no fix yet either: it waits in the backlog.
            target = InsightStatus.ACKNOWLEDGED
        manager = self.manager_for(plan.node)

        if target is InsightStatus.NEW:
            follow_up = plan.created + self.hours(20, 90)
            if rng.random() < 0.15 and self.fits(follow_up):
                body = rng.choice(_FOLLOW_UPS[plan.lang])
                self.at(follow_up, functools.partial(self.comment, plan.author, plan, body))
            return

        # Usually within the deadline, sometimes late.
        ack = plan.created + (self.hours(1, 30) if rng.random() < 0.8 else self.hours(50, 120))
        praise = plan.theme.key == "praise"
        praise_at_once = praise and target is InsightStatus.RESOLVED
        # Praise is often simply thanked and closed.
        ack_needed = not (praise_at_once and rng.random() < 0.6)
        last = plan.created
        if ack_needed:
            if not self.fits(ack):
                return
            self.at(ack, functools.partial(self.status, manager, plan, InsightStatus.ACKNOWLEDGED))
            last = ack
        if target is InsightStatus.ACKNOWLEDGED:
            self.maybe_discuss(plan, manager, last, self.latest, chance=0.3)
            return

        if target is InsightStatus.IN_PROGRESS or (
            target is InsightStatus.RESOLVED and not praise and rng.random() < 0.4
        ):
            started = last + self.hours(2, 72)
            if not self.fits(started):
                self.maybe_discuss(plan, manager, last, self.latest, chance=0.3)
                return
            self.at(
                started, functools.partial(self.status, manager, plan, InsightStatus.IN_PROGRESS)
            )
            self.maybe_discuss(plan, manager, last, started, chance=0.3)
            last = started
            if target is InsightStatus.IN_PROGRESS:
                interim = last + self.hours(2, 48)
                if rng.random() < 0.25 and self.fits(interim):
                    self.tell(plan, manager, interim, rng.choice(_INTERIM[plan.lang]))
                return

        closed = last + self.hours(4, 24 * 8)
        if not self.fits(closed):
            self.maybe_discuss(plan, manager, last, self.latest, chance=0.3)
            return
        self.maybe_discuss(plan, manager, last, closed, chance=0.3)
        declined = target is InsightStatus.DECLINED
        note = reason if declined and reason else self.resolution(plan)
        self.at(closed, functools.partial(self.status, manager, plan, target, note))
        told = closed + self.hours(0.5, 60)
        if rng.random() < 0.85 and self.fits(told):
            self.tell(plan, manager, told, self.answer_text(plan, note, declined=declined))

    def resolution(self, plan: _Plan) -> str:
        """What was done, in the reporter's language."""
        options = plan.theme.resolutions.get(plan.lang) or _GENERIC["resolutions"][plan.lang]
        return plan.tpl.resolution or self.flow.choice(options)

    def decline_reason(self, plan: _Plan) -> str | None:
        """Why nothing will be done, if there is a good reason for this kind of insight."""
        options = plan.theme.declines.get(plan.lang)
        return plan.tpl.decline or (self.flow.choice(options) if options else None)

    def maybe_discuss(
        self, plan: _Plan, manager: _Member, after: datetime, before: datetime, *, chance: float
    ) -> None:
        """A manager's question and the reporter's answer, if there is time before `before`."""
        rng = self.flow
        if plan.confidential:
            chance = max(chance, 0.6)  # the thread is how a confidential reporter is reached
        if rng.random() >= chance:
            return
        asked = after + self.hours(0.5, 24)
        replied = asked + self.hours(0.5, 20)
        if asked >= before or not self.fits(asked):
            return
        question = rng.choice(
            _pick(plan.theme.questions, plan.lang) or _GENERIC["questions"][plan.lang]
        )
        self.at(asked, functools.partial(self.comment, manager, plan, question))
        if replied < before and self.fits(replied) and rng.random() < 0.85:
            reply = rng.choice(
                _pick(plan.theme.replies, plan.lang) or _GENERIC["replies"][plan.lang]
            )
            self.at(replied, functools.partial(self.comment, plan.author, plan, reply))

    def answer_text(self, plan: _Plan, note: str, *, declined: bool) -> str:
        """The message that closes the loop: thanks, what was done (or why not), an opening."""
        rng, lang = self.flow, plan.lang
        opening: tuple[str, ...]
        closing: tuple[str, ...]
        if declined:
            opening, closing = _DECLINE_OPENINGS[lang], _DECLINE_CLOSINGS[lang]
        elif plan.theme.key == "praise":
            opening, closing = _PRAISE_OPENINGS[lang], ("",)
        elif plan.kind is InsightKind.IDEA:
            opening, closing = _IDEA_OPENINGS[lang], _IDEA_CLOSINGS[lang]
        else:
            opening, closing = _THANKS[lang], _CLOSINGS[lang]
        parts = (rng.choice(opening), note, rng.choice(closing))
        return " ".join(p for p in parts if p)

    def tell(self, plan: _Plan, manager: _Member, when: datetime, message: str) -> None:
        self.at(when, functools.partial(self.tell_reporter, manager, plan, message))
        # Most reporters confirm they have read the answer.
        read = when + self.hours(0.5, 40)
        if self.flow.random() < 0.7 and self.fits(read):
            self.at(read, functools.partial(self.acknowledge_answers, plan))

    def plan_reading(self) -> None:
        """People read their notifications now and then; the latest ones are still unread."""
        rng = self.flow
        for member in self.members.values():
            gap = (2.0, 6.0) if member.role is Role.MANAGER else (4.0, 12.0)
            moment = self.now - timedelta(days=HISTORY_DAYS - rng.uniform(0, 4))
            stop = self.now - timedelta(days=rng.uniform(0.3, 3))
            while moment < stop:
                self.at(moment, functools.partial(self.read_notifications, member))
                moment += timedelta(days=rng.uniform(*gap))

    # -- the deeds, through the services ---------------------------------------------

    async def post(self, plan: _Plan) -> None:
        insight, _ = await insight_posting.create_insight(
            self.session,
            plan.author.principal,
            InsightCreate(
                kind=plan.kind,
                text=plan.text,
                journey_stage=plan.stage,
                touchpoint=plan.touchpoint,
                customer_impact=plan.impact,
                customers_affected=plan.affected,
                occurred_at=plan.occurred,
                unit_id=plan.node.unit.id,
                visibility=Visibility.CONFIDENTIAL if plan.confidential else Visibility.NAMED,
            ),
        )
        plan.id = insight.id

    async def merge(self, manager: _Member, parent: _Plan, duplicate: _Plan) -> None:
        assert parent.id is not None and duplicate.id is not None
        await insight_merges.merge_insights(
            self.session, manager.principal, parent.id, MergeInput(insight_ids=[duplicate.id])
        )

    async def endorse(self, member: _Member, plan: _Plan) -> None:
        assert plan.id is not None
        await insight_endorsements.endorse(
            self.session, member.principal, plan.id, EndorsementCreate()
        )

    async def status(
        self, actor: _Member, plan: _Plan, target: InsightStatus, note: str | None = None
    ) -> None:
        assert plan.id is not None
        await insights_service.change_status(
            self.session, actor.principal, plan.id, target, note=note
        )

    async def comment(self, actor: _Member, plan: _Plan, body: str) -> None:
        assert plan.id is not None
        await insight_comments.add_comment(
            self.session, actor.principal, plan.id, CommentCreate(body=body)
        )

    async def tell_reporter(self, actor: _Member, plan: _Plan, message: str) -> None:
        assert plan.id is not None
        answer = await loop_service.tell_reporter(
            self.session, actor.principal, plan.id, CommunicationCreate(message=message)
        )
        plan.answer_ids.append(answer.id)

    async def acknowledge_answers(self, plan: _Plan) -> None:
        for answer_id in plan.answer_ids:
            await loop_service.acknowledge_answer(self.session, plan.author.principal, answer_id)

    async def create_action(
        self,
        creator: _Member,
        owner: _Member,
        spec: _ActionSpec,
        due_on: date,
        linked: list[_Plan],
        holder: dict[str, uuid.UUID],
    ) -> None:
        ids = [p.id for p in linked if p.id is not None]
        action = await actions_service.create_action(
            self.session,
            creator.principal,
            ActionCreate(
                title=spec.title,
                description=spec.description,
                owner_id=owner.person.id,
                due_on=due_on,
                insight_ids=ids,
            ),
        )
        holder["id"] = action.id

    async def update_action(
        self, actor: _Member, holder: dict[str, uuid.UUID], data: ActionUpdate
    ) -> None:
        await actions_service.update_action(self.session, actor.principal, holder["id"], data)

    async def read_notifications(self, member: _Member) -> None:
        await notify_service.mark_all_read(self.session, member.principal)

    # -- the summary -----------------------------------------------------------------

    async def summary(self, org_id: uuid.UUID) -> DemoSummary:
        session = self.session

        async def count(query: Select[Any]) -> int:
            return int(await session.scalar(query) or 0)

        role_rows = await session.execute(
            select(RoleGrant.role, func.count(func.distinct(RoleGrant.person_id)))
            .where(RoleGrant.org_id == org_id)
            .group_by(RoleGrant.role)
        )
        by_role: dict[Role, int] = {role: n for role, n in role_rows}
        status_rows = await session.execute(
            select(Insight.status, func.count())
            .where(Insight.org_id == org_id)
            .group_by(Insight.status)
        )
        by_status: dict[InsightStatus, int] = {status: n for status, n in status_rows}
        logins = []
        for role, email in DEMO_LOGINS.items():
            member = next(m for m in self.members.values() if m.person.email == email)
            logins.append(
                DemoLogin(
                    role=role,
                    email=email,
                    name=member.person.display_name,
                    unit=member.node.unit.name,
                )
            )
        return DemoSummary(
            organisation=ORG_NAME,
            slug=ORG_SLUG,
            org_id=org_id,
            units=await count(select(func.count()).where(Unit.org_id == org_id)),
            people=await count(select(func.count()).where(Person.org_id == org_id)),
            people_by_role={r.value: by_role.get(r, 0) for r in Role},
            insights=sum(by_status.values()),
            insights_by_status={s.value: by_status.get(s, 0) for s in InsightStatus},
            actions=await count(select(func.count()).where(Action.org_id == org_id)),
            actions_done=await count(
                select(func.count()).where(
                    Action.org_id == org_id, Action.status == ActionStatus.DONE
                )
            ),
            answers=await count(
                select(func.count()).where(
                    LoopCommunication.org_id == org_id,
                    LoopCommunication.audience == Audience.REPORTER,
                )
            ),
            loops_closed=await count(
                select(func.count()).where(
                    Insight.org_id == org_id, Insight.loop_closed_at.is_not(None)
                )
            ),
            logins=tuple(logins),
        )


async def seed_demo(session: AsyncSession) -> DemoSummary:
    """Create the demo retail chain in `session` (which the caller commits)."""
    seeder = _Seeder(session, clock.now())
    try:
        org_id = await seeder.build_organisation()
        seeder.plan_actions()
        seeder.plan_random(INSIGHT_COUNT - len(seeder.plans))
        seeder.plan_reading()
        await seeder.run()
    finally:
        clock.freeze(None)
    return await seeder.summary(org_id)
