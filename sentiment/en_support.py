"""English beyond VADER: a calibrated linear model over VADER's own reading plus support cues.

Why: VADER reads words, not support situations. "Could you please look into it? It still
hasn't arrived" has no negative word; "Oh great, another update that breaks the login" has
a positive one. Here VADER's items (our extended lexicon, `sentiment.english`) become a few
numeric features, beside cues VADER cannot see: waiting and repeat contact, money back and
cancelling, things not working, polite requests, questions, gratitude, sarcasm markers
(eye-roll emoji, "yeah right", "thanks for nothing", praise next to a complaint or opening
one), negated praise, emoticons, arrivals, and questions that ask why something went wrong
against questions that ask how to do something ("How do I cancel?" names cancelling without
complaining). A three-class logistic regression (`scripts/sentiment_train/english.py`, trained
on the shared VADER snippets and our own labelled support messages, chosen by cross-validation
on the support rows) weighs them, with the message's words.

Why the cues are word grams and not regexes: a dozen regex scans per message cost more than
VADER's whole pass (the scorer ran at 0.37x raw VADER). Every cue here is a set of the same
unigrams and bigrams the word model reads, over the tokens VADER already made, so finding
all cues is one dict lookup per gram (`CUE_OF`). Reasons stay VADER's items plus the cues that
fired, with the weight each added towards positive or negative.
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass
from functools import cache

from sentiment.english import EnglishResult, negated, score_english
from sentiment.lexicon import EN_PHRASES, EN_WORDS
from sentiment.linear import LinearModel, compound_of, shipped, softmax

MODEL = "en_support"


# cue name -> the grams (after `bag`'s normalization: lower case, edge punctuation off, digits
# as "#", "~" before the three words after a negator) any one of which fires it. Names are
# what agents read in `reasons`.
def _split(grams: str) -> tuple[str, ...]:
    return tuple(grams.split("|"))


_NUM = ("#", "two", "three", "four", "five", "six", "ten", "several", "many", "few")
_UNITS = ("minute", "minutes", "hour", "hours", "day", "days", "week", "weeks", "month", "months")
_WORKS = ("work", "works", "working", "worked", "open", "opens", "load", "loads", "loading",
          "arrive", "arrived", "respond", "responding", "responded", "turn", "charge", "connect")  # fmt: skip
_PRAISE = ("great", "good", "happy", "impressed", "satisfied", "best", "helpful", "fair", "ok", "okay",
           "acceptable", "worth", "recommend", "pleased")  # fmt: skip
# Grams are "|"-separated (a gram may hold a space: a bigram).
CUE_GRAMS: dict[str, tuple[str, ...]] = {
    "waiting": _split(
        "still waiting|still no|still not|still nothing|still hasn't|still haven't|still isn't|"
        "still doesn't|still can't|still missing|still hasnt|still havent|waiting for|"
        "waiting since|waiting on|on hold|no ~reply|no ~response|no ~answer|no ~sign|no ~update|"
        "no ~one|nobody|noone|anyone there|is anyone|anybody there|been without|never ~got|"
        "never ~received|never ~heard|never ~arrived|never ~came|hasn't ~arrived|haven't ~received|"
        "hasn't ~been|yet to|any update|any updates|been waiting"
    ),
    "duration": tuple(f"{n} {u}" for n in _NUM for u in _UNITS) + ("day #", "week #"),
    "repeat contact": _split(
        "again|~again|already|second time|third time|fourth time|fifth time|2nd time|3rd time|4th time|"
        "5th time|twice|# times|every time|multiple times|several times|many times|more times"
    ),
    "money": _split(
        "refund|refunds|refunded|refunding|money back|charge|charged|charges|double charged|"
        "double-charged|chargeback|chargebacks|overcharged|overcharge|overcharging|fee|fees|"
        "billed|billing|~refund|~refunded|~money"
    ),
    "cancel": _split(
        "cancel|cancelled|canceled|cancelling|canceling|cancellation|unsubscribe|unsubscribed|"
        "close my|delete my|closing my"
    ),
    "not working": _split(
        "broken|crash|crashed|crashes|crashing|error|errors|bug|bugs|defective|damaged|missing|"
        "lost|locked|down|wrong|faulty|glitch|fails|failed|failing|stuck|frozen|freezes"
    )
    + tuple("~" + w for w in _WORKS),
    "polite request": _split(
        "please|pls|plz|kindly|could you|would you|can you|can someone|i'd like|would like|"
        "sorry to|is it possible|could someone|would appreciate"
    ),
    "gratitude": _split("thanks|thank|thx|ty|appreciate|appreciated|cheers|grateful"),
    "resolved": _split("solved|resolved|fixed|sorted|works now|working now|all good|problem solved"),
    # Arrival is good news only when it is not negated ("~arrived" is the waiting cue's).
    "arrived": _split("arrived|received|came through|turned up"),
    # "Why ...?" asks for an account of something that went wrong; "how do I ...?" asks for help.
    "why": _split("why|how come|explain why"),
    "how to": _split(
        "how do|how can|how long|how much|can i|could i|do i|do you|is there|are there|is it|what happens|"
        "what should|where do|where can|which"
    ),
    # Coming back as a customer, which the bare "again" of repeat contact would misread.
    "coming back": _split("order again|buy again|use again|shop again|book again|come again|again soon"),
    "sarcasm marker": _split(
        "yeah right|oh great|oh wonderful|oh perfect|oh brilliant|oh joy|just what|for nothing|"
        "~for nothing|love how|/s|🙄|🙃|😒"
    ),
    "negated praise": tuple("~" + w for w in _PRAISE),
    "sad emoticon": _split(":(|:-(|:[|:/|:-/|:\\|;(|:'(|>:(|>:|d:|😤|😡|😠|👎|😞|😢|😭") + (":|",),
    "happy emoticon": _split(":)|:-)|:]|:d|:-d|;)|;-)|=)|^_^|🙂|😊|😀|😃|😄|👍|🙌|❤|🎉"),
    "complaint word": _split(
        "unacceptable|ridiculous|disappointed|disappointing|disappointment|complain|complaint|"
        "complaints|complaining|terrible|awful|worst|useless|rude|horrible|pathetic|joke|fed up|"
        "sick of|frustrated|frustrating|annoyed|annoying|scam|furious|angry"
    ),
}
_QUESTION_WORDS = frozenset(["how", "what", "where", "when", "which", "is", "are", "do", "does", "can",
                             "could", "will", "why", "who", "should", "would", "any"])  # fmt: skip
# VADER treats "no" apart from its negators; for marking words it is one ("no ~reply").
_ALSO_NEGATING = frozenset(["no", "nobody", "noone", "nothing", "cannot", "without"])
_GREETINGS = frozenset(["hi", "hello", "hey", "hiya", "dear", "team", "support"])
# Praise that opens a complaint is usually ironic ("Great, the update wiped my settings. Again.").
_PRAISE_OPENERS = frozenset(["great", "fantastic", "wonderful", "brilliant", "amazing", "lovely", "perfect",
                             "love", "wow", "oh", "yeah", "sure", "nice", "awesome", "excellent"])  # fmt: skip
_COMPLAINT = frozenset(["_waiting", "_money", "_cancel", "_not working", "_repeat contact"])
_TROUBLE = frozenset(["_waiting", "_not working", "_repeat contact", "_why", "_complaint word"])
_NAMED = frozenset("_" + name for name in CUE_GRAMS) | frozenset(
    [
        "_question",
        "_question word",
        "_praise beside complaint",
        "_polite complaint",
        "_plain question",
        "_praise opening a complaint",
    ]
)
_EXTENSION = frozenset(EN_WORDS) | frozenset(EN_PHRASES)
_PUNCT = string.punctuation
# Words enter at WORD_SCALE / sqrt(count) (0.5 scored lower on the valid rows than 1.0).
WORD_SCALE = 1.0
STRONG_REASON = 0.3  # a word that moved positive-vs-negative this much (log-odds) may be named as a reason
MAX_TOKENS = 400  # words past this many add nothing an agent needs, and cost time


@cache
def cue_of() -> dict[str, str]:
    """gram -> the feature name ("_waiting") of the cue it fires; built once per process."""
    out: dict[str, str] = {}
    for name, grams in CUE_GRAMS.items():
        for gram in grams:
            out.setdefault(gram, "_" + name)
    return out


def bag(r: EnglishResult) -> list[str]:
    """The message's grams in text order: unigrams, then bigrams, then the emoji VADER read.

    From VADER's tokens: edge punctuation off (an emoticon, all punctuation, stays whole), digits
    as "#", greetings left out as words (our complaints often open with "Hello", which taught
    "hello" -1.2: a greeting says nothing), and the three words after a negator ("not", "never", "n't" ...) marked ("not bad"
    gives "~bad"), so a negated word learns its own weight instead of its plain one's opposite.
    Repeats are kept (a dict of them is made once, by the caller that needs it).
    """
    toks: list[str] = []
    left = 0
    for raw in r.tokens[:MAX_TOKENS]:
        t = raw.strip(_PUNCT) or raw
        if t.isdigit():
            t = "#"
        if left and t[0].isalnum():  # emoticons, emoji and "#" are never negated
            toks.append("~" + t)
            left -= 1
        else:
            toks.append(t)
        if t in _ALSO_NEGATING or negated(t):
            left = 3
    grams = [t for t in toks if t not in _GREETINGS]
    grams += [a + " " + b for a, b in zip(toks, toks[1:], strict=False)]
    for word, _ in r.items:
        if word and not word[0].isascii():
            grams.append(word)
    return grams


def _first_word(grams: list[str]) -> str:
    return grams[0] if grams else ""  # greetings are not in `grams`


def dense_features(text: str, r: EnglishResult, grams: list[str]) -> dict[str, float]:
    """VADER's reading as numbers, and the cues that fired; names start with "_" (words never do)."""
    pos = neg = ext = 0.0
    n_pos = n_neg = 0
    for word, value in r.items:
        if value > 0:
            pos += value
            n_pos += 1
        elif value < 0:
            neg += value
            n_neg += 1
        if word in _EXTENSION:
            ext += value
    f: dict[str, float] = {
        "_vader compound": r.compound,
        "_vader positive": math.tanh(pos / 3.0),
        "_vader negative": math.tanh(neg / 3.0),
        "_vader words": math.tanh((n_pos + n_neg) / 3.0),
        "_support lexicon": math.tanh(ext / 3.0),
        "_mixed": 1.0 if n_pos and n_neg else 0.0,
        "_length": min(1.0, len(text) / 300.0),
        "_exclamations": min(3, text.count("!")) / 3.0,
    }
    cues = cue_of()
    for g in grams:
        name = cues.get(g)
        if name is not None:
            f[name] = 1.0
    if "?" in text:
        f["_question"] = 1.0
        if _first_word(grams) in _QUESTION_WORDS:
            f["_question word"] = 1.0
    if "_coming back" in f:
        f.pop("_repeat contact", None)
    complaint = not _COMPLAINT.isdisjoint(f)
    if "_how to" in f and "_question" in f and _TROUBLE.isdisjoint(f):
        f["_help question"] = 1.0  # "How do I cancel?", "Can I get a refund if ...?": no complaint
    if complaint and "_resolved" not in f and _first_word(grams) in _PRAISE_OPENERS:
        f["_praise opening a complaint"] = 1.0
    if complaint and ("_gratitude" in f or pos > 0):
        f["_praise beside complaint"] = 1.0
    if complaint and "_polite request" in f:
        f["_polite complaint"] = 1.0
    if "_question" in f and not n_pos and not n_neg and not complaint:
        f["_plain question"] = 1.0
    return f


