"""Charge box access rules, key hashing and the per-connection rate, without I/O."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import pytest

from cs.adapters import passwords
from cs.adapters.ocppj.throttle import FloodError, MessageRate
from cs.app.access import (
    AddressPenalties,
    GateSettings,
    Handshake,
    HandshakeGate,
    Refusal,
    UnknownChargeBoxes,
)
from cs.domain.chargebox import ChargeBox

AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
KEY = "0123456789abcdef"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- keys ---------------------------------------------------------------------------------


def test_a_key_hash_is_salted_and_checks_only_its_key() -> None:
    first, second = passwords.hash_key(KEY, log2_n=4), passwords.hash_key(KEY, log2_n=4)
    assert first != second  # salted
    assert first.startswith("scrypt$4$8$1$")
    assert KEY not in first
    assert passwords.check_key(KEY, first)
    assert not passwords.check_key(KEY + "x", first)
    assert not passwords.check_key(KEY, "scrypt$broken")
    assert not passwords.check_key(KEY, "md5$x$y$z$a$b")


async def test_the_verifier_remembers_successes_only(monkeypatch: pytest.MonkeyPatch) -> None:
    stored = passwords.hash_key(KEY, log2_n=4)
    calls: list[str] = []
    real = passwords.check_key

    def counting(key: str, stored_hash: str) -> bool:
        calls.append(key)
        return real(key, stored_hash)

    monkeypatch.setattr(passwords, "check_key", counting)
    verifier = passwords.KeyVerifier()
    assert await verifier.verify(KEY, stored)
    assert await verifier.verify(KEY, stored)
    assert calls == [KEY]  # the second success came from memory
    assert not await verifier.verify("wrong-key-000000", stored)
    assert not await verifier.verify("wrong-key-000000", stored)
    assert calls == [KEY, "wrong-key-000000", "wrong-key-000000"]  # failures never remembered
    other = passwords.hash_key(KEY, log2_n=4)  # a new hash (key re-registered): checked again
    assert await verifier.verify(KEY, other)
    assert len(calls) == 4


# --- message rate ----------------------------------------------------------------------------


def test_a_box_within_its_rate_is_never_slowed() -> None:
    clock = Clock()
    rate = MessageRate(10, 5, 3, clock=clock)
    for _ in range(100):
        assert rate.wait() == 0
        clock.now += 0.1


def keep_sending(rate: MessageRate, clock: Clock, messages: int) -> None:
    """A sender that waits as told after each message, then sends the next at once."""
    for _ in range(messages):
        clock.now += rate.wait()


def test_a_burst_then_throttle_then_flood() -> None:
    clock = Clock()
    rate = MessageRate(10, 5, 3, clock=clock)
    assert [rate.wait() for _ in range(5)] == [0, 0, 0, 0, 0]
    assert rate.wait() == pytest.approx(0.1)
    with pytest.raises(FloodError):
        keep_sending(rate, clock, 100)
    assert clock.now - 1000 >= 3  # throttled to 10/s for the 3 s allowed, then cut off


def test_a_box_that_waits_for_each_answer_is_paced_never_cut_off() -> None:
    """An offline queue emptied one CALL at a time (OCPP-J 1.6 4.1.1): no backlog."""
    clock = Clock()
    rate = MessageRate(10, 5, 3, clock=clock)
    for _ in range(200):  # 20 s at the rate, far past the 3 s flood limit
        clock.now += rate.wait(backlogged=False)
    assert clock.now - 1000 == pytest.approx((200 - 5) / 10, abs=0.2)  # paced to 10/s
    with pytest.raises(FloodError):  # once it stops waiting, the flood clock runs
        keep_sending(rate, clock, 100)


def test_a_pause_ends_the_throttled_stretch() -> None:
    clock = Clock()
    rate = MessageRate(10, 1, 3, clock=clock)
    keep_sending(rate, clock, 25)  # 2.5 s throttled
    clock.now += 1  # a pause: tokens come back
    assert rate.wait() == 0
    keep_sending(rate, clock, 25)  # a new stretch: not a flood yet
    assert clock.now - 1000 < 7


# --- penalties -------------------------------------------------------------------------------


def test_failures_slow_an_address_down_then_block_it_until_the_window_passes() -> None:
    clock = Clock()
    settings = GateSettings(failure_window=60, failures_before_delay=2, failures_before_block=5)
    penalties = AddressPenalties(settings, clock=clock)
    delays = []
    for _ in range(5):
        delays.append(penalties.delay("10.0.0.9"))
        penalties.fail("10.0.0.9")
    assert delays == [0, 0, 0.25, 0.5, 1.0]
    assert penalties.blocked("10.0.0.9")
    assert not penalties.blocked("10.0.0.8")
    clock.now += 61
    assert not penalties.blocked("10.0.0.9")
    assert penalties.delay("10.0.0.9") == 0


# --- the gate ------------------------------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.refusals: list[Refusal] = []

    async def record(self, handshake: Handshake, refusal: Refusal) -> None:
        self.refusals.append(refusal)


class Keys:
    async def verify(self, key: str, stored: str) -> bool:
        return stored == f"hash-of-{key}"


def a_box(profile: int | None, key: str | None = None) -> ChargeBox:
    box = ChargeBox.register("t", "CB", AT)
    if profile is not None:
        box.configure_security(profile, f"hash-of-{key}" if key else None, by="ops", at=AT)
    return box


def a_gate(box: ChargeBox | None, **settings: Any) -> tuple[HandshakeGate, Recorder]:
    async def known(tenant_id: str, charge_box_id: str) -> ChargeBox | None:
        return box

    recorder = Recorder()
    gate = HandshakeGate(
        known=known,
        keys=Keys(),
        recorder=recorder,  # type: ignore[arg-type]
        connections=lambda: 0,
        settings=GateSettings(**settings),
    )
    return gate, recorder


def knock(
    *, user: str = "CB", password: str | None = None, tls: bool = False, cn: str | None = None
) -> Handshake:
    header = None
    if password is not None:
        header = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    return Handshake("t", "CB", "10.0.0.1", header, tls, cn)


@pytest.mark.parametrize(
    ("box", "handshake", "expected"),
    [
        (None, knock(), 0),
        (a_box(None), knock(), 0),  # seen before, never configured: still unknown
        (a_box(0), knock(), 0),
        (a_box(1, KEY), knock(password=KEY), 1),
        (a_box(1, KEY), knock(password=KEY, tls=True), 2),  # profile 1 over TLS is fine
        (a_box(1, KEY), knock(), "no_password"),
        (a_box(1, KEY), knock(password="nope"), "bad_password"),
        (a_box(1, KEY), knock(user="CB2", password=KEY), "bad_password"),
        (a_box(2, KEY), knock(password=KEY), "tls_required"),
        (a_box(2, KEY), knock(password=KEY, tls=True), 2),
        (a_box(3), knock(tls=True, cn="CB"), 3),
        (a_box(3), knock(tls=True, cn="CB2"), "wrong_certificate"),
        (a_box(3), knock(tls=True), "no_certificate"),
        (a_box(3), knock(cn="CB"), "tls_required"),
    ],
)
async def test_who_gets_in(box: ChargeBox | None, handshake: Handshake, expected: Any) -> None:
    gate, recorder = a_gate(box)
    admitted = await gate.admit(handshake)
    if isinstance(expected, int):
        assert admitted == expected
        assert recorder.refusals == []
    else:
        assert isinstance(admitted, Refusal)
        assert admitted.code == expected
        assert recorder.refusals == [admitted]


@pytest.mark.parametrize("box", [None, a_box(None)])
async def test_reject_policy_refuses_every_box_no_operator_registered(
    box: ChargeBox | None,
) -> None:
    gate, _ = a_gate(box, unknown_charge_boxes=UnknownChargeBoxes.REJECT)
    refused = await gate.admit(knock())
    assert isinstance(refused, Refusal)
    assert (refused.status, refused.code) == (404, "unknown_charge_box")
    gate, _ = a_gate(a_box(0), unknown_charge_boxes=UnknownChargeBoxes.REJECT)
    assert await gate.admit(knock()) == 0


@pytest.mark.parametrize(
    "header", ["Bearer abc", "Basic !!!", "Basic " + base64.b64encode(b"no-colon").decode()]
)
async def test_malformed_credentials_are_a_missing_password(header: str) -> None:
    gate, _ = a_gate(a_box(1, KEY))
    refused = await gate.admit(Handshake("t", "CB", "10.0.0.1", header, False, None))
    assert isinstance(refused, Refusal)
    assert refused.code == "no_password"


def test_profiles_1_and_2_need_a_key_and_3_keeps_none() -> None:
    box = ChargeBox.register("t", "CB", AT)
    with pytest.raises(ValueError, match="needs an authorization key"):
        box.configure_security(1, None, by=None, at=AT)
    with pytest.raises(ValueError, match="not one of"):
        box.configure_security(4, "h", by=None, at=AT)
    box.configure_security(3, "h", by=None, at=AT)
    assert (box.security_profile, box.password_hash) == (3, None)
    events = box.collect_events()
    box.configure_security(3, None, by=None, at=AT)  # no change: no event
    assert len(box.collect_events()) == 0
    assert isinstance(events[-1], ChargeBox.SecurityConfigured)
