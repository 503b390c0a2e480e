from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbox.insights.analytics.surveys import (
    CsatClass,
    NpsClass,
    SurveyAnswer,
    SurveyKind,
    classify_csat,
    classify_nps,
    csat,
    nps,
    report_by,
)

AT = datetime(2024, 6, 1, 12, tzinfo=UTC)


def test_classification_boundaries() -> None:
    assert [classify_nps(s) for s in (0, 6, 7, 8, 9, 10)] == [
        NpsClass.DETRACTOR,
        NpsClass.DETRACTOR,
        NpsClass.PASSIVE,
        NpsClass.PASSIVE,
        NpsClass.PROMOTER,
        NpsClass.PROMOTER,
    ]
    assert [classify_csat(s) for s in (1, 3, 4, 5)] == [
        CsatClass.UNSATISFIED,
        CsatClass.UNSATISFIED,
        CsatClass.SATISFIED,
        CsatClass.SATISFIED,
    ]


@pytest.mark.parametrize("bad", [-1, 11, 5.5, True, "9"])
def test_out_of_range_nps_rejected(bad: object) -> None:
    with pytest.raises(ValueError):
        classify_nps(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [0, 6])
def test_out_of_range_csat_rejected(bad: int) -> None:
    with pytest.raises(ValueError):
        csat([bad])


def test_nps_and_csat_by_hand() -> None:
    summary = nps([10, 9, 9, 8, 7, 6, 0, 3, 10, 10])  # 5 promoters, 2 passives, 3 detractors
    assert (summary.promoters, summary.passives, summary.detractors) == (5, 2, 3)
    assert summary.score == pytest.approx(20.0)
    c = csat([5, 4, 3, 1])
    assert c.score == pytest.approx(50.0) and c.mean == pytest.approx(13 / 4)


def test_no_answers_is_none_not_zero() -> None:
    assert nps([]).score is None and csat([]).score is None and csat([]).mean is None


def test_report_by_agent_team_channel_and_day() -> None:
    answers = [
        SurveyAnswer(SurveyKind.CSAT, 5, AT, agent_id=1, team_id="eu", channel="email"),
        SurveyAnswer(SurveyKind.CSAT, 2, AT, agent_id=1, team_id="eu", channel="x"),
        SurveyAnswer(SurveyKind.NPS, 10, AT, agent_id=2, team_id="eu", channel="x"),
        SurveyAnswer(SurveyKind.NPS, 3, AT, agent_id=None, channel="x"),
    ]
    by_agent = report_by(answers, "agent")
    assert set(by_agent) == {1, 2, None}
    assert by_agent[1].csat.score == pytest.approx(50.0) and by_agent[1].nps.score is None
    assert by_agent[2].nps.score == pytest.approx(100.0)
    assert by_agent[None].nps.score == pytest.approx(-100.0)
    by_team = report_by(answers, "team")
    assert by_team["eu"].csat.responses == 2 and by_team["eu"].nps.responses == 1
    assert report_by(answers, "channel")["x"].nps.score == pytest.approx(0.0)
    assert report_by(answers, "day")[AT.date()].csat.responses == 2
    assert set(report_by(answers, lambda a: a.score >= 5)) == {True, False}


@given(st.lists(st.integers(0, 10)))
def test_nps_always_within_bounds(scores: list[int]) -> None:
    summary = nps(scores)
    assert summary.promoters + summary.passives + summary.detractors == len(scores)
    if scores:
        assert -100.0 <= summary.score <= 100.0
    else:
        assert summary.score is None


@given(st.lists(st.integers(1, 5), min_size=1))
def test_csat_always_a_percentage(scores: list[int]) -> None:
    c = csat(scores)
    assert 0.0 <= c.score <= 100.0 and 1.0 <= c.mean <= 5.0
