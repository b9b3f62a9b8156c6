"""The dashboard says everything in both languages."""

from __future__ import annotations

from agent.insight.i18n import words


def test_both_languages_have_the_same_words_and_placeholders() -> None:
    en, ja = words("en"), words("ja")
    assert en.keys() == ja.keys()
    for key in en:
        placeholders = {part.split("}")[0] for part in en[key].split("{")[1:]}
        assert placeholders == {part.split("}")[0] for part in ja[key].split("{")[1:]}, key
    assert len(en["weekdays"].split(",")) == len(ja["weekdays"].split(",")) == 7
    assert words("fr") is en
