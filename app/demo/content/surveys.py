"""The demo chain's pulse survey: its questions in Finnish and English, and the comments
its staff leave."""

SURVEY_NAME = "Henkilöstöpulssi"

# key, kind, factor, Finnish, English
ITEMS: tuple[tuple[str, str, str | None, str, str], ...] = (
    (
        "listens",
        "likert",
        "leadership",
        "Esihenkilöni kuuntelee ehdotuksiani.",
        "My manager listens to my suggestions.",
    ),
    (
        "feedback",
        "likert",
        "leadership",
        "Saan esihenkilöltäni palautetta, josta on hyötyä.",
        "I get useful feedback from my manager.",
    ),
    (
        "tools",
        "likert",
        "enablement",
        "Minulla on välineet, joita tarvitsen asiakkaiden palvelemiseen.",
        "I have the tools I need to serve customers.",
    ),
    (
        "shifts",
        "likert",
        "enablement",
        "Työvuorot on suunniteltu niin, että ehdin palvella asiakkaita hyvin.",
        "Shifts are planned so that I have time to serve customers well.",
    ),
    ("coping", "likert", "wellbeing", "Jaksan työssäni hyvin.", "I cope well at work."),
    (
        "team",
        "likert",
        "wellbeing",
        "Tiimissämme autetaan toinen toista.",
        "People in our team help each other.",
    ),
    (
        "recognition",
        "likert",
        "recognition",
        "Hyvästä työstä kiitetään.",
        "Good work is recognised.",
    ),
    (
        "recommend",
        "enps",
        None,
        "Kuinka todennäköisesti suosittelisit meitä työpaikkana ystävällesi?",
        "How likely are you to recommend us as a place to work to a friend?",
    ),
    ("change", "comment", None, "Mitä meidän pitäisi muuttaa?", "What should we change?"),
)

WAVES = ("Pulssi kevät", "Pulssi syksy", "Pulssi joulu")

COMMENTS_FI = (
    "Vuorosuunnittelu pitäisi tehdä aiemmin, nyt vuorot tulevat liian myöhään.",
    "Kassalla on usein liian vähän väkeä iltaisin.",
    "Kiitos esihenkilölle, että ehdotuksiin oikeasti tartutaan.",
    "Käsipäätteet ovat hitaita ja akut loppuvat kesken vuoron.",
    "Perehdytykseen enemmän aikaa uusille työntekijöille.",
    "Tuoretiskin jäähdytys on ollut rikki jo viikkoja.",
    "Hyvä porukka, mutta kiire on kova.",
)
COMMENTS_EN = (
    "Rotas should be published earlier; we get them too late.",
    "The tills are short-staffed in the evenings.",
    "Thanks to our manager for acting on our ideas.",
    "The handheld scanners are slow and their batteries die mid-shift.",
    "More time to train new starters, please.",
)
