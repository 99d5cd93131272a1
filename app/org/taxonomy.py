"""Default journey stages and touchpoints every new organisation starts with."""

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
