"""Support-domain cues: urgency terms for the rank, and sentiment cues for zh/th.

Why separate from sentiment: the most actionable support messages often carry no
sentiment word ("Where is my order??", "还在等退款"); the reference notes (§9.4)
recommend a small, versioned, per-language cue table feeding the priority rather
than folded into the sentiment number. `urgency_cues` is that table. The
`*_TERMS` tables are the sentiment side for Chinese and Thai (valences on VADER's
-4..4 scale), used next to each language's model as a second opinion.
"""

from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple

CUES_VERSION = "2025-11-25.1"

# cue name -> regex, per language family. Names are what the inbox shows.
_URGENCY: dict[str, dict[str, str]] = {
    "en": {
        "refund": r"\brefund",
        "still waiting": r"\bstill (?:been )?waiting\b|\bwaiting (?:for )?(?:\d+|two|three|several|many) (?:days|weeks|months)\b",
        "charged twice": r"\b(?:charged|billed) (?:me )?(?:twice|two times|double)\b|\bdouble[- ]?(?:charged|billed)\b",
        "cancel": r"\bcancel",
        "chargeback": r"\bcharge ?back",
        "scam": r"\bscam|\bfraud",
        "legal": r"\blawyer|\blegal action|\bsue\b|\blawsuit",
        "never again": r"\bnever (?:\w+ ){0,5}again\b",
        "no reply": r"\bno (?:reply|response|answer)\b|\b(?:nobody|no one) (?:has )?(?:answered|replied|responded)\b",
        "where is my order": r"\bwhere(?: is|'s|s) my (?:order|package|parcel|refund|money|delivery)\b",
    },
    "zh": {
        "refund": r"退款|退钱|退錢|退费|退費",
        "still waiting": r"还在等|還在等|一直在等|等了[\d一二三四五六七八九十几幾两兩]+(?:天|个星期|個星期|周|週|个月|個月)",
        "charged twice": r"扣了两次|扣了兩次|重复扣款|重複扣款|扣两次|扣兩次",
        "cancel": r"取消",
        "chargeback": r"拒付|退单|退單",
        "scam": r"骗子|騙子|诈骗|詐騙|骗钱|騙錢",
        "legal": r"律师|律師|起诉|起訴|投诉|投訴|消协|消協",
        "never again": r"再也不",
        "no reply": r"没人回|沒人回|没有回复|沒有回覆|不回复|不回覆",
        "where is my order": r"(?:订单|訂單|包裹|快递|快遞)(?:在哪|呢)",
    },
    "th": {
        "refund": r"คืนเงิน",
        "still waiting": r"ยังรอ|รอนาน|รอมา",
        "charged twice": r"ตัดเงินสองครั้ง|ตัดเงินซ้ำ|หักเงินซ้ำ|หักเงินสองครั้ง",
        "cancel": r"ยกเลิก",
        "chargeback": r"ปฏิเสธการชำระ",
        "scam": r"โกง|หลอกลวง|มิจฉาชีพ",
        "legal": r"ทนาย|ฟ้อง|สคบ",
        "never again": r"ไม่ซื้ออีก|ไม่ใช้อีก|ไม่มาอีก",
        "no reply": r"ไม่มีใครตอบ|ไม่ตอบ",
        "where is my order": r"ของอยู่ไหน|พัสดุอยู่ไหน|ของยังไม่มา|ยังไม่ได้ของ",
    },
    "any": {
        "anger emoji": "[\U0001f621\U0001f92c\U0001f624\U0001f620\U0001f44e\U0001f4a2\U0001f47f]",
        "repeated ??": r"\?\s*\?|？\s*？",
        "repeated !!!": r"!\s*!\s*!|！\s*！\s*！",
    },
}

