"""English beyond VADER: a calibrated linear model over VADER's own reading plus support cues.

Why: VADER reads words, not support situations. "Could you please look into it? It still
hasn't arrived" has no negative word; "Oh great, another update that breaks the login" has
a positive one. Here VADER's items (our extended lexicon, `sentiment.english`) become a few
numeric features, beside cues VADER cannot see: waiting and repeat contact, money back and
cancelling, things not working, polite requests, questions, gratitude, sarcasm markers
(eye-roll emoji, "yeah right", "thanks for nothing", praise next to a complaint), negated
praise, emoticons. A three-class logistic regression (`scripts/train_sentiment.py`, trained
on the shared VADER snippets and our own labelled support messages) weighs them. Cost: the
VADER pass plus a dozen regex searches, so it keeps VADER's speed; reasons stay VADER's
items plus the cues that fired, with the weight each added towards the chosen class.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from itertools import repeat

from sentiment.cues import required_literals
from sentiment.english import EnglishResult, score_english
from sentiment.lexicon import EN_PHRASES, EN_WORDS
from sentiment.linear import LinearModel, compound_of, shipped, softmax

MODEL = "en_support"
_I = re.IGNORECASE
# cue name -> pattern; each fires 0/1. Names are what agents read in `reasons`.
CUES: dict[str, re.Pattern[str]] = {
    "waiting": re.compile(
        r"\bstill (?:\w+ )?(?:waiting|no|not|nothing|hasn'?t|haven'?t|isn'?t|doesn'?t|can'?t|missing)\b"
        r"|\bwaiting (?:for|since|on)\b|\bon hold\b|\bno (?:reply|response|answer|sign|update|one)\b"
        r"|\bnever (?:got|received|heard|arrived|came)\b|\b(?:nobody|no one)\b|\bhasn'?t arrived\b",
        _I,
    ),
    "duration": re.compile(
        r"\b(?:\d+|two|three|four|five|ten) ?(?:minutes?|hours?|days?|weeks?|months?)\b|\bday \d+\b", _I
    ),
    "repeat contact": re.compile(
        r"\bagain\b|\b(?:third|fourth|fifth|3rd|4th|5th) time\b|\b\d+ times\b|\balready\b|\bevery time\b", _I
    ),
    "money": re.compile(
        r"\brefund|\bmoney back\b|\bcharged?\b|\bdouble charge|\bchargeback|\bovercharg|\bfee\b", _I
    ),
    "cancel": re.compile(r"\bcancel|\bunsubscrib|\bclose my account\b|\bdelete my account\b", _I),
    "not working": re.compile(
        r"\b(?:broken|crash\w*|error|bug|defective|damaged|missing|lost|locked|down|wrong)\b"
        r"|\b(?:not|doesn'?t|won'?t|isn'?t|can'?t|didn'?t) (?:\w+ )?(?:work\w*|open|load|arrive\w*|respond\w*)\b",
        _I,
    ),
    "polite request": re.compile(
        r"\b(?:please|kindly|could you|would you|can you|can someone|i'?d like|i would like|sorry to)\b", _I
    ),
    "gratitude": re.compile(r"\b(?:thanks?|thank you|thx|appreciated?|cheers|grateful)\b", _I),
    "resolved": re.compile(
        r"\b(?:solved|resolved|fixed|sorted|works now|working now|came through|arrived|received)\b", _I
    ),
    "sarcasm marker": re.compile(
        r"\byeah,? right\b|\boh,? (?:great|wonderful|perfect|brilliant)\b|\bjust what i needed\b"
        r"|\bthanks for nothing\b|\blove how\b|\bthanks a lot for\b|/s\b|🙄|🙃|😒|\"[^\"]{2,30}\"|'[^']{4,30}'",
        _I,
    ),
    "negated praise": re.compile(
        r"\b(?:not|never|isn'?t|wasn'?t|aren'?t|no longer)\s+(?:\w+\s+)?"
        r"(?:great|good|happy|impressed|satisfied|the best|helpful|fair|ok|okay|acceptable|worth)\b",
        _I,
    ),
    "sad emoticon": re.compile(r"[:;]'?-?[(\[/\\|]|>:|\bD:|😤|😡|😠|👎|😞|😢|😭"),
    "happy emoticon": re.compile(r"[:;=]-?[)\]D]|\^_\^|🙂|😊|😀|😃|😄|👍|🙌|❤|🎉"),
    "question": re.compile(r"\?"),
    "question word": re.compile(
        r"^\s*(?:hi,?\s+|hello,?\s+)?(?:how|what|where|when|which|is|are|do|does|can|could|will)\b(?!')", _I
    ),
    "complaint word": re.compile(
        # not after a negator: "can't complain" is no complaint
        r"(?<!n't )(?<!not )(?<!never )(?<!no )"
        r"\b(?:unacceptable|ridiculous|disappoint\w*|complain\w*|terrible|awful|worst|useless|rude)\b",
        _I,
    ),
}
_EXTENSION = frozenset(EN_WORDS) | frozenset(EN_PHRASES)
_NAMED = frozenset(CUES) | {"praise beside complaint", "polite complaint", "plain question"}
# Words enter at WORD_SCALE / sqrt(count) (0.5 scored lower on the valid rows than 1.0, and no
# words at all 0.678 against 0.775).
WORD_SCALE = 1.0
STRONG_WORD = 1.0  # a word whose weight moves positive-vs-negative this much may be named as a reason
_NEGATORS = frozenset(
    ["not", "no", "never", "nothing", "nobody", "none", "neither", "nor", "cannot", "without"]
)
_WORD = re.compile(r"[a-z][a-z']*")


def words(text: str, r: EnglishResult) -> dict[str, None]:
    """Lower-case word unigrams and bigrams ("still", "still waiting"), and the emoji VADER read.

    The three words after a negator ("not", "never", "n't" ...) are marked ("not bad" gives
    "~bad"), so a negated word learns its own weight instead of its plain one's opposite sign.
    """
    toks = _WORD.findall(text.lower()[:2000])
    if not _NEGATORS.isdisjoint(toks) or "n't" in text:
        left = 0
        for i, t in enumerate(toks):
            if left:
                toks[i] = "~" + t
                left -= 1
            if t in _NEGATORS or t.endswith("n't"):
                left = 3
    # A dict, not a set: keys in text order, so the sums add in the same order in every process.
    out = dict.fromkeys(toks)
    out.update(dict.fromkeys(map(" ".join, zip(toks, toks[1:], strict=False))))
    out.update(dict.fromkeys(word for word, _ in r.items if word and not word[0].isascii()))
    return out


@cache
def _plan() -> tuple[tuple[str, re.Pattern[str], re.Pattern[str] | None], ...]:
    """Per cue: its regex and the lower-case strings one of which any match contains (or None).

    Why: a substring test in C rules most cues out before their regex runs
    (`cues.required_literals`); the answers are the regex's own.
    """
    out = []
    for name, pattern in CUES.items():
        lits = required_literals(pattern.pattern)
        # the literals as one plain alternation: a scan in C, no Python loop per literal
        either = re.compile("|".join(re.escape(w.lower()) for w in lits)) if lits else None
        out.append((name, pattern, either))
    return tuple(out)


def _cues_in(text: str) -> list[str]:
    """Names of the cues whose pattern occurs in `text`."""
    low = text.lower()
    found = []
    for name, pattern, lits in _plan():
        if lits is not None and lits.search(low) is None:
            continue
        if pattern.search(text):
            found.append(name)
    return found


def dense_features(text: str, r: EnglishResult) -> dict[str, float]:
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
    for name in _cues_in(text):
        f["_" + name] = 1.0
    complaint = any(n in f for n in ("_waiting", "_money", "_cancel", "_not working", "_repeat contact"))
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
    f = dense_features(text, r)
    bag = words(text, r)
    if bag and WORD_SCALE:
        f.update(dict.fromkeys(bag, WORD_SCALE / math.sqrt(len(bag))))
    return f


@dataclass(frozen=True)
class _Columns:
    """Word weights as one dict per class (sums run in C), the words strong enough to name as
    reasons, and the model (dense weights, intercepts)."""

    neg: dict[str, float]
    neu: dict[str, float]
    pos: dict[str, float]
    strong: frozenset[str]
    model: LinearModel


@cache
def _columns() -> _Columns:
    model = shipped(MODEL)
    bag = {k: w for k, w in model.weights.items() if k[0] != "_"}
    return _Columns(
        {k: w[0] for k, w in bag.items()},
        {k: w[1] for k, w in bag.items()},
        {k: w[2] for k, w in bag.items()},
        frozenset(k for k, w in bag.items() if abs(w[2] - w[0]) >= STRONG_WORD),
        model,
    )


def score_support(text: str) -> tuple[float, tuple[tuple[str, float], ...], float]:
    """Compound on VADER's scale, the reasons' items, and the winning class's probability.

    Same arithmetic as `LinearModel.logits(features(text))`, with the word sums done in C.
    """
    cols = _columns()
    r = score_english(text)
    dense = dense_features(text, r)
    a, b, c = cols.model.logits(dense)
    bag = words(text, r)
    scale = WORD_SCALE / math.sqrt(len(bag)) if bag else 0.0
    zero = repeat(0.0)
    p = softmax(
        (
            a + scale * sum(map(cols.neg.get, bag, zero)),
            b + scale * sum(map(cols.neu.get, bag, zero)),
            c + scale * sum(map(cols.pos.get, bag, zero)),
        )
    )
    # A cue's or word's item: how much it moved positive-vs-negative (log-odds), so its sign is
    # its direction; VADER's own items come first.
    items = list(r.items)
    weights = cols.model.weights
    for name in dense:
        if name[1:] in _NAMED:
            w = weights.get(name)
            if w is not None:
                items.append((name[1:], round(w[2] - w[0], 2)))
    strong = sorted(
        ((k, (cols.pos[k] - cols.neg[k]) * scale) for k in cols.strong.intersection(bag)),
        key=lambda it: (-abs(it[1]), it[0]),
    )
    items.extend((k, round(v, 2)) for k, v in strong[:3] if abs(v) >= 0.3)
    return compound_of(p), tuple(items), max(p)
