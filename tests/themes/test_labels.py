from app.themes.labels import theme_labels

FITTING_ROOMS = [
    ("Sovituskopit ovat iltaisin aina täynnä ja jono kasvaa.", "fi"),
    ("Illalla sovituskopit ruuhkautuvat, jono ulottuu kassalle asti.", "fi"),
    ("Sovituskopit täynnä taas, asiakkaat jonossa puoli tuntia illalla.", "fi"),
    ("The fitting rooms are full every evening and the queue keeps growing.", "en"),
    ("In the evening the fitting rooms are packed, the queue reaches the tills.", "en"),
]
BOTTLES = [
    ("Pullonpalautusautomaatti on taas täynnä sunnuntaina.", "fi"),
    ("Pullonpalautusautomaatti hylkää rutistetut tölkit.", "fi"),
    ("The bottle return machine is full on Sunday again.", "en"),
    ("The bottle return machine rejects crushed cans.", "en"),
]
STOP_WORDS = {"ja", "on", "ovat", "taas", "the", "and", "are", "is", "in", "every"}


def _words(label: str) -> set[str]:
    return {word for term in label.split(", ") for word in term.split()}


def test_a_theme_is_labelled_in_each_language_with_the_words_its_texts_use() -> None:
    (finnish, english), _ = theme_labels([FITTING_ROOMS, BOTTLES])
    assert "sovituskopit" in finnish.split(", ")
    assert "fitting rooms" in english.split(", ")
    assert len(finnish.split(", ")) == 3


def test_stop_words_and_numbers_never_appear() -> None:
    noisy = [*FITTING_ROOMS, ("Sovituskopit 18 ja 19 on taas täynnä 2024.", "fi")]
    for finnish, english in theme_labels([noisy, BOTTLES]):
        words = _words(finnish) | _words(english)
        assert not words & STOP_WORDS
        assert not any(character.isdigit() for word in words for character in word)


def test_a_group_written_in_one_language_is_labelled_in_it_for_both() -> None:
    english_only = [(text, language) for text, language in BOTTLES if language == "en"]
    _, (finnish, english) = theme_labels([FITTING_ROOMS, english_only])
    assert finnish == english
    assert "bottle return" in english or "bottle" in english


def test_labels_are_the_same_every_time() -> None:
    groups = [FITTING_ROOMS, BOTTLES, list(reversed(FITTING_ROOMS))]
    assert theme_labels(groups) == theme_labels(groups)
    assert theme_labels(groups)[0] == theme_labels(groups)[2]


def test_an_unknown_language_is_read_by_its_stop_words() -> None:
    # The second text has no stop word to tell its language by, so it keeps its own.
    unknown = [
        (text, None if index != 1 else language)
        for index, (text, language) in enumerate(FITTING_ROOMS)
    ]
    assert theme_labels([unknown, BOTTLES]) == theme_labels([FITTING_ROOMS, BOTTLES])