# Sentiment terms for Chinese (matched on Simplified text) and Thai, VADER scale.
ZH_TERMS: dict[str, float] = {
    "退款": -1.2,
    "退钱": -1.8,
    "还在等": -1.8,
    "一直在等": -1.6,
    "还没收到": -1.6,
    "还没有收到": -1.6,
    "没人回": -1.6,
    "没有回复": -1.4,
    "扣了两次": -2.2,
    "重复扣款": -2.2,
    "取消订单": -1.2,
    "注销": -1.2,
    "骗子": -2.8,
    "诈骗": -2.8,
    "骗钱": -2.8,
    "投诉": -2.0,
    "律师": -1.5,
    "再也不": -2.0,
    "差评": -2.2,
    "垃圾": -2.5,
    "太慢": -1.6,
    "闪退": -1.6,
    "打不开": -1.5,
    "坏了": -1.6,
    "拒付": -2.2,
    "失望": -2.2,
    "气死": -2.6,
    "好评": 2.0,
    "谢谢": 1.6,
    "感谢": 1.8,
    "满意": 2.0,
    "太棒": 2.6,
    "哈哈": 0.8,
    # Weibo emoticon tags are emoji by another name (reference notes §3); values
    # read from each tag's meaning, not fitted to any labelled set.
    "[哈哈]": 1.5,
    "[嘻嘻]": 1.5,
    "[偷笑]": 1.2,
    "[爱你]": 2.0,
    "[心]": 1.8,
    "[赞]": 2.0,
    "[good]": 2.0,
    "[鼓掌]": 1.8,
    "[威武]": 1.8,
    "[太开心]": 2.4,
    "[馋嘴]": 1.0,
    "[泪]": -1.8,
    "[抓狂]": -2.2,
    "[怒]": -2.5,
    "[怒骂]": -2.8,
    "[衰]": -1.5,
    "[鄙视]": -2.0,
    "[可怜]": -1.2,
    "[失望]": -2.0,
    "[悲伤]": -2.0,
    "[委屈]": -1.5,
    "[生病]": -1.5,
    "[哼]": -1.5,
    "[晕]": -1.0,
    "[汗]": -0.8,
}
TH_TERMS: dict[str, float] = {
    "คืนเงิน": -1.2,
    "ยังรอ": -1.8,
    "รอนาน": -1.6,
    "ยังไม่ได้รับ": -1.6,
    "ยังไม่ได้ของ": -1.6,
    "ไม่มีใครตอบ": -1.6,
    "ตัดเงินซ้ำ": -2.2,
    "ตัดเงินสองครั้ง": -2.2,
    "ยกเลิก": -1.2,
    "โกง": -2.8,
    "หลอกลวง": -2.6,
    "มิจฉาชีพ": -2.8,
    "ฟ้อง": -2.0,
    "ไม่ซื้ออีก": -2.0,
    "แย่": -2.0,
    "ห่วย": -2.5,
    "ผิดหวัง": -2.2,
    "เสียใจ": -1.8,
    "ช้ามาก": -1.8,
    "พัง": -1.8,
    "ใช้ไม่ได้": -1.8,
    "ไม่พอใจ": -2.2,
    "ไม่ชอบ": -1.8,
    "ไม่ดี": -1.8,
    "โมโห": -2.4,
    "ดีมาก": 2.5,
    "ขอบคุณ": 1.6,
    "ประทับใจ": 2.6,
    "ชอบมาก": 2.5,
    "เยี่ยม": 2.6,
    "สุดยอด": 2.8,
    "อร่อย": 2.0,
    "พอใจ": 2.0,
}
# A positive term preceded by one of these is not counted ("ไม่ชอบ", "不满意"):
# the negated form is listed on its own where it matters.
_NEGATORS = {"zh": "不没沒别無无", "th": ""}
# Thai negators a positive term may follow ("ไม่ค่อยประทับใจ" is not praise), longest first.
_TH_NEGATORS = ("ไม่ค่อย", "ไม่ได้", "ไม่เคย", "ไม่ใช่", "ไม่")


@cache
def _urgency_res(family: str) -> tuple[tuple[str, re.Pattern[str], tuple[str, ...] | None], ...]:
    """(name, regex, words at least one of which any match contains, or None) per cue."""
    table = dict(_URGENCY.get(family, {})) | _URGENCY["any"]
    return tuple((name, re.compile(pattern), required_literals(pattern)) for name, pattern in table.items())


def required_literals(pattern: str) -> tuple[str, ...] | None:
    """Strings such that every match of `pattern` contains at least one of them, or None.

    Why: most cue patterns start with `\\b`, which defeats the regex engine's own literal
    search, so a cue that is absent was looked for at every position (on Thai text, which is all
    word characters, the English cues alone cost ~100 µs a message). A substring test for a word
    the match must contain ("refund", "waiting", "退") rules most cues out in C first.
    Read from the pattern's parse tree (the standard library's `re._parser`); anything this
    does not understand gives None, which only means the regex always runs.
    """
    try:
        from re import _parser  # type: ignore[attr-defined]

        return _required(list(_parser.parse(pattern)))
    except Exception:  # noqa: BLE001 - an unreadable tree only switches the shortcut off
        return None


