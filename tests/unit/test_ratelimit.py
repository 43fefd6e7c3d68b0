"""The shared token bucket and the failed-attempts penalties, without I/O."""

from __future__ import annotations

import pytest

from cs.app.penalties import Fade, FailedAttempts, PenaltyRules, Window
from cs.app.ratelimit import TokenBucket, TokenBuckets


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_refuses_when_empty_and_refills_at_its_rate() -> None:
    bucket = TokenBucket(2, 3, now=0)
    assert [bucket.take(0) for _ in range(3)] == [0, 0, 0]
    assert bucket.take(0) == pytest.approx(0.5)  # refused: nothing taken
    assert bucket.tokens(0) == 0
    assert bucket.take(0.5) == 0
    assert bucket.tokens(100) == 3  # never more than the burst


def test_a_borrowed_token_leaves_a_debt_that_is_the_wait() -> None:
    bucket = TokenBucket(10, 1, now=0)
    assert bucket.borrow(0) == 0
    assert bucket.borrow(0) == pytest.approx(0.1)
    assert bucket.borrow(0) == pytest.approx(0.2)
    assert bucket.tokens(0) == pytest.approx(-2)


def test_a_rate_of_zero_is_no_limit() -> None:
    bucket = TokenBucket(0, 1, now=0)
    assert [bucket.take(0) for _ in range(5)] == [0] * 5
    assert bucket.borrow(0) == 0
    buckets = TokenBuckets(0, 1)
    assert [buckets.take("k") for _ in range(5)] == [0] * 5


def test_keyed_buckets_are_independent_and_bounded() -> None:
    clock = Clock()
    buckets = TokenBuckets(1, 2, max_names=4, clock=clock)
    assert [buckets.take("a") for _ in range(3)] == [0, 0, 1]
    assert buckets.wait("a") == 1
    assert buckets.take("b") == 0
    for n in range(10):
        buckets.take(f"other-{n}")
    assert len(buckets._buckets) <= 4


def test_fading_failures_block_once_the_burst_is_spent_until_one_fades() -> None:
    clock = Clock()
    failures = FailedAttempts(PenaltyRules(forget=Fade(0.5), block_after=3), clock)
    for _ in range(3):
        assert not failures.blocked("10.0.0.1")
        failures.fail("10.0.0.1")
    assert failures.blocked("10.0.0.1")
    assert failures.retry_after("10.0.0.1") == pytest.approx(2)
    assert failures.delay("10.0.0.1") == 0  # no delays configured
    failures.fail("10.0.0.1")  # past the limit: counts no more
    assert failures.retry_after("10.0.0.1") == pytest.approx(2)
    clock.now += 2
    assert not failures.blocked("10.0.0.1")
    assert not failures.blocked("10.0.0.2")
    clock.now += 60
    assert failures.count("10.0.0.1") == 0
    assert failures._memories == {}  # nothing remembered, nothing kept


def test_no_fading_rate_means_failures_are_never_counted() -> None:
    failures = FailedAttempts(PenaltyRules(forget=Fade(0), block_after=1))
    for _ in range(10):
        failures.fail("10.0.0.1")
    assert not failures.blocked("10.0.0.1")
    assert failures._memories == {}


def test_a_window_blocks_until_enough_failures_are_old_enough() -> None:
    clock = Clock()
    failures = FailedAttempts(PenaltyRules(forget=Window(60), block_after=2), clock)
    failures.fail("a")
    clock.now += 10
    failures.fail("a")
    failures.fail("a")
    assert failures.blocked("a")
    assert failures.retry_after("a") == pytest.approx(60)  # when the second one goes
    clock.now += 50.5
    assert failures.blocked("a")  # the first went, two still count
    clock.now += 10
    assert not failures.blocked("a")


def test_memory_of_addresses_is_bounded() -> None:
    failures = FailedAttempts(PenaltyRules(forget=Window(60), block_after=5, max_addresses=20))
    for n in range(100):
        failures.fail(f"10.0.0.{n}")
    assert len(failures._memories) <= 20
    assert failures.count("10.0.0.99") == 1  # the newest are kept
