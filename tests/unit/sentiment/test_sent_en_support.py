"""The English support model's one-pass scoring: same arithmetic as the training features, cues as grams."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sentiment.en_support import CUE_GRAMS, MODEL, bag, cue_of, dense_features, features, score_support
from sentiment.english import score_english
from sentiment.linear import compound_of, shipped, softmax

WORDS = ["not", "never", "no", "refund", "still", "waiting", "great", "thanks", "please", "again", "3",
         "days", "broken", "can't", "work", "happy", "?", "!", ":(", ":)", "🙄", "😊", "Oh", "yeah", "right"]  # fmt: skip


def _reference(text: str) -> float:
    """The model as trained: every feature of `features(text)` times its weights, then softmax."""
    return compound_of(softmax(shipped(MODEL).logits(features(text))))


@pytest.mark.parametrize(
    "text",
    [
        "Hi, could you please look into it? My order still hasn't arrived.",
        "Oh great, 3 days and still no refund. Thanks for nothing 🙄",
        "Thank you so much, the new router works perfectly :)",
        "What time does the store close on Saturdays?",
        "",
    ],
)
def test_one_pass_score_is_the_trained_model(text: str) -> None:
    compound, _, _ = score_support(text)
    assert math.isclose(compound, _reference(text), abs_tol=1e-9)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=25).map(" ".join))
def test_one_pass_score_is_the_trained_model_on_any_words(text: str) -> None:
    assert math.isclose(score_support(text)[0], _reference(text), abs_tol=1e-9)


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("I am still waiting for an answer", "waiting"),
        ("It never arrived", "waiting"),
        ("That was 3 days ago", "duration"),
        ("This is the third time I write", "repeat contact"),
        ("I want a refund", "money"),
        ("Please cancel my plan", "cancel"),
        ("The app doesn't work", "not working"),
        ("Could you check it", "polite request"),
        ("Thanks a million", "gratitude"),
        ("It works now", "resolved"),
        ("Yeah, right.", "sarcasm marker"),
        ("The service is not great", "negated praise"),
        ("Late again :(", "sad emoticon"),
        ("Arrived early :)", "happy emoticon"),
        ("This is unacceptable", "complaint word"),
        ("My parcel turned up this morning", "arrived"),
        ("Why is my bill higher this month", "why"),
        ("How do I change my address", "how to"),
        ("Would happily shop again", "coming back"),
        ("This is the second time I write", "repeat contact"),
    ],
)
def test_each_cue_fires_on_its_plain_case(text: str, cue: str) -> None:
    r = score_english(text)
    assert dense_features(text, r, bag(r)).get("_" + cue) == 1.0


def test_negation_marks_three_words_and_leaves_emoticons_whole() -> None:
    grams = bag(score_english("It did not arrive in time :( 5 days"))
    assert "~arrive" in grams and "~in" in grams and "~time" in grams and "days" in grams
    assert ":(" in grams and "#" in grams and "# days" in grams
    # a gram fires one cue: a gram listed twice would make one cue's name depend on table order
    seen = [g for grams_ in CUE_GRAMS.values() for g in grams_]
    assert len(seen) == len(set(seen)) == len(cue_of()) and "" not in cue_of()


def test_a_negated_complaint_word_is_no_complaint() -> None:
    r = score_english("Can't complain, it was not terrible")
    assert "_complaint word" not in dense_features("Can't complain, it was not terrible", r, bag(r))


def _cues(text: str) -> dict[str, float]:
    r = score_english(text)
    return dense_features(text, r, bag(r))


def test_a_negated_arrival_is_not_arrival() -> None:
    assert "_arrived" not in _cues("My order has not arrived yet")
    assert "_waiting" in _cues("My order never arrived")
    assert "_arrived" in _cues("My order arrived yet again late")  # arrival named, whatever else is said


def test_a_help_question_is_told_from_a_complaint_in_question_form() -> None:
    assert "_help question" in _cues("How can I close my account and get the deposit back?")
    # the same words with trouble in them: no help question
    assert "_help question" not in _cues("How can I close my account when the app keeps crashing?")
    assert "_help question" not in _cues("How do I get my money back, I have asked twice?")
    assert "_help question" not in _cues("How do I get my money back.")  # no question mark


def test_coming_back_is_not_repeat_contact() -> None:
    assert "_repeat contact" not in _cues("Lovely staff, we will book again")
    assert "_repeat contact" in _cues("The app crashed again")


def test_praise_opening_a_complaint_is_marked_unless_the_problem_is_solved() -> None:
    assert "_praise opening a complaint" in _cues("Wonderful, charged twice for one ticket")
    assert "_praise opening a complaint" not in _cues("Wonderful, the double charge is fixed")
    assert "_praise opening a complaint" not in _cues("I was charged twice, wonderful")  # praise not first


@pytest.mark.parametrize(
    ("text", "label"),
    [
        # Written for this test (not rows of the training data): a help question names a refund or
        # cancelling without complaining, a complaint in question form does complain.
        ("How do I cancel the premium add-on?", "neutral"),
        ("Why have you charged me twice for one parcel?", "negative"),
        ("Fantastic, the website lost my basket again and the sale has ended.", "negative"),
        ("Would definitely order again, lovely quality.", "positive"),
    ],
)
def test_support_situations_read_as_an_agent_would(text: str, label: str) -> None:
    compound, reasons, _ = score_support(text)
    got = "neutral" if abs(compound) < 0.05 else "positive" if compound > 0 else "negative"
    assert got == label, (compound, reasons)
    assert reasons  # every score says why
