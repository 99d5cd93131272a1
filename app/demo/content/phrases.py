"""The words around an insight: leads and tails, slot values, managers' questions and answers."""

LEADS = {
    "fi": ("", "", "", "", "Taas sama juttu kuin viime viikolla.", "Havainto iltavuorosta."),
    "en": ("", "", "", "", "Same thing as last week.", "Quick note from the evening shift."),
}
TAILS: dict[str, dict[str, tuple[str, ...]]] = {
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
SLOT_POOLS: dict[str, tuple[str, ...]] = {
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
NUMBERS = {
    "fi": ("kaksi", "kolme", "neljä", "viisi", "kuusi", "seitsemän"),
    "en": ("two", "three", "four", "five", "six", "seven"),
}
FALLBACK_COLLEAGUES = ("Tiina", "Marko", "Sari")

GENERIC: dict[str, dict[str, tuple[str, ...]]] = {
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
THANKS = {
    "fi": ("Kiitos ilmoituksestasi!", "Kiitos havainnosta!", "Kiitos, että nostit tämän esiin."),
    "en": ("Thanks for reporting this!", "Thanks for the heads-up!", "Thanks for raising this."),
}
CLOSINGS = {
    "fi": ("Kerro, jos tilanne toistuu.", "Palaa asiaan, jos huomaat vielä ongelmia.", ""),
    "en": ("Let me know if it happens again.", ""),
}
DECLINE_OPENINGS = {
    "fi": ("Kiitos, että kerroit.", "Kiitos ehdotuksesta ja perusteluista."),
    "en": ("Thanks for telling us.", "Thanks for the suggestion."),
}
DECLINE_CLOSINGS = {
    "fi": ("Pidetään asia mielessä.", "Palataan tähän, jos tilanne muuttuu."),
    "en": ("We'll keep it in mind.", "We'll come back to this if things change."),
}
PRAISE_OPENINGS = {"fi": ("Ihana kuulla!", "Mahtavaa!"), "en": ("Lovely to hear!",)}
IDEA_OPENINGS = {
    "fi": ("Kiitos ideasta!", "Kiitos hyvästä ehdotuksesta!"),
    "en": ("Thanks for the idea!",),
}
IDEA_CLOSINGS = {
    "fi": ("Lisää ideoita otetaan mielellään vastaan.", ""),
    "en": ("Keep them coming!", ""),
}
INTERIM = {
    "fi": (
        "Kiitos! Selvitämme asiaa ja kerromme, kun tiedämme lisää.",
        "Asia on työn alla, palaan tähän viimeistään ensi viikolla.",
    ),
    "en": ("Thanks! We're looking into it and will let you know when we know more.",),
}
FOLLOW_UPS = {
    "fi": ("Sama toistui tänään.", "Tämä tapahtui taas eilen illalla.", "Kollega huomasi saman."),
    "en": ("Happened again today.", "A colleague saw the same on the morning shift."),
}
# What a reporter hears while the action that answers them is still under way.
ACTION_UNDER_WAY = {
    "fi": "Kiitos! Asiaa hoidetaan toimenpiteellä ”{title}”. Kerromme, kun se on valmis.",
    "en": "Thanks! This is being handled by the action “{title}”. We'll let you know when it's "
    "done.",
}
