from __future__ import annotations

import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from sentiment import score
from sentiment.english import score_english
from sentiment.lexicon import EMOJI, EN_PHRASES, EN_WORDS


def test_negation_flips() -> None:
    assert score("This is good").compound > 0.3
    assert score("This is not good").compound < -0.05


def test_not_bad_is_positive() -> None:
    assert score("Not bad at all, delivery was quick.").label == "positive"


def test_intensifier_strengthens() -> None:
    assert score("The service is very good").compound > score("The service is good").compound
    assert score("The service is VERY good!!!").compound > score("The service is very good").compound


def test_but_shifts_weight_to_second_clause() -> None:
    assert score("The food was great but the service was awful").compound < 0


@pytest.mark.parametrize("emoji", ["😡", "🤬", "👎", "😤", "💩"])
def test_anger_emoji_negative_alone(emoji: str) -> None:
    assert score(emoji * 2).label == "negative"


def test_heart_with_variation_selector_positive() -> None:
    assert score("❤️").compound > 0.3
    assert score("👍").label == "positive"


@pytest.mark.parametrize(
    "text",
    [
        "I want a refund.",
        "Still waiting for a reply...",
        "Where is my order??",
        "I will never buy from you again.",
        "You charged me twice!",
        "I want to cancel my account",
        "Filing a chargeback today",
        "This is a scam",
        "Thanks for nothing.",
    ],
)
def test_support_complaints_negative(text: str) -> None:
    result = score(text)
    assert result.label == "negative", result
    assert result.reasons


@pytest.mark.parametrize("word", sorted(EN_WORDS))
def test_every_extension_word_moves_the_score(word: str) -> None:
    result = score_english(f"it is {word}")
    assert result.compound != 0
    assert (result.compound > 0) == (EN_WORDS[word] > 0)
    assert any(item == word for item, _ in result.items)


PHRASE_EXAMPLES = {
    "still waiting": "still waiting on this",
    "still no": "still no answer",
    "cancel my account": "please cancel my subscription",
    "where is my order": "where's my package",
    "charged twice": "you charged me twice",
    "double charged": "I was double-charged",
    "never again": "never ordering from here again",
    "no reply": "no reply from anyone",
    "nobody answered": "nobody has answered",
    "not working": "the app is not working",
    "waiting for weeks": "waiting 3 weeks now",
    "on hold": "on hold for an hour",
    "want my money back": "I want my money back",
    "thanks for nothing": "thanks for nothing",
    "fix this": "fix this now",
    "customer service": "terrible customer service",
}


@pytest.mark.parametrize("name", sorted(EN_PHRASES))
def test_every_extension_phrase_matches_and_is_negative(name: str) -> None:
    result = score_english(PHRASE_EXAMPLES[name])
    assert name in [item for item, _ in result.items]
    assert result.compound < 0


@pytest.mark.parametrize("emoji", sorted(EMOJI))
def test_every_emoji_valence_has_its_sign(emoji: str) -> None:
    result = score(emoji)
    if EMOJI[emoji] >= 0.2:
        assert result.compound > 0
    elif EMOJI[emoji] <= -0.2:
        assert result.compound < 0


def test_matches_raw_vader_without_extensions() -> None:
    raw = SentimentIntensityAnalyzer()
    texts = [
        "VADER is smart, handsome, and funny.",
        "VADER is VERY SMART, handsome, and FUNNY!!!",
        "The book was kind of good.",
        "At least it isn't a horrible book.",
        "Today only kinda sux! But I'll get by, lol",
        "Make sure you :) or :D today!",
        "Not such a badass after all",
        "The plot was good, but the characters are uncompelling and the dialog is not great.",
        "It was never so good",
        "without doubt it is excellent",
    ]
    for text in texts:
        assert score_english(text).compound == pytest.approx(
            raw.polarity_scores(text)["compound"], abs=1e-3
        ), text
