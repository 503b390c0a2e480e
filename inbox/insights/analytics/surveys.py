"""CSAT and NPS: classifying answers and aggregating them per group.

- CSAT asks "how satisfied were you?" on 1-5. 4 and 5 are *satisfied*, 1-3
  *unsatisfied* (3 is not satisfaction, which is the usual CSAT convention).
  The CSAT score is the percentage of satisfied answers, 0-100.
- NPS asks "how likely are you to recommend us?" on 0-10. 9-10 are
  *promoters*, 7-8 *passives*, 0-6 *detractors*. NPS is the percentage of
  promoters minus the percentage of detractors, -100..100.

Scores are `None` when there are no answers: "no data" must not read as 0.
Out-of-range or non-integer answers raise `ValueError` rather than being
silently clamped; the answer page validates before storing. Small groups
swing wildly (one answer is 0 or 100); reports carry `responses` so the
dashboard can grey out groups with few answers.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class SurveyKind(StrEnum):
    CSAT = "csat"
    NPS = "nps"


class NpsClass(StrEnum):
    PROMOTER = "promoter"
    PASSIVE = "passive"
    DETRACTOR = "detractor"


class CsatClass(StrEnum):
    SATISFIED = "satisfied"
    UNSATISFIED = "unsatisfied"


def _check(score: int, low: int, high: int, kind: str) -> None:
    if isinstance(score, bool) or not isinstance(score, int) or not low <= score <= high:
        raise ValueError(f"{kind} answer must be an integer {low}..{high}, got {score!r}")


def classify_nps(score: int) -> NpsClass:
    """Promoter (9-10), passive (7-8) or detractor (0-6)."""
    _check(score, 0, 10, "NPS")
    if score >= 9:
        return NpsClass.PROMOTER
    if score >= 7:
        return NpsClass.PASSIVE
    return NpsClass.DETRACTOR


def classify_csat(score: int) -> CsatClass:
    """Satisfied (4-5) or unsatisfied (1-3)."""
    _check(score, 1, 5, "CSAT")
    return CsatClass.SATISFIED if score >= 4 else CsatClass.UNSATISFIED


@dataclass(frozen=True)
class NpsSummary:
    responses: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    @property
    def score(self) -> float | None:
        if not self.responses:
            return None
        return 100.0 * (self.promoters - self.detractors) / self.responses


@dataclass(frozen=True)
class CsatSummary:
    responses: int = 0
    satisfied: int = 0
    total: int = 0  # sum of answers, for the mean

    @property
    def score(self) -> float | None:
        """Percentage of satisfied answers."""
        return 100.0 * self.satisfied / self.responses if self.responses else None

    @property
    def mean(self) -> float | None:
        return self.total / self.responses if self.responses else None


def nps(scores: Iterable[int]) -> NpsSummary:
    """Count promoters, passives and detractors; `.score` is the NPS."""
    counts = {c: 0 for c in NpsClass}
    n = 0
    for s in scores:
        counts[classify_nps(s)] += 1
        n += 1
    return NpsSummary(n, counts[NpsClass.PROMOTER], counts[NpsClass.PASSIVE], counts[NpsClass.DETRACTOR])


def csat(scores: Iterable[int]) -> CsatSummary:
    """Count satisfied answers; `.score` is the CSAT percentage."""
    n = satisfied = total = 0
    for s in scores:
        if classify_csat(s) is CsatClass.SATISFIED:
            satisfied += 1
        n += 1
        total += s
    return CsatSummary(n, satisfied, total)


@dataclass(frozen=True, slots=True)
class SurveyAnswer:
    """One stored answer, with the facts a report may group by."""

    kind: SurveyKind
    score: int
    answered_at: datetime
    agent_id: Hashable | None = None
    team_id: Hashable | None = None
    channel: str | None = None
    conversation_id: Hashable | None = None


@dataclass(frozen=True)
class SurveyReport:
    csat: CsatSummary
    nps: NpsSummary


_GROUPS: dict[str, Callable[[SurveyAnswer], Hashable]] = {
    "agent": lambda a: a.agent_id,
    "team": lambda a: a.team_id,
    "channel": lambda a: a.channel,
    "day": lambda a: a.answered_at.date(),
}


def report_by(
    answers: Iterable[SurveyAnswer], key: str | Callable[[SurveyAnswer], Hashable]
) -> dict[Hashable, SurveyReport]:
    """CSAT and NPS per group: "agent", "team", "channel", "day", or any key function.

    Answers whose group is None (e.g. no agent assigned) are reported under
    None rather than dropped, so group totals add up to the overall figure.
    """
    group_of = _GROUPS[key] if isinstance(key, str) else key
    csat_scores: dict[Hashable, list[int]] = {}
    nps_scores: dict[Hashable, list[int]] = {}
    for a in answers:
        target = csat_scores if SurveyKind(a.kind) is SurveyKind.CSAT else nps_scores
        target.setdefault(group_of(a), []).append(a.score)
    groups = list(dict.fromkeys([*csat_scores, *nps_scores]))
    return {g: SurveyReport(csat(csat_scores.get(g, ())), nps(nps_scores.get(g, ()))) for g in groups}
