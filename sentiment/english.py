"""English: VADER's algorithm over its shipped lexicon, extended for support traffic.

Why a reimplementation and not `SentimentIntensityAnalyzer.polarity_scores`:
the hot path of ingest must be at least as fast as raw VADER while also
extracting reasons and support phrases. Raw VADER lower-cases the whole token
list again inside every negation and idiom check and walks the text character
by character for emoji. This module keeps the same rules (boosters, ALL-CAPS
emphasis, the three-word negation window, "no", "least", "but", "kind of",
special idioms, "!"/"?" emphasis, normalisation with alpha=15) and computes each
lower-cased token once. On text without our extension terms it reproduces raw
VADER's compound (a unit test checks this on VADER's own review snippets).

Differences, on purpose: emoji get their valence directly (see `sentiment.emoji`)
instead of being expanded into description words, and `lexicon.EN_WORDS` /
`lexicon.EN_PHRASES` extend the lexicon.
"""

from __future__ import annotations

import math
import re
import string
from dataclasses import dataclass
from functools import cache, lru_cache

from sentiment.cues import required_literals
from sentiment.emoji import find_emoji, vader_lexicon
from sentiment.lexicon import EN_PHRASES, EN_WORDS

B_INCR = 0.293
B_DECR = -0.293
C_INCR = 0.733
N_SCALAR = -0.74

_NEGATE = frozenset(
    [
        "aint",
        "arent",
        "cannot",
        "cant",
        "couldnt",
        "darent",
        "didnt",
        "doesnt",
        "ain't",
        "aren't",
        "can't",
        "couldn't",
        "daren't",
        "didn't",
        "doesn't",
        "dont",
        "hadnt",
        "hasnt",
        "havent",
        "isnt",
        "mightnt",
        "mustnt",
        "neither",
        "don't",
        "hadn't",
        "hasn't",
        "haven't",
        "isn't",
        "mightn't",
        "mustn't",
        "neednt",
        "needn't",
        "never",
        "none",
        "nope",
        "nor",
        "not",
        "nothing",
        "nowhere",
        "oughtnt",
        "shant",
        "shouldnt",
        "uhuh",
        "wasnt",
        "werent",
        "oughtn't",
        "shan't",
        "shouldn't",
        "uh-uh",
        "wasn't",
        "weren't",
        "without",
        "wont",
        "wouldnt",
        "won't",
        "wouldn't",
        "rarely",
        "seldom",
        "despite",
    ]
)
_INCR_WORDS = [
    "absolutely",
    "amazingly",
    "awfully",
    "completely",
    "considerable",
    "considerably",
    "decidedly",
    "deeply",
    "effing",
    "enormous",
    "enormously",
    "entirely",
    "especially",
    "exceptional",
    "exceptionally",
    "extreme",
    "extremely",
    "fabulously",
    "flipping",
    "flippin",
    "frackin",
    "fracking",
    "fricking",
    "frickin",
    "frigging",
    "friggin",
    "fully",
    "fuckin",
    "fucking",
    "fuggin",
    "fugging",
    "greatly",
    "hella",
    "highly",
    "hugely",
    "incredible",
    "incredibly",
    "intensely",
    "major",
    "majorly",
    "more",
    "most",
    "particularly",
    "purely",
    "quite",
    "really",
    "remarkably",
    "so",
    "substantially",
    "thoroughly",
    "total",
    "totally",
    "tremendous",
    "tremendously",
    "uber",
    "unbelievably",
    "unusually",
    "utter",
    "utterly",
    "very",
]
_DECR_WORDS = [
    "almost",
    "barely",
    "hardly",
    "kinda",
    "kindof",
    "kind-of",
    "less",
    "little",
    "marginal",
    "marginally",
    "occasional",
    "occasionally",
    "partly",
    "scarce",
    "scarcely",
    "slight",
    "slightly",
    "somewhat",
    "sorta",
    "sortof",
    "sort-of",
]
BOOSTERS: dict[str, float] = {w: B_INCR for w in _INCR_WORDS} | {w: B_DECR for w in _DECR_WORDS}
BOOSTERS |= {"just enough": B_DECR, "kind of": B_DECR, "sort of": B_DECR}
SPECIAL_CASES = {
    "the shit": 3,
    "the bomb": 3,
    "bad ass": 1.5,
    "badass": 1.5,
    "bus stop": 0.0,
    "yeah right": -2,
    "kiss of death": -1.5,
    "to die for": 3,
    "beating heart": 3.5,
}
_PUNCT = string.punctuation
# A phrase regex runs only when one of its required words is a token: most
# messages contain none, and scanning every position with 16 alternatives cost
# 40 % of the English path.
_PHRASE_TRIGGERS = frozenset(
    [
        "still",
        "cancel",
        "canceling",
        "cancelling",
        "where",
        "where's",
        "wheres",
        "charged",
        "billed",
        "double",
        "double-charged",
        "double-billed",
        "never",
        "no",
        "nobody",
        "noone",
        "not",
        "isn't",
        "doesn't",
        "don't",
        "won't",
        "stopped",
        "isnt",
        "doesnt",
        "dont",
        "wont",
        "waiting",
        "hold",
        "money",
        "nothing",
        "fix",
        "service",
        "support",
    ]
)


