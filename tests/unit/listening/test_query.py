"""The stream query's local check (a leaf: no database) and the alert sentences."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.errors import PayloadError
from connectors.search.language import latin_language
from connectors.search.query import StreamQuery
from inbox.insights.alert_sentence import for_alert, period, sentence

Q = StreamQuery.from_dict(
    {
        "keywords": ["Acme", "退款", "อร่อย"],
        "hashtags": ["#AcmeFail"],
        "phrases": ["acme  phone"],
        "exclusions": ["hiring"],
        "languages": ["en", "zh-TW", "th_TH"],
    }
)


@pytest.mark.parametrize(
    ("text", "lang", "ok"),
    [
        ("I love my ACME", "en", True),
        ("ａｃｍｅ rocks", "en", True),  # full-width letters fold to the same word
        ("acmeville fair", "en", False),  # whole words only in spaced scripts
        ("the acme-phone case", "en", True),
        ("我要退款了", "zh", True),  # Chinese: anywhere, no spaces needed
        ("ร้านนี้อร่อยมาก", "th", True),  # Thai: anywhere, no spaces needed
        ("Acme is hiring", "en", False),  # an exclusion wins
        ("acme est super", "fr", False),  # not a wanted language
        ("so #acmefail today", "en", True),
        ("so #acmefailure today", "en", False),
        ("my acme phone", "en", True),
        ("nothing to see", "en", False),
    ],
)
def test_local_check(text: str, lang: str, ok: bool) -> None:
    assert Q.matches(text, lang) is ok


def test_queries_for_each_network() -> None:
    assert (
        Q.x_query()
        == '(Acme OR 退款 OR อร่อย OR #AcmeFail OR "acme phone") -hiring (lang:en OR lang:zh OR lang:th) -is:retweet'
    )
    assert Q.reddit_query() == 'Acme OR 退款 OR อร่อย OR #AcmeFail OR "acme phone"'
    assert Q.search_terms() == ["Acme", "退款", "อร่อย", "acme phone"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "query.keywords"),
        ({"keywords": [" ", ""]}, "query.keywords"),
        ({"keywords": "a", "languages": ["english"]}, "query.languages"),
        ({"keywords": [1]}, "query.keywords"),
        ({"keywords": ["x" * 101]}, "query.keywords"),
        ({"keywords": [f"k{i}" for i in range(26)]}, "query.keywords"),
    ],
)
def test_bad_queries_name_the_field(body: dict, field: str) -> None:
    with pytest.raises(PayloadError) as err:
        StreamQuery.from_dict(body)
    assert err.value.field == field


@given(st.text(max_size=80))
def test_a_post_with_an_exclusion_never_matches(text: str) -> None:
    assert not Q.matches(f"{text} acme hiring", "en")


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_a_query_survives_its_own_round_trip(term: str) -> None:
    try:
        q = StreamQuery.from_dict({"keywords": [term]})
    except PayloadError:
        return
    assert StreamQuery.from_dict(q.to_dict()) == q


def test_latin_languages_are_told_apart() -> None:
    assert latin_language("acme est vraiment super") == "fr"
    assert latin_language("My acme phone died again, terrible battery") == "en"
    assert latin_language("acme es muy bueno") == "es"


def test_sentences_read_as_a_person_would_say_them() -> None:
    said = sentence("negative", "X", 15, 300, 0.5)
    assert said["sentence"] == "Negative mentions on X are 30x the usual rate (15 in 5 minutes, usually 0.5)"
    assert said["template"].format(**said["args"]) == said["sentence"]
    assert for_alert("negative:mastodon", "mastodon", 12, 3600, 2.0)["sentence"] == (
        "Negative mentions on Mastodon are 6x the usual rate (12 in 1 hour, usually 2)"
    )
    assert sentence("negative_share", "Acme", 12, 300, 0.0, total=20, share=60)["sentence"] == (
        "60% of mentions on Acme are negative (12 of 20 in 5 minutes)"
    )
    assert sentence("keyword", "Acme", 9, 300, 0.7, keyword="recall")["sentence"] == (
        "Mentions of “recall” on Acme are 13x the usual rate (9 in 5 minutes, usually 0.7)"
    )
    assert period(7200) == "2 hours" and period(86400) == "1 day" and period(60) == "1 minute"