def features(text: str) -> dict[str, float]:
    """All the model's inputs (for training): dense features, and words at 1/sqrt(count) each."""
    r = score_english(text)
    grams = bag(r)
    f = dense_features(text, r, grams)
    distinct = dict.fromkeys(grams)
    if distinct and WORD_SCALE:
        f.update(dict.fromkeys(distinct, WORD_SCALE / math.sqrt(len(distinct))))
    return f


@dataclass(frozen=True)
class _Columns:
    """Word weights (one tuple per gram) apart from the dense ones, and the model."""

    words: dict[str, tuple[float, float, float]]
    model: LinearModel


@cache
def _columns() -> _Columns:
    model = shipped(MODEL)
    return _Columns({k: w for k, w in model.weights.items() if k[0] != "_"}, model)


def _strongest(item: tuple[str, float]) -> tuple[float, str]:
    return -abs(item[1]), item[0]


def score_support(text: str) -> tuple[float, tuple[tuple[str, float], ...], float]:
    """Compound on VADER's scale, the reasons' items, and the winning class's probability.

    Same arithmetic as `LinearModel.logits(features(text))`, in one pass over the grams.
    """
    cols = _columns()
    r = score_english(text)
    grams = bag(r)
    dense = dense_features(text, r, grams)
    a, b, c = cols.model.logits(dense)
    distinct = dict.fromkeys(grams)
    scale = WORD_SCALE / math.sqrt(len(distinct)) if distinct else 0.0
    wa = wb = wc = 0.0
    words = cols.words  # a typed local: mypyc looks it up with its own dict call
    strong: list[tuple[str, float]] = []
    for g in distinct:
        w = words.get(g)
        if w is not None:
            w0, w1, w2 = w
            wa += w0
            wb += w1
            wc += w2
            moved = (w2 - w0) * scale
            if moved >= STRONG_REASON or moved <= -STRONG_REASON:
                strong.append((g, moved))
    p = softmax((a + scale * wa, b + scale * wb, c + scale * wc))
    # A cue's or word's item: how much it moved positive-vs-negative (log-odds), so its sign is
    # its direction; VADER's own items come first.
    items = list(r.items)
    weights = cols.model.weights
    for name in dense:
        w3 = weights.get(name) if name in _NAMED else None
        if w3 is not None:
            items.append((name[1:], round(w3[2] - w3[0], 2)))
    if strong:
        strong.sort(key=_strongest)
        items.extend((k, round(v, 2)) for k, v in strong[:3])
    return compound_of(p), tuple(items), max(p)
