from __future__ import annotations

import json
import math
import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inbox.insights.analytics.spikes import SpikeConfig, SpikeDetector, bucket_end, detect, poisson_sf

T0 = datetime(2024, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def poisson_series(lam: float, n: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    out = []
    limit = math.exp(-lam)
    for _ in range(n):
        k, p = 0, rng.random()
        while p > limit:
            k += 1
            p *= rng.random()
        out.append(k)
    return out


def timed(counts: list[int]) -> list[tuple[datetime, int]]:
    return [(T0 + i * HOUR, c) for i, c in enumerate(counts)]


def test_poisson_tail_matches_direct_sum() -> None:
    for lam in (0.5, 3.0, 10.0, 80.0):
        for k in (0, 1, 2, 5, 10, 20, 40, 120):
            direct = 1.0 - sum(math.exp(-lam + j * math.log(lam) - math.lgamma(j + 1)) for j in range(k))
            assert poisson_sf(k, lam) == pytest.approx(max(direct, 0.0), rel=1e-6, abs=1e-12)
    assert poisson_sf(3, 0) == 0.0
    assert poisson_sf(500, 2.0) == 0.0 or poisson_sf(500, 2.0) < 1e-300


@pytest.mark.parametrize(("lam", "seed"), [(0.3, 1), (2.0, 2), (10.0, 3), (50.0, 4)])
def test_no_false_alert_on_a_quiet_poisson_series(lam: float, seed: int) -> None:
    assert detect(timed(poisson_series(lam, 2000, seed))) == []


@pytest.mark.parametrize(("lam", "factor"), [(2.0, 5), (10.0, 3), (50.0, 2.5)])
def test_known_spike_detected_in_its_first_bucket_and_once(lam: float, factor: float) -> None:
    counts = poisson_series(lam, 300, seed=11)
    spike_at = 200
    for i in range(spike_at, spike_at + 6):  # a six-hour episode
        counts[i] = max(counts[i], int(lam * factor) + 5)
    alerts = detect(timed(counts))
    assert len(alerts) == 1
    delay = (alerts[0].bucket_start - (T0 + spike_at * HOUR)) / HOUR
    assert 0 <= delay <= 1  # stated delay: the first spiking bucket, at most one bucket late
    assert alerts[0].count >= lam * factor
    assert "baseline" in alerts[0].reason


def test_two_separate_episodes_alert_twice() -> None:
    counts = poisson_series(5.0, 200, seed=5)
    for start in (60, 140):
        for i in range(start, start + 3):
            counts[i] = 40
    alerts = detect(timed(counts))
    assert [a.bucket_start for a in alerts] == [T0 + 60 * HOUR, T0 + 140 * HOUR]


def test_a_flapping_spike_does_not_storm() -> None:
    counts = [5] * 48 + [40, 4, 40, 4, 40, 4, 40] + [5] * 20
    assert len(detect(timed(counts))) == 1


def test_minimum_count_keeps_quiet_channels_quiet() -> None:
    assert detect(timed([0] * 30 + [4] + [0] * 5)) == []
    alerts = detect(timed([0] * 30 + [8] + [0] * 5))
    assert len(alerts) == 1 and alerts[0].baseline == 0.5


def test_warmup_prevents_alerts_on_a_new_series() -> None:
    assert detect(timed([1, 1, 50])) == []


def test_level_shift_becomes_the_new_normal() -> None:
    config = SpikeConfig(max_episode_buckets=12)
    counts = [5] * 30 + [40] * 60 + [90] * 3
    alerts = detect(timed(counts), config)
    assert len(alerts) == 2  # the shift, then a real spike above the new level
    assert alerts[1].bucket_start == T0 + 90 * HOUR
    assert alerts[1].baseline == pytest.approx(40 + math.sqrt(40 / 24))


def test_repeated_or_old_buckets_are_ignored_and_gaps_are_zero_filled() -> None:
    det = SpikeDetector()
    for i in range(10):
        det.observe(T0 + i * HOUR, 3)
    assert det.observe(T0 + 9 * HOUR, 500) is None
    assert det.observe(T0, 500) is None
    det.observe(T0 + 20 * HOUR, 3)  # ten empty hours in between
    mean = (11 * 3) / 21  # ten buckets of 3, ten filled zeros, then 3
    assert det.baseline == pytest.approx(mean + math.sqrt(mean / 21))
    with pytest.raises(ValueError):
        det.observe(T0 + 21 * HOUR, -1)


def test_serialisation_round_trip_continues_identically() -> None:
    counts = poisson_series(4.0, 120, seed=9)
    counts[80:84] = [30, 30, 30, 30]
    whole = detect(timed(counts))
    det = SpikeDetector()
    alerts = []
    for i, (at, c) in enumerate(timed(counts)):
        if i % 7 == 0:
            det = SpikeDetector.from_dict(json.loads(json.dumps(det.to_dict())))
        alert = det.observe(at, c)
        if alert:
            alerts.append(alert)
    assert alerts == whole and len(whole) == 1
    assert bucket_end(whole[0], SpikeConfig()) == whole[0].bucket_start + HOUR


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 200), max_size=150))
def test_alerts_never_exceed_episodes_and_state_round_trips(counts: list[int]) -> None:
    det = SpikeDetector()
    alerts = 0
    for at, c in timed(counts):
        if det.observe(at, c):
            alerts += 1
        det = SpikeDetector.from_dict(json.loads(json.dumps(det.to_dict())))
    cooldown = SpikeConfig().cooldown_buckets
    assert alerts <= len(counts) // (cooldown + 1) + 1
    assert alerts == len(detect(timed(counts)))
