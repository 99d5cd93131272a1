"""What the frontline writes about: insight templates by theme, in Finnish and English.

A template's `{slot}` is filled when an insight is written (see `app.demo.writing`); `{a|b}`
picks one of its options.
"""

from app.demo.specs import Template, Theme
from app.org.taxonomy import ImpactLevel, InsightKind

# Short names keep the templates readable.
OBS, STORY, IDEA, COMPLAINT, PRAISE = (
    InsightKind.OBSERVATION,
    InsightKind.CUSTOMER_STORY,
    InsightKind.IDEA,
    InsightKind.COMPLAINT,
    InsightKind.PRAISE,
)
NONE_, LOW, MEDIUM, HIGH = ImpactLevel.NONE, ImpactLevel.LOW, ImpactLevel.MEDIUM, ImpactLevel.HIGH

THEMES: tuple[Theme, ...] = (
    Theme(
        key="self_checkout",
        stages=("purchase",),
        touchpoints=("self_service",),
        impacts=(MEDIUM, MEDIUM, HIGH, LOW),
        affected=(2, 25),
        fi=(
            Template(
                COMPLAINT,
                "Itsepalvelukassa {till} jumittui {time}: maksupääte ei herännyt ja "
                "{affected} asiakasta joutui siirtymään palvelukassan jonoon.",
                tag="till_fault",
            ),
            Template(
                COMPLAINT,
                "Itsepalvelukassojen vaaka antaa jatkuvasti ilmoituksen ”Tuntematon tuote "
                "pussitusalueella”, vaikka alue on tyhjä. {Asiakkaat turhautuvat|Moni asiakas "
                "luovutti} ja {jäi odottamaan apua|jätti ostokset kesken}.",
                resolution="Vaa'an herkkyys kalibroitiin uudelleen, ja turhat ilmoitukset ovat "
                "vähentyneet selvästi.",
                tag="till_fault",
            ),
            Template(
                STORY,
                "{Asiakas|Iäkäs asiakas|Lapsiperheen isä} joutui odottamaan henkilökunnan "
                "tunnistautumista itsepalvelukassalla kolme kertaa saman oston aikana, koska "
                "{siideri|kipulääke|energiajuoma} vaatii iän tarkistuksen. Jono kasvoi koko ajan.",
                resolution="Itsepalvelukassoille nimettiin ruuhka-ajoiksi valvoja, joka hoitaa "
                "tunnistautumiset.",
                decline="Iän tarkistus on lakisääteinen, eikä sitä voi ohittaa "
                "itsepalvelukassalla. Ohjaamme ikärajatuotteet ruuhka-aikaan palvelukassalle.",
            ),
            Template(
                OBS,
                "Kaikki {till_count} itsepalvelukassaa kaatuivat {time} yhtä aikaa ja "
                "käynnistyivät uudelleen vasta noin {minutes} minuutin päästä. "
                "Palvelukassan jono venyi pitkäksi.",
                touchpoint="checkout",
                tag="till_fault",
            ),
            Template(
                OBS,
                "Itsepalvelukassan kuittitulostin on ollut jumissa {jo kolmatta päivää|taas koko "
                "aamun}, ja asiakkaat kysyvät kuittia palvelukassalta.",
                resolution="Kuittitulostin vaihdettiin, ja paperin tarkistus lisättiin "
                "avausrutiiniin.",
            ),
            Template(
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
            Template(
                STORY,
                "{A customer|An elderly customer|A dad with two kids} had to wait three times for "
                "staff to approve the age check at self-checkout because of {cider|painkillers|an "
                "energy drink}. The queue behind kept growing.",
                resolution="Self-checkouts now have a dedicated host at peak times who handles "
                "the age checks.",
                decline="Age checks are required by law and can't be skipped at self-checkout; "
                "at peak times we steer age-restricted items to the staffed tills.",
            ),
            Template(
                COMPLAINT,
                "Self-checkout {till} froze {time_en}; the card terminal would not wake up and "
                "{affected} customers had to move to the staffed till.",
                tag="till_fault",
            ),
            Template(
                COMPLAINT,
                "The self-checkout scale keeps saying “unexpected item in bagging area” even "
                "when it is empty. Customers {get frustrated|give up} and {wait for help|leave "
                "their shopping behind}.",
                resolution="The scale was recalibrated and the false alerts have dropped clearly.",
                tag="till_fault",
            ),
            Template(
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
    Theme(
        key="queues",
        stages=("purchase",),
        touchpoints=("checkout",),
        impacts=(MEDIUM, MEDIUM, HIGH, LOW),
        affected=(8, 60),
        fi=(
            Template(
                COMPLAINT,
                "Ruuhka-aikaan {peak} jono palvelukassalle venyi noin {minutes} minuuttiin, kun "
                "auki oli vain {open_tills} kassaa. {Muutama asiakas jätti korin kesken.|"
                "Asiakkaat valittivat ääneen.|Yksi asiakas sanoi vaihtavansa kauppaa.}",
                tag="peak_queue",
            ),
            Template(
                OBS,
                "{Perjantai|Lauantai|Torstai}-iltapäivisin klo {15–17|16–18} jonot ovat "
                "{joka viikko|lähes aina} pitkät, mutta vuorolistalla on silloin {vähiten|liian "
                "vähän} kassahenkilökuntaa.",
                tag="peak_queue",
            ),
            Template(
                STORY,
                "Asiakas kertoi {jonottaneensa|seisoneensa jonossa} {minutes} minuuttia "
                "maitopurkin kanssa ja toivoi pikakassaa alle viiden tuotteen ostoksille.",
                resolution="Kokeilemme ruuhka-aikoina pikakassaa alle viiden tuotteen ostoksille.",
                decline="Pikakassaa ei voi toteuttaa nykyisellä kassalinjalla ilman remonttia. "
                "Asia on mukana ensi vuoden remonttisuunnitelmassa.",
            ),
            Template(
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
            Template(
                OBS,
                "{Friday|Saturday|Thursday} afternoons between {3 and 5|4 and 6} the queues are "
                "{always|nearly always} long, yet that's when the rota has the fewest people on "
                "the tills.",
                tag="peak_queue",
            ),
            Template(
                COMPLAINT,
                "At peak time {peak_en} the queue at the staffed tills was about {minutes} "
                "minutes long with only {open_tills} tills open. {A few customers left their "
                "baskets.|Customers were openly complaining.}",
                tag="peak_queue",
            ),
            Template(
                STORY,
                "A customer told me she waited {minutes} minutes with just a carton of milk and "
                "asked why there is no express lane for small baskets.",
                resolution="We're trying out an express lane for small baskets at peak times.",
                decline="An express lane doesn't fit the current till line without a refit; it "
                "is in next year's refit plan.",
            ),
            Template(
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
    Theme(
        key="weekly_offer",
        stages=("purchase", "purchase", "awareness"),
        touchpoints=("in_person",),
        impacts=(MEDIUM, LOW, HIGH),
        affected=(5, 40),
        fi=(
            Template(
                COMPLAINT,
                "Viikon tarjoustuote {product} loppui jo {weekday} {aamupäivällä|puoliltapäivin}, "
                "ja {affected} asiakasta kysyi sitä {kassalla|hyllyn luona}. Tilaus oli selvästi "
                "liian pieni.",
                tag="sold_out",
            ),
            Template(
                STORY,
                "Asiakas tuli {kauempaa|bussilla toiselta puolelta kaupunkia} nimenomaan "
                "tarjouslehden takia ({product}), mutta hylly oli tyhjä. Hän oli todella "
                "pettynyt.",
                tag="sold_out",
            ),
            Template(
                COMPLAINT,
                "Tarjouslehdessä {product} mainostettiin hintaan {price} €, mutta tuotetta ei "
                "tullut kuormassa ollenkaan. Asiakkaat pitävät sitä harhaanjohtavana "
                "mainontana.",
                stage="awareness",
                tag="sold_out",
            ),
            Template(
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
            Template(
                COMPLAINT,
                "The flyer advertised {product_en} at {price} € but none came in the delivery. "
                "Customers think it's misleading advertising.",
                stage="awareness",
                tag="sold_out",
            ),
            Template(
                COMPLAINT,
                "This week's offer, {product_en}, ran out on {weekday_en} morning and "
                "{affected} customers asked about it. The order was clearly too small.",
                tag="sold_out",
            ),
            Template(
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
    Theme(
        key="app_coupon",
        stages=("billing",),
        touchpoints=("mobile_app", "checkout"),
        impacts=(LOW, MEDIUM, MEDIUM),
        affected=(1, 15),
        fi=(
            Template(
                COMPLAINT,
                "Mobiilisovelluksen {coupon} ei mennyt läpi kassalla: kassa ilmoitti ”kuponki ei "
                "voimassa”, vaikka sovelluksessa se näkyi aktiivisena. {Annoimme alennuksen "
                "käsin.|Asiakas maksoi täyden hinnan ja lähti harmissaan.}",
                tag="coupon_rejected",
            ),
            Template(
                STORY,
                "Asiakas näytti kassalla sovelluksen kuponkia, mutta viivakoodi ei lukeutunut "
                "skannerilla. Näytön kirkkauden säätäminen ei auttanut. Tämä on {kolmas kerta "
                "tällä viikolla|toistuva ongelma}.",
                touchpoint="checkout",
                resolution="Kassojen skannerien ohjelmisto päivitettiin lukemaan sovelluksen "
                "viivakoodit.",
            ),
            Template(
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
            Template(
                OBS,
                "The coupon page in the app still shows {last week's|expired} offers, and "
                "customers try to use them at the till.",
                touchpoint="mobile_app",
                resolution="Expired coupons now disappear from the app automatically at midnight.",
                decline="Coupons are valid only for the period shown in the app; expired ones "
                "can't be accepted at the till.",
            ),
            Template(
                COMPLAINT,
                "The app's {coupon_en} was rejected at the till with “coupon not valid” although "
                "it showed as active in the app. {We gave the discount manually.|The customer "
                "paid full price and left annoyed.}",
                tag="coupon_rejected",
            ),
            Template(
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
    Theme(
        key="bottle_return",
        stages=("purchase",),
        touchpoints=("self_service",),
        impacts=(LOW, MEDIUM),
        affected=(3, 30),
        fi=(
            Template(
                COMPLAINT,
                "Pullonpalautusautomaatti on ollut rikki {days} päivää. Asiakkaat joutuvat "
                "kantamaan pullot takaisin kotiin tai jättävät ne eteiseen.",
                tag="machine_fault",
            ),
            Template(
                OBS,
                "Pullonpalautusautomaatin säiliö täyttyy {time}, ja kone menee jumiin. Kukaan ei "
                "ehdi tyhjentää sitä ruuhkan aikana.",
                resolution="Säiliön tyhjennys lisättiin iltavuoron tehtävälistaan klo 17.",
                tag="machine_fault",
            ),
            Template(
                STORY,
                "Asiakas toi {count} kassillista tölkkejä, mutta automaatti hylkäsi puolet "
                "tuntemattomina. Hän epäili, että häntä huijataan.",
                resolution="Automaatin tunnistin puhdistettiin ja ohjelmisto päivitettiin; "
                "hylkäyksiä on nyt selvästi vähemmän.",
                decline="Automaatti hylkää tölkit, joissa ei ole suomalaista panttimerkintää; "
                "tämä on palautusjärjestelmän sääntö eikä vika.",
                tag="rejects",
            ),
            Template(
                IDEA,
                "Pullonpalautukseen voisi laittaa kyltin, joka kertoo, kun automaatti on "
                "huollossa, ja ohjaa {palvelutiskille|lähimpään toimivaan automaattiin}.",
                resolution="Automaatille tehtiin huoltokyltti, joka ohjaa asiakkaat "
                "palvelutiskille.",
            ),
        ),
        en=(
            Template(
                STORY,
                "A customer brought {count} bags of cans and the machine rejected half of them as "
                "unknown. He thought we were cheating him.",
                resolution="The machine's sensor was cleaned and its software updated; far fewer "
                "cans are rejected now.",
                decline="The machine rejects cans without a Finnish deposit mark; that is the "
                "deposit system's rule, not a fault.",
                tag="rejects",
            ),
            Template(
                COMPLAINT,
                "The bottle return machine has been out of order for {days} days. Customers "
                "carry their bottles back home or leave them by the door.",
                tag="machine_fault",
            ),
            Template(
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
    Theme(
        key="price_label",
        stages=("purchase",),
        touchpoints=("in_person", "checkout"),
        impacts=(LOW, MEDIUM),
        affected=(1, 8),
        fi=(
            Template(
                COMPLAINT,
                "{Product}: hyllynreunassa hinta {price} €, mutta kassalla tuote meni hintaan "
                "{price2} €. Asiakas huomasi eron kuitista ja palasi kassalle.",
                touchpoint="checkout",
                decline="Hinta oli oikein: hyllyn tarjoushinta koskee vain bonusasiakkaita, ja "
                "se lukee hintalapussa. Selkeämpi merkintä tulee ketjun uusiin hintalappuihin.",
            ),
            Template(
                OBS,
                "Sähköiset hintalaput näyttävät {juomahyllyssä|pakasteissa|maitohyllyssä} "
                "edellisen viikon tarjoushintoja. Löysin {count} virheellistä hintaa yhdellä "
                "kierroksella.",
                touchpoint="in_person",
                resolution="Sähköisten hintalappujen päivitysvirhe korjattiin, ja hinnat "
                "tarkistetaan nyt joka aamu.",
            ),
            Template(
                STORY,
                "Asiakas kertoi, että hintalapussa luki {price} €, mutta hän maksoi {price2} €. "
                "Hänen mukaansa sama on tapahtunut ennenkin, eikä hän enää luota hintalappuihin.",
                decline="Hinta oli oikein: hyllyn tarjoushinta koskee vain bonusasiakkaita, ja "
                "se lukee hintalapussa. Selkeämpi merkintä tulee ketjun uusiin hintalappuihin.",
            ),
        ),
        en=(
            Template(
                COMPLAINT,
                "{Product_en}: the shelf label says {price} € but it rang up at {price2} € at "
                "the till. The customer noticed it on the receipt and came back.",
                touchpoint="checkout",
                decline="The price was right: the shelf offer applies to loyalty members only, "
                "as the label says in small print.",
            ),
            Template(
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
    Theme(
        key="parcel_pickup",
        stages=("delivery",),
        touchpoints=("pickup_delivery",),
        impacts=(MEDIUM, LOW, MEDIUM),
        affected=(2, 20),
        fi=(
            Template(
                COMPLAINT,
                "Pakettien noutopisteellä jono oli {peak} yli {minutes} minuuttia, koska vain "
                "yksi työntekijä etsi paketteja varastosta.",
                resolution="Ruuhka-aikaan noutopisteellä on nyt kaksi työntekijää.",
                tag="pickup_point",
            ),
            Template(
                OBS,
                "Pakettiautomaatti on ollut täynnä {jo kaksi päivää|koko viikonlopun}, ja paketit "
                "ohjautuvat palvelutiskille. Tiskillä ei ole tilaa niille.",
                resolution="Kuljetusyhtiö tyhjentää automaatin nyt kahdesti päivässä.",
                decline="Pakettiautomaatin kapasiteetti on kuljetusyhtiön vastuulla; välitimme "
                "palautteen heille.",
                tag="locker",
            ),
            Template(
                STORY,
                "Asiakas oli saanut viestin, että paketti on noudettavissa, mutta sitä ei "
                "löytynyt varastosta. Paketti löytyi {seuraavana päivänä|puolen tunnin etsimisen "
                "jälkeen} väärältä hyllyltä.",
                tag="pickup_point",
            ),
        ),
        en=(
            Template(
                OBS,
                "The parcel locker has been full {for two days|all weekend}, so parcels end up "
                "at the service desk, where there's no room for them.",
                resolution="The carrier now empties the locker twice a day.",
                decline="The locker's capacity is the carrier's responsibility; we've passed "
                "your feedback on to them.",
                tag="locker",
            ),
            Template(
                COMPLAINT,
                "The parcel pickup queue was over {minutes} minutes {peak_en}; only one person "
                "was searching the stockroom for parcels.",
                resolution="At peak times there are now two people at the pickup point.",
                tag="pickup_point",
            ),
            Template(
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
    Theme(
        key="praise",
        stages=("support", "purchase"),
        touchpoints=("in_person",),
        impacts=(NONE_, LOW),
        affected=(1, 1),
        fi=(
            Template(
                PRAISE,
                "{colleague} auttoi {time} iäkästä asiakasta keräämään koko ostoslistan ja kantoi "
                "kassit autolle asti. Asiakas kävi erikseen kiittämässä.",
            ),
            Template(
                PRAISE,
                "Asiakas antoi kiitosta: {colleague} oli löytänyt hänelle gluteenittomat "
                "vaihtoehdot ja neuvonut {kärsivällisesti|ystävällisesti} reseptin kanssa.",
            ),
            Template(
                PRAISE,
                "Iso kiitos! {colleague} hoiti {peak} yllättävän kassaruuhkan rauhallisesti ja "
                "avasi lisäkassan ennen kuin kukaan ehti pyytää.",
                touchpoint="checkout",
            ),
            Template(
                STORY,
                "{Vakioasiakas|Pitkäaikainen asiakas|Eräs rouva} sanoi, että meillä on {kaupungin|"
                "koko alueen} ystävällisin palvelu ja että hän tulee tänne juuri henkilökunnan "
                "takia.",
                stage="loyalty",
                resolution="Kerroimme tämän koko myymälän väelle viikkopalaverissa.",
            ),
        ),
        en=(
            Template(
                PRAISE,
                "Big thanks to {colleague}, who handled a sudden rush at the tills {peak_en} "
                "calmly and opened an extra till before anyone had to ask.",
                touchpoint="checkout",
            ),
            Template(
                PRAISE,
                "Shout-out to {colleague}, who helped an elderly customer with the whole "
                "shopping list and carried the bags to the car. The customer came back to say "
                "thank you.",
            ),
            Template(
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
    Theme(
        key="accessibility",
        stages=("purchase", "awareness"),
        touchpoints=("in_person",),
        impacts=(HIGH, MEDIUM),
        affected=(1, 10),
        fi=(
            Template(
                COMPLAINT,
                "Sisäänkäynnin automaattiovi {aukeaa liian hitaasti|jää puoliväliin}, eikä "
                "pyörätuolilla liikkuva asiakas päässyt sisään ilman apua.",
                resolution="Ovimoottori korjattiin, ja aukeamisnopeus säädettiin "
                "esteettömyysohjeen mukaiseksi.",
                tag="access",
            ),
            Template(
                STORY,
                "{Rollaattorilla|Pyörätuolilla} liikkuva asiakas kertoi, että kassojen välinen "
                "käytävä on liian kapea ja hän joutuu kiertämään {itsepalvelukassojen kautta|"
                "koko myymälän ympäri}.",
                resolution="Kassakäytävää levennettiin siirtämällä yksi esittelyteline.",
                decline="Kassakäytävien leventäminen vaatii kiinteistön omistajan luvan; asia on "
                "viety kiinteistöpalaveriin, mutta muutos ei ole mahdollinen tänä vuonna.",
                tag="access",
            ),
            Template(
                OBS,
                "Esteetön pysäköintipaikka oli {koko aamun|taas} jakeluauton tukkima, ja asiakas "
                "joutui pysäköimään kauas.",
                stage="awareness",
                resolution="Esteetön pysäköintipaikka merkittiin uudelleen, ja jakeluautoille "
                "sovittiin oma lastausaika.",
                tag="access",
            ),
            Template(
                IDEA,
                "Ehdotan hiljaista tuntia: valot himmeämmälle ja kuulutukset pois esimerkiksi "
                "tiistaiaamuisin. Sitä on kysytty {useasti|monelta taholta}.",
                resolution="Hiljainen tunti otettiin käyttöön tiistaiaamuisin klo 8–9.",
                decline="Hiljaista tuntia ei voi järjestää, koska kauppakeskuksen kuulutukset "
                "eivät ole hallinnassamme.",
            ),
        ),
        en=(
            Template(
                STORY,
                "A customer using a {walker|wheelchair} told me the aisle between the tills is too "
                "narrow, so she has to go round through the self-checkouts.",
                resolution="The till aisle was widened by moving a display stand.",
                decline="Widening the till aisles needs the landlord's approval; it's on their "
                "agenda but not possible this year.",
                tag="access",
            ),
            Template(
                COMPLAINT,
                "The automatic door at the entrance {opens too slowly|gets stuck halfway}, and a "
                "wheelchair user couldn't get in without help.",
                resolution="The door motor was fixed and the opening speed set to meet the "
                "accessibility guideline.",
                tag="access",
            ),
            Template(
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
    Theme(
        key="sustainability",
        stages=("purchase", "loyalty"),
        touchpoints=("checkout",),
        impacts=(NONE_, LOW),
        affected=(1, 10),
        fi=(
            Template(
                STORY,
                "Asiakas kysyi, miksi muovikassi maksaa, mutta hedelmäpusseja saa ilmaiseksi. "
                "{Hän toivoi kassalle perustelua esille.|Hänestä linja on epälooginen.|En osannut "
                "vastata kunnolla.}",
                resolution="Kassoille tuli kyltti, joka kertoo kassien hinnan perusteet.",
                decline="Hedelmäpussit ovat hygieniasyistä ilmaisia; muovikassien maksullisuus "
                "on ketjun yhteinen linjaus, jota emme muuta myymäläkohtaisesti.",
                tag="bag_price",
            ),
            Template(
                IDEA,
                "{Kassalle|Sisäänkäynnin luo} voisi tuoda kestokassien palautuslaatikon: "
                "asiakkaat jättäisivät ylimääräiset kassinsa, ja muut voisivat ottaa niitä.",
                resolution="Kestokassien palautuslaatikkoa kokeillaan kassoilla.",
                decline="Käytettyjen kassien jakaminen ei käy hygieniasääntöjen vuoksi.",
            ),
            Template(
                OBS,
                "Asiakkaat kysyvät yhä useammin, minne {pakkausmuovit|muovipakkaukset ja "
                "kartongit} voi kierrättää. Myymälässä ei ole siitä {mitään ohjetta|näkyvää "
                "opastetta}.",
                touchpoint="in_person",
                resolution="Pakkausten kierrätysohje lisättiin sisäänkäynnin infotauluun.",
            ),
            Template(
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
            Template(
                OBS,
                "Customers keep asking where they can recycle {plastic packaging|plastic and "
                "cardboard}. There are no instructions anywhere in the store.",
                touchpoint="in_person",
                resolution="Recycling instructions were added to the notice board at the entrance.",
            ),
            Template(
                STORY,
                "A customer asked why plastic bags cost money but produce bags are free. {She "
                "suggested a sign explaining it at the till.|I couldn't really explain it.}",
                resolution="A sign explaining bag prices went up at the tills.",
                decline="Produce bags stay free for hygiene reasons; paid carrier bags are a "
                "chain-wide policy we won't change per store.",
                tag="bag_price",
            ),
            Template(
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
    Theme(
        key="loyalty",
        stages=("loyalty", "billing"),
        touchpoints=("mobile_app", "checkout"),
        impacts=(LOW, MEDIUM),
        affected=(1, 5),
        fi=(
            Template(
                COMPLAINT,
                "Asiakkaan bonukset eivät ole kirjautuneet {kahteen viikkoon|viimeisistä "
                "ostoksista}, vaikka bonuskortti luettiin kassalla. Hän on kysynyt asiaa jo "
                "{kaksi|kolme} kertaa.",
                touchpoint="checkout",
                decline="Bonukset kirjautuvat vain, kun bonuskortti on luettu ennen maksua; "
                "jälkikäteen lisääminen ei ole mahdollista.",
            ),
            Template(
                STORY,
                "Asiakas kertoi, että sovellus näyttää bonuskortin tilaksi ”ei aktiivinen”. "
                "Kassalla kortti toimii, mutta ostot eivät näy sovelluksessa.",
                touchpoint="mobile_app",
                resolution="Asiakaspalvelu aktivoi kortin uudelleen, ja sovelluksen virhe on "
                "korjattu uusimmassa versiossa.",
            ),
            Template(
                OBS,
                "Perheenjäsenen lisääminen bonustilille ei onnistu sovelluksessa, ja asiakkaita "
                "ohjataan {asiakaspalveluun|myymälään}, jossa kukaan ei osaa auttaa.",
                touchpoint="mobile_app",
                resolution="Asiakaspalvelu lisäsi perheenjäsenen tilille käsin, ja sovelluksen "
                "virhe on korjattu uusimmassa versiossa.",
            ),
        ),
        en=(
            Template(
                STORY,
                "A customer said the app shows her loyalty card as “inactive”. The card works at "
                "the till, but her purchases don't show up in the app.",
                touchpoint="mobile_app",
                resolution="Customer service reactivated the card, and the app bug is fixed in "
                "the latest version.",
            ),
            Template(
                COMPLAINT,
                "A customer's bonus points haven't been credited for {two weeks|her last few "
                "purchases} even though the loyalty card was scanned. She has asked "
                "{twice|three times} already.",
                touchpoint="checkout",
                decline="Points are only credited when the card is scanned before payment; they "
                "can't be added afterwards.",
            ),
            Template(
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
    Theme(
        key="scheduling",
        stages=(None,),
        touchpoints=(None,),
        impacts=(NONE_,),
        affected=(0, 0),
        fi=(
            Template(
                IDEA,
                "Vuorotoiveet voisi jättää sovelluksen kautta eikä paperilistaan taukohuoneessa. "
                "Nyt lista {katoaa|täyttyy nopeasti} ja toiveet unohtuvat.",
                resolution="Vuorotoiveet voi jatkossa jättää työvuorosovelluksessa, ja "
                "paperilistasta luovutaan.",
                decline="Työvuorosovelluksen toivetoiminto tulee koko ketjuun vasta ensi vuonna; "
                "siihen asti toiveet kerätään listalle.",
                tag="shift_app",
            ),
            Template(
                OBS,
                "Vuorolistat julkaistaan usein vasta {kolme päivää|viikkoa} ennen jakson alkua. "
                "Lastenhoidon järjestäminen on vaikeaa.",
                resolution="Vuorolistat julkaistaan jatkossa kolme viikkoa ennen jakson alkua.",
                decline="Vuorolistoja ei voi julkaista aiemmin, koska kampanja-aikataulut "
                "vahvistuvat vasta kaksi viikkoa etukäteen.",
            ),
            Template(
                IDEA,
                "Ehdotan, että ruuhkaisimpiin iltoihin ({pe ja la|to–la}) tehtäisiin lyhyitä "
                "neljän tunnin vuoroja. {Opiskelijat ottaisivat niitä mielellään.|Moni "
                "osa-aikainen ottaisi niitä mielellään.}",
                resolution="Perjantai- ja lauantai-iltoihin lisättiin neljän tunnin vuoroja.",
                decline="Lisävuoroja ei voi tehdä nykyiseen budjettiin, mutta siirrämme iltoihin "
                "tunteja hiljaisemmilta aamuilta.",
            ),
            Template(
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
            Template(
                IDEA,
                "Could shift preferences be entered in the app instead of the paper sheet in the "
                "break room? The sheet {goes missing|fills up fast} and wishes get lost.",
                resolution="Shift preferences can now be entered in the rota app; the paper "
                "sheet is gone.",
                decline="The preferences feature reaches the rota app only next year; until "
                "then we keep the sheet.",
                tag="shift_app",
            ),
            Template(
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
    Theme(
        key="fresh",
        stages=("purchase", "usage"),
        touchpoints=("in_person",),
        impacts=(LOW, MEDIUM),
        affected=(1, 12),
        fi=(
            Template(
                OBS,
                "Tuoretiskin {lohifileitä|broileria|salaatteja} jää iltaisin paljon hävikkiin. "
                "{-30 %|-50 %} tarrat voisi laittaa jo klo 17 eikä vasta klo 20.",
                resolution="Alennustarrat laitetaan nyt klo 17 ja toisen kerran klo 19.",
                decline="Ketjun hinnoitteluohje ei salli tuoretiskin alennuksia ennen klo 19:ää; "
                "pienennämme sen sijaan iltapäivän valmistuseriä.",
                tag="waste",
            ),
            Template(
                COMPLAINT,
                "Asiakas palautti {ruisleivän|mansikkarasian}, joka oli homeessa jo ostopäivää "
                "seuraavana aamuna. Hänen mukaansa sama on käynyt ennenkin.",
                stage="usage",
                resolution="Toimittajan erä tarkistettiin ja reklamoitiin, ja asiakkaalle "
                "hyvitettiin tuote.",
            ),
            Template(
                STORY,
                "Asiakas kysyi tuoretiskillä allergiatietoja {kinkkusalaatista|päivän "
                "valmisruoasta}, mutta tuoteselosteet puuttuivat tiskin kansiosta.",
                resolution="Tuoteselosteet tulostettiin uudelleen tiskin kansioon, ja kansion "
                "tarkistus lisättiin avausrutiiniin.",
            ),
            Template(
                COMPLAINT,
                "Tuoretiskin vuoronumerolaite ei ole toiminut {viikkoon|pitkään aikaan}: asiakkaat "
                "kinastelevat siitä, kuka on seuraavana.",
                resolution="Vuoronumerolaite korjattiin, ja varalle hankittiin numerorulla.",
            ),
        ),
        en=(
            Template(
                COMPLAINT,
                "A customer brought back {rye bread|a box of strawberries} that had gone mouldy "
                "by the next morning. She said it has happened before.",
                stage="usage",
                resolution="The supplier's batch was checked and claimed, and the customer got a "
                "refund.",
            ),
            Template(
                OBS,
                "A lot of {salmon fillets|salads} at the deli counter go to waste every evening. "
                "We could put the discount stickers on at 5 pm instead of 8 pm.",
                resolution="Discount stickers now go on at 5 pm and again at 7 pm.",
                decline="The chain's pricing policy doesn't allow deli discounts before 7 pm; "
                "we'll make smaller afternoon batches instead.",
                tag="waste",
            ),
            Template(
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
    Theme(
        key="online_order",
        stages=("delivery",),
        touchpoints=("pickup_delivery",),
        impacts=(MEDIUM, LOW),
        affected=(1, 10),
        fi=(
            Template(
                COMPLAINT,
                "Verkkokaupan noutotilaus ei ollut valmiina sovittuna aikana {time}, ja asiakas "
                "odotti noutopisteellä {minutes} minuuttia.",
                resolution="Noutotilausten keräily aloitetaan nyt tuntia aiemmin, ja tilaukset "
                "ovat olleet valmiina ajallaan.",
            ),
            Template(
                STORY,
                "Asiakas sai kotiinkuljetuksessa {count} korvaavaa tuotetta, joista hän ei ollut "
                "hyväksynyt yhtäkään. Hän toivoi, että korvaavista kysyttäisiin tekstiviestillä.",
                resolution="Korvaavista tuotteista kysytään jatkossa tekstiviestillä ennen "
                "toimitusta.",
                decline="Tekstiviestikysely ei onnistu nykyisessä verkkokaupassa; asiakas voi "
                "kieltää korvaavat tuotteet jo tilausta tehdessään.",
            ),
            Template(
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
            Template(
                COMPLAINT,
                "An online click-and-collect order wasn't ready at the agreed time {time_en}; the "
                "customer waited {minutes} minutes at the pickup point.",
                resolution="Click-and-collect picking now starts an hour earlier, and orders "
                "have been ready on time.",
            ),
            Template(
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
    Theme(
        key="logistics",
        stages=(None,),
        touchpoints=(None,),
        impacts=(LOW, MEDIUM),
        affected=(0, 0),
        fi=(
            Template(
                OBS,
                "{store}: aamun kuorma saapui noin {hours} tuntia myöhässä, ja maitotuotteet "
                "ehdittiin hyllyttää vasta puoliltapäivin.",
                resolution="Kuljetusliikkeen kanssa sovittiin uusi aikataulu, ja aamukuormat "
                "ovat saapuneet ajallaan kahden viikon ajan.",
                decline="Terminaalin lähtöaikaa ei voi aikaistaa ilman yövuoroa, joka ei ole nyt "
                "budjetissa.",
                tag="late_load",
            ),
            Template(
                COMPLAINT,
                "{store}: lavoilla oli {count} rikkoutunutta pakkausta, ja kylmäketju katkesi "
                "purkamista odotellessa.",
                resolution="Lavojen kääreet vaihdettiin tukevampiin, ja rikkoutuneet tuotteet "
                "hyvitettiin myymälälle.",
            ),
            Template(
                IDEA,
                "Ehdotus: myymälöille {tekstiviesti|ilmoitus sovellukseen}, kun kuorma on "
                "lähtenyt terminaalista. Nyt henkilökunta odottaa purkuvalmiina {turhaan|jopa "
                "tunnin}.",
                resolution="Myymälät saavat nyt tekstiviestin, kun kuorma lähtee terminaalista.",
                tag="load_sms",
            ),
            Template(
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
    Theme(
        key="customer_service",
        stages=("support",),
        touchpoints=("chat", "phone", "email"),
        impacts=(MEDIUM, LOW),
        affected=(5, 80),
        fi=(
            Template(
                OBS,
                "Chatissa kysytään {päivittäin|jatkuvasti} verkkokaupan toimitusajoista, koska "
                "tilausvahvistuksessa ei kerrota arviota. Yhteen kysymykseen kuluu noin "
                "{minutes} minuuttia.",
                touchpoint="chat",
                resolution="Chattiin tehtiin valmiit vastauspohjat, ja tilausvahvistukseen "
                "lisättiin arvioitu toimitusaika.",
                tag="chat_delivery",
            ),
            Template(
                OBS,
                "Chatissa {kolme|neljä|viisi} asiakasta peräkkäin kysyi, missä heidän "
                "verkkotilauksensa on. Tilausvahvistuksesta ei selviä toimitusaika.",
                touchpoint="chat",
                resolution="Tilausvahvistukseen lisättiin arvioitu toimitusaika, ja chattiin "
                "tehtiin vastauspohja.",
                tag="chat_delivery",
            ),
            Template(
                COMPLAINT,
                "Puhelinjonon odotusaika oli {peak} yli {minutes} minuuttia. Asiakkaat ovat jo "
                "valmiiksi kiukkuisia, kun vastaamme.",
                touchpoint="phone",
                resolution="Ruuhkatunneille lisättiin puhelinvuoro, ja jonossa kerrotaan nyt "
                "arvioitu odotusaika.",
                decline="Puhelinpalveluun ei saada lisäresursseja tänä vuonna; ohjaamme "
                "asiakkaita chattiin.",
            ),
            Template(
                IDEA,
                "Sähköpostilla kysytään paljon {bonusten kirjautumisesta|palautusten "
                "hyvityksistä}; vastaamme samaan kysymykseen kymmeniä kertoja viikossa. Valmis "
                "vastauspohja nopeuttaisi työtä.",
                touchpoint="email",
                resolution="Sähköpostiin tehtiin valmiit vastauspohjat yleisimpiin kysymyksiin.",
            ),
            Template(
                STORY,
                "Asiakas soitti {kolmatta|neljättä} kertaa samasta hyvityksestä, koska "
                "{edellinen lupaus soittaa takaisin ei toteutunut|kukaan ei ollut palannut "
                "asiaan}.",
                touchpoint="phone",
                resolution="Takaisinsoittopyynnöt näkyvät nyt yhteisessä jonossa, eikä "
                "lupauksia unohdu.",
            ),
            Template(
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

# Which themes the people of a unit write about, and how often.
STORE_THEMES = {
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
CHECKOUT_TEAM_THEMES = {
    "self_checkout": 12,
    "queues": 12,
    "app_coupon": 10,
    "loyalty": 8,
    "price_label": 6,
    "praise": 9,
    "sustainability": 5,
    "scheduling": 5,
}
FRESH_TEAM_THEMES = {
    "fresh": 16,
    "weekly_offer": 5,
    "praise": 8,
    "scheduling": 4,
    "price_label": 3,
}
AFFINITY: dict[str, dict[str, int]] = {
    "kamppi_kassa": CHECKOUT_TEAM_THEMES,
    "iso_omena_kassa": CHECKOUT_TEAM_THEMES,
    "kamppi_tuore": FRESH_TEAM_THEMES,
    "ratina_tuore": FRESH_TEAM_THEMES,
    "logistiikka": {"logistics": 20, "scheduling": 4},
    "apk": {
        "customer_service": 14,
        "online_order": 6,
        "app_coupon": 5,
        "loyalty": 5,
        "scheduling": 3,
    },
}