@dataclass(frozen=True)
class EnglishResult:
    """Raw VADER-scale output: `compound` in [-1, 1] and the items that moved it."""

    compound: float
    items: tuple[tuple[str, float], ...]
    # VADER's lower-cased tokens (whitespace split, edge punctuation stripped from words of 3+
    # characters): the support model reads its words from these instead of tokenizing again.
    tokens: tuple[str, ...] = ()


@cache
def lexicon() -> dict[str, float]:
    """VADER's lexicon with our support-domain words on top (built once per process)."""
    return vader_lexicon() | EN_WORDS


@cache
def _phrase_re() -> re.Pattern[str]:
    """Every support phrase as one alternation, group p<i> for phrase i (the reference form)."""
    return phrase_subset_re(tuple(range(len(EN_PHRASES))))


@lru_cache(maxsize=256)
def phrase_subset_re(indices: tuple[int, ...]) -> re.Pattern[str]:
    """The alternation of only these phrases, in table order, each keeping its group name p<i>."""
    patterns = [pattern for pattern, _ in EN_PHRASES.values()]
    return re.compile("|".join(f"(?P<p{i}>{patterns[i]})" for i in indices))


@cache
def _phrase_literals() -> tuple[tuple[int, tuple[str, ...] | None], ...]:
    """Per phrase, strings one of which every match contains (None: unknown, always try it)."""
    return tuple((i, required_literals(pattern)) for i, (pattern, _) in enumerate(EN_PHRASES.values()))


def candidate_phrases(lowered: str) -> tuple[int, ...]:
    """The phrases that can match `lowered`: those with a required string it contains.

    Why: the alternation of all sixteen phrases starts with `\b` at every position, so it
    tried each phrase at each character, 35 µs on a 90-character message, more than VADER's
    whole pass. Leaving out phrases that cannot match anywhere changes no match (at each
    position the first phrase that matches still wins), and one or two phrases scan in ~2 µs.
    """
    out = []
    for i, lits in _phrase_literals():
        if lits is None:
            out.append(i)
            continue
        for lit in lits:
            if lit in lowered:
                out.append(i)
                break
    return tuple(out)


@cache
def _phrase_table() -> tuple[tuple[str, float], ...]:
    return tuple((name, value) for name, (_, value) in EN_PHRASES.items())


def normalize(total: float, alpha: float = 15.0) -> float:
    """VADER's squashing of a valence sum into [-1, 1]."""
    value = total / math.sqrt(total * total + alpha)
    return -1.0 if value < -1.0 else 1.0 if value > 1.0 else value


def _tokens(text: str) -> list[str]:
    out = []
    for tok in text.split():
        stripped = tok.strip(_PUNCT)
        out.append(stripped if len(stripped) > 2 else tok)
    return out


def negated(word: str) -> bool:
    """Whether a lower-case token negates what follows ("not", "never", "doesn't" ...), as VADER reads it."""
    return word in _NEGATE or "n't" in word


_negated = negated


