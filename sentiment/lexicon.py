"""Support-domain extensions to VADER's lexicon, and emoji valences for every language.

VADER was built for tweets about anything; a support inbox is full of complaints
that carry no classic sentiment word ("Still waiting for my refund", "Where is my
order??", "😡😡😡" all score 0 in raw VADER, see docs in the reference notes §0/§7).
These tables *extend* VADER's shipped lexicon (we read it from the installed
package, never copy or fork it). Values are on VADER's scale (-4..+4) and were
chosen by hand against the support probes; each one is exercised by a unit test.
"""

from __future__ import annotations

# Single words added to (or overriding) VADER's lexicon. Keys are lower case.
EN_WORDS: dict[str, float] = {
    "refund": -1.2,
    "refunded": 0.6,  # "I got refunded" is usually resolution, mildly good
    "chargeback": -2.2,
    "scam": -2.8,  # VADER has -2.7; a support inbox reads it as an accusation
    "scammed": -2.9,
    "scammer": -2.8,
    "scammers": -2.8,
    "ripoff": -2.5,
    "unresponsive": -1.8,
    "overcharged": -2.2,
    "broken": -1.6,
    "crashing": -1.6,
    "crashes": -1.5,
    "crashed": -1.6,
    "defective": -2.0,
    "damaged": -1.7,
    "unusable": -2.2,
    "lawyer": -1.5,
    "lawsuit": -2.2,
    "sue": -1.9,
    "worst": -3.1,
    "useless": -2.0,
    "late": -0.8,
    "delayed": -1.2,
    "lost": -1.3,
    "missing": -1.2,
    "wtf": -2.8,
}

# Multi-word support phrases, as regular expressions over lower-cased text.
# Each match adds one valence item (not subject to VADER's negation window,
# because the phrase itself already encodes the polarity).
EN_PHRASES: dict[str, tuple[str, float]] = {
    "still waiting": (r"\bstill (?:been )?waiting\b", -1.8),
    "still no": (r"\bstill no(?:t|thing)?\b", -1.2),
    "cancel my account": (r"\bcancel(?:l?ing)? my (?:account|subscription|order|membership)\b", -1.6),
    "where is my order": (r"\bwhere(?: is|'s|s) my (?:order|package|parcel|refund|money|delivery)\b", -1.6),
    "charged twice": (r"\b(?:charged|billed) (?:me )?(?:twice|two times|double|again)\b", -2.2),
    "double charged": (r"\bdouble[- ]?(?:charged|billed)\b", -2.2),
    "never again": (r"\bnever (?:\w+ ){0,5}again\b", -2.0),
    "no reply": (r"\bno (?:reply|response|answer|one (?:replied|answered|responded))\b", -1.6),
    "nobody answered": (r"\b(?:nobody|no one|noone) (?:has )?(?:answered|replied|responded|called)\b", -1.6),
    "not working": (
        r"\b(?:not|isn't|doesn't|don't|won't|stopped) (?:working|work|load|loading|open)\b",
        -1.5,
    ),
    "waiting for weeks": (
        r"\bwaiting (?:for )?(?:\d+|two|three|four|several|many) (?:days|weeks|months)\b",
        -1.6,
    ),
    "on hold": (r"\bon hold for\b", -1.2),
    "want my money back": (r"\b(?:want|need|give me) my money back\b", -2.0),
    "thanks for nothing": (r"\bthanks? (?:you )?for nothing\b", -2.5),
    "fix this": (r"\bfix (?:this|it) (?:now|asap|already|immediately)\b", -1.2),
    "customer service": (
        r"\b(?:terrible|awful|horrible|worst|bad|poor) (?:customer )?(?:service|support)\b",
        -0.8,
    ),
}

# Emoji valences (VADER scale). VADER maps emoji to English descriptions, which
# leaves 😡🤬😤👎👍🙄💩🙃 at 0. These win over VADER's description-derived values;
# the rest of VADER's emoji table is used through its descriptions.
EMOJI: dict[str, float] = {
    "😡": -3.0,
    "🤬": -3.3,
    "😠": -2.5,
    "😤": -2.0,
    "👿": -2.2,
    "💢": -2.0,
    "🙄": -1.5,
    "👎": -2.0,
    "💩": -2.0,
    "🖕": -3.0,
    "🙃": -0.8,
    "😒": -1.5,
    "😑": -1.0,
    "😞": -1.8,
    "😔": -1.6,
    "😩": -1.8,
    "😫": -1.8,
    "😭": -2.0,
    "😢": -1.9,
    "🥺": -0.8,
    "😰": -1.6,
    "😱": -1.2,
    "🤮": -2.6,
    "🤢": -2.0,
    "💔": -2.2,
    "😾": -1.8,
    "😕": -1.2,
    "😟": -1.4,
    "☹": -1.8,
    "🙁": -1.5,
    "👍": 1.8,
    "👌": 1.5,
    "👏": 1.8,
    "🙏": 1.0,
    "💯": 1.8,
    "🔥": 1.2,
    "✨": 1.0,
    "🎉": 2.0,
    "🥰": 2.8,
    "😍": 2.8,
    "❤": 2.6,
    "💕": 2.4,
    "💖": 2.4,
    "💗": 2.2,
    "💙": 2.0,
    "💚": 2.0,
    "💜": 2.0,
    "🧡": 2.0,
    "💛": 2.0,
    "😊": 2.2,
    "☺": 2.0,
    "🙂": 1.2,
    "😀": 2.0,
    "😃": 2.0,
    "😄": 2.2,
    "😁": 2.0,
    "😆": 1.6,
    "🥳": 2.4,
    "🤩": 2.6,
    "😘": 2.0,
    "😋": 1.6,
    "😎": 1.4,
    "😂": 0.6,  # laughter, not praise: mixed in support traffic (notes §7)
    "🤣": 0.6,
    "😅": 0.2,
    "🤔": -0.3,
    "😐": -0.2,
}

# Thai laughter "555" (ห้า = ha): mild, never strong praise.
THAI_LAUGHTER = 0.4