def _required(items: list) -> tuple[str, ...] | None:  # type: ignore[type-arg]
    """The most selective candidate in a sequence: a run of literals, or a group or branch whose
    every way of matching has a required literal of its own."""
    from re._constants import BRANCH, LITERAL, MAX_REPEAT, MIN_REPEAT, SUBPATTERN  # type: ignore[import-not-found]

    candidates: list[tuple[str, ...]] = []
    run: list[str] = []
    for op, av in [*items, (None, None)]:
        if op is LITERAL:
            run.append(chr(av))
            continue
        if run:
            candidates.append(("".join(run),))
            run = []
        if op is BRANCH:
            parts = [_required(list(alt)) for alt in av[1]]
            if all(p is not None for p in parts):
                candidates.append(tuple(dict.fromkeys(w for p in parts for w in p)))  # type: ignore[union-attr]
        elif op is SUBPATTERN:
            inner = _required(list(av[3]))
            if inner is not None:
                candidates.append(inner)
        elif op in (MAX_REPEAT, MIN_REPEAT) and av[0] >= 1:
            inner = _required(list(av[2]))
            if inner is not None:
                candidates.append(inner)
    if not candidates:
        return None
    return max(candidates, key=lambda words: min(len(w) for w in words))


def _family(language: str | None) -> str:
    lang = (language or "en").lower()
    return "zh" if lang.startswith("zh") else "th" if lang.startswith("th") else "en"


def urgency_cues(text: object, language: object = None) -> tuple[str, ...]:
    """Names of the urgency cues present in `text`, for `RankFacts.urgency_terms`.

    English cues are always checked too, because support customers mix English
    words into Chinese and Thai. Never raises; returns names in table order.
    """
    if not isinstance(text, str) or not text:
        return ()
    lowered = text.lower()
    plan = _cue_plan(_family(language if isinstance(language, str) else None))
    candidates = set(plan.always)
    for word in filter(lowered.__contains__, plan.words):
        candidates.update(plan.by_word[word])
    found: list[str] = []
    for i in sorted(candidates):
        name, pattern = plan.cues[i]
        if name not in found and pattern.search(lowered):
            found.append(name)
    return tuple(found)


class _CuePlan(NamedTuple):
    """One family's cues in table order (its own, then English), and which to try for a text.

    Why: trying each cue's required words in turn was a Python loop of some twenty steps a
    message, most of them for cues whose words are absent (English cues on Thai text). Here one
    pass in C finds the required words the text contains, and only their cues, plus those
    with no required word, run their regex.
    """

    cues: tuple[tuple[str, re.Pattern[str]], ...]
    words: tuple[str, ...]  # every required word of any cue
    by_word: dict[str, tuple[int, ...]]  # required word -> the cues (indices) that need it
    always: tuple[int, ...]  # cues without a required word: their regex always runs


@cache
def _cue_plan(family: str) -> _CuePlan:
    cues: list[tuple[str, re.Pattern[str]]] = []
    by_word: dict[str, list[int]] = {}
    always: list[int] = []
    seen: set[tuple[str, str]] = set()
    for fam in dict.fromkeys((family, "en")):
        for name, pattern, words in _urgency_res(fam):
            if (name, pattern.pattern) in seen:
                continue  # the shared "any" cues: a second try can add nothing
            seen.add((name, pattern.pattern))
            index = len(cues)
            cues.append((name, pattern))
            if words is None:
                always.append(index)
            else:
                for word in words:
                    by_word.setdefault(word, []).append(index)
    return _CuePlan(tuple(cues), tuple(by_word), {w: tuple(ix) for w, ix in by_word.items()}, tuple(always))


@cache
def _term_re(family: str) -> tuple[re.Pattern[str], dict[str, float]]:
    table = ZH_TERMS if family == "zh" else TH_TERMS
    alternation = "|".join(re.escape(t) for t in sorted(table, key=len, reverse=True))
    return re.compile(alternation), table


def term_items(text: str, family: str) -> list[tuple[str, float]]:
    """Support sentiment terms in Chinese (Simplified) or Thai text, with valences.

    Longest terms win ("ไม่พอใจ" before "พอใจ"); a positive term right after a
    negator counts as its opposite at 0.74 strength, as VADER does.
    """
    pattern, table = _term_re(family)
    negators = _NEGATORS.get(family, "")
    items: list[tuple[str, float]] = []
    for m in pattern.finditer(text):
        term = m.group(0)
        value = table[term]
        start = m.start()
        before = text[max(0, start - 7) : start]
        if (
            family == "th"
            and value > 0
            and before.endswith(_TH_NEGATORS)
            or negators
            and value > 0
            and before
            and before[-1] in negators
        ):
            value = -0.74 * value
        items.append((term, value))
    return items