def _valence(i: int, toks: list[str], low: list[str], lex: dict[str, float], cap_diff: bool) -> float:
    """The valence of token i after VADER's modifiers (same rules as raw VADER)."""
    word = low[i]
    base = lex[word]
    valence = base
    n = len(low)
    if word == "no" and i != n - 1 and low[i + 1] in lex:
        valence = 0.0
    if (
        (i > 0 and low[i - 1] == "no")
        or (i > 1 and low[i - 2] == "no")
        or (i > 2 and low[i - 3] == "no" and low[i - 1] in ("or", "nor"))
    ):
        valence = base * N_SCALAR
    if cap_diff and toks[i].isupper():
        valence += C_INCR if valence > 0 else -C_INCR
    for start in (0, 1, 2):
        if i <= start:
            break
        prev = low[i - start - 1]
        if prev in lex:
            continue
        scalar = BOOSTERS.get(prev, 0.0)
        if scalar:
            if valence < 0:
                scalar = -scalar
            if cap_diff and toks[i - start - 1].isupper():
                scalar += C_INCR if valence > 0 else -C_INCR
            if start == 1:
                scalar *= 0.95
            elif start == 2:
                scalar *= 0.9
            valence += scalar
        if start == 0:
            if _negated(prev):
                valence *= N_SCALAR
        elif start == 1:
            if low[i - 2] == "never" and low[i - 1] in ("so", "this"):
                valence *= 1.25
            elif not (low[i - 2] == "without" and low[i - 1] == "doubt") and _negated(prev):
                valence *= N_SCALAR
        else:
            if (low[i - 3] == "never" and low[i - 2] in ("so", "this")) or low[i - 1] in ("so", "this"):
                valence *= 1.25
            elif not (low[i - 3] == "without" and "doubt" in (low[i - 2], low[i - 1])) and _negated(prev):
                valence *= N_SCALAR
            valence = _special_idioms(valence, low, i)
    if (
        i > 0
        and low[i - 1] == "least"
        and "least" not in lex
        and (i == 1 or low[i - 2] not in ("at", "very"))
    ):
        valence *= N_SCALAR
    return valence


def _special_idioms(valence: float, low: list[str], i: int) -> float:
    one_zero = f"{low[i - 1]} {low[i]}"
    two_one = f"{low[i - 2]} {low[i - 1]}"
    three_two_one = f"{low[i - 3]} {two_one}"
    three_two = f"{low[i - 3]} {low[i - 2]}"
    for seq in (one_zero, f"{low[i - 2]} {one_zero}", two_one, three_two_one, three_two):
        if seq in SPECIAL_CASES:
            valence = SPECIAL_CASES[seq]
            break
    if len(low) - 1 > i:
        seq = f"{low[i]} {low[i + 1]}"
        if seq in SPECIAL_CASES:
            valence = SPECIAL_CASES[seq]
        if len(low) - 1 > i + 1 and f"{seq} {low[i + 2]}" in SPECIAL_CASES:
            valence = SPECIAL_CASES[f"{seq} {low[i + 2]}"]
    for gram in (three_two_one, three_two, two_one):
        if gram in BOOSTERS:
            valence += BOOSTERS[gram]
    return valence


def score_english(text: str) -> EnglishResult:
    """Score English (or any Latin-script) text on VADER's scale, with the items that moved it."""
    lex = lexicon()
    lowered = text.lower()
    if lowered == text:  # no upper case at all: ALL-CAPS emphasis cannot apply
        low = toks = _tokens(lowered)
        n = len(low)
        cap_diff = False
    else:
        # One tokenization: stripping edge punctuation does not depend on case, so the
        # lower-cased tokens are the tokens lower-cased (the old second pass over `lowered`
        # was a fifth of this function's time).
        toks = _tokens(text)
        low = [t.lower() for t in toks]
        n = len(low)
        upper = sum(1 for t in toks if t.isupper())
        cap_diff = 0 < n - upper < n
    sentiments = [0.0] * n
    for i in [i for i, w in enumerate(low) if w in lex]:
        word = low[i]
        if word in BOOSTERS or (word == "kind" and i < n - 1 and low[i + 1] == "of"):
            continue
        sentiments[i] = _valence(i, toks, low, lex, cap_diff)
    if "but" in low:
        pivot = low.index("but")
        sentiments = [s * 0.5 if j < pivot else s * 1.5 if j > pivot else s for j, s in enumerate(sentiments)]
    items = [
        (low[j] if (s > 0) == (lex[low[j]] > 0) else f"{low[j]} (negated)", s)
        for j, s in enumerate(sentiments)
        if s
    ]
    if not _PHRASE_TRIGGERS.isdisjoint(low):
        table = _phrase_table()
        candidates = candidate_phrases(lowered)
        for m in phrase_subset_re(candidates).finditer(lowered) if candidates else ():
            name, value = table[int(str(m.lastgroup)[1:])]
            items.append((name, value))
    items.extend(find_emoji(text))
    total = sum(v for _, v in items)
    if total:
        bangs = min(text.count("!"), 4) * 0.292
        qms = text.count("?")
        amp = bangs + (0.0 if qms <= 1 else qms * 0.18 if qms <= 3 else 0.96)
        total += amp if total > 0 else -amp
    return EnglishResult(normalize(total) if total else 0.0, tuple(items), tuple(low))
