"""Who may open a websocket: charge box authentication and the handshake limits.

OCPP 1.6 Security Whitepaper, security profiles: 0 none, 1 HTTP Basic authentication
(user = charge box id, password = its authorization key), 2 Basic over TLS, 3 a TLS
client certificate whose common name is the charge box id. OCPP-J 1.6 §3.2 suggests
404 for an unknown charge box; a failed authentication is 401.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import enum
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol
from uuid import uuid4

from cs.app.handles import Handle
from cs.app.penalties import FailedAttempts, PenaltyRules, Window
from cs.app.ports import Clock, CommitFailedError
from cs.app.recorder import Recorder
from cs.domain.access import AccessLog
from cs.domain.chargebox import ChargeBox

log = logging.getLogger(__name__)


class UnknownChargeBoxes(enum.StrEnum):
    """What to do with a charge box no operator registered."""

    ACCEPT = "accept"  # let it in (profile 0) and register it on first contact
    REJECT = "reject"  # HTTP 404 (OCPP-J 1.6 §3.2)
    # Let it in and register it, but answer its boots Pending until an operator approves
    # it (PUT /charge-boxes/{id}/registration): OCPP 1.6 section 4.2, 2.0.1 B02.
    PENDING = "pending"


@dataclass(frozen=True)
class Handshake:
    """What a websocket upgrade request tells us about who is knocking."""

    tenant_id: str
    charge_box_id: str
    remote_address: str | None
    authorization: str | None  # the Authorization header, as sent
    tls: bool
    peer_common_name: str | None  # of a verified client certificate (profile 3)


@dataclass(frozen=True)
class Refusal:
    """An HTTP answer refusing the upgrade, and the stable code it is recorded under."""

    status: int
    code: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)
    failure: bool = True  # counts against the remote address


class KeyChecker(Protocol):
    """Checks an authorization key against its stored hash (slow: off the event loop)."""

    def verify(self, key: str, stored: str) -> Awaitable[bool]: ...


@dataclass(frozen=True)
class GateSettings:
    unknown_charge_boxes: UnknownChargeBoxes = UnknownChargeBoxes.ACCEPT
    max_connections: int = 20_000
    failure_window: float = 300.0  # seconds failures are remembered per address
    failures_before_delay: int = 3
    max_delay: float = 10.0
    failures_before_block: int = 50
    refusals_recorded_per_minute: int = 10  # per address; more are counted, not recorded


class AddressPenalties(FailedAttempts):
    """Failed handshakes per remote address (`GateSettings`): slower answers, then refusal.

    After `failures_before_delay` failures within the window, each further handshake
    from the address waits 0.25 s, doubling per failure up to `max_delay`; after
    `failures_before_block`, it is refused with 429 at once. A success does not clear
    the record (an attacker could interleave), the window does.
    """

    def __init__(self, settings: GateSettings, clock: Callable[[], float] = time.monotonic):
        rules = PenaltyRules(
            forget=Window(settings.failure_window),
            block_after=settings.failures_before_block,
            delay_after=settings.failures_before_delay,
            max_delay=settings.max_delay,
        )
        super().__init__(rules, clock)


class RefusalRecorder:
    """Records refused handshakes in this node run's `AccessLog` stream.

    At most `refusals_recorded_per_minute` per address are recorded; the rest are
    counted and the next recorded one says how many were left out, so a flood cannot
    fill the store.
    """

    def __init__(
        self, *, recorder: Recorder, clock: Clock, node: str, settings: GateSettings
    ) -> None:
        self._recorder = recorder
        self._clock = clock
        self._node = node
        self._settings = settings
        self._log: Handle[AccessLog] | None = None
        self._minute: dict[str, tuple[int, int, int]] = {}  # address: (minute, recorded, left)

    async def record(self, handshake: Handshake, refusal: Refusal) -> None:
        address = handshake.remote_address or "?"
        minute = int(time.monotonic() // 60)
        current, recorded, left_out = self._minute.get(address, (minute, 0, 0))
        if current != minute:
            recorded = 0
        if recorded >= self._settings.refusals_recorded_per_minute:
            self._minute[address] = (minute, recorded, left_out + 1)
            return
        self._minute[address] = (minute, recorded + 1, 0)
        if len(self._minute) > 100_000:
            self._minute.clear()
        at = self._clock.now()
        if self._log is None or not self._log.usable:
            self._log = Handle(AccessLog.open(uuid4(), node=self._node, at=at))
        detail = refusal.message + (f" (+{left_out} not recorded)" if left_out else "")
        self._log.aggregate.refuse(
            tenant_id=handshake.tenant_id,
            charge_box_id=handshake.charge_box_id,
            remote_address=handshake.remote_address,
            reason=refusal.code,
            status=refusal.status,
            detail=detail,
            at=at,
        )
        try:
            await self._recorder.commit(self._log)
        except CommitFailedError as error:
            self._log = None  # its version is unknown now: the next refusal opens a new one
            log.error("could not record a refused handshake: %s", error)


class HandshakeGate:
    """Decides whether a websocket upgrade may proceed, and with which security profile.

    Promises: a charge box an operator configured with profile 1, 2 or 3 gets in only
    with its credentials over the transport its profile requires; an unknown charge box
    follows the configured policy; every refusal is answered with a JSON body and the
    status the spec names, and recorded (bounded per address); repeated failures from
    one address are slowed down, then refused on sight.
    """

    def __init__(
        self,
        *,
        known: Callable[[str, str], Awaitable[ChargeBox | None]],
        keys: KeyChecker,
        recorder: RefusalRecorder,
        connections: Callable[[], int],
        settings: GateSettings,
        penalties: AddressPenalties | None = None,
    ) -> None:
        self._known = known
        self._keys = keys
        self._recorder = recorder
        self._connections = connections
        self._settings = settings
        self.penalties = penalties or AddressPenalties(settings)

    async def admit(self, handshake: Handshake) -> int | Refusal:
        """The security profile to open the connection with, or the refusal to answer."""
        address = handshake.remote_address or "?"
        if self.penalties.blocked(address):
            return Refusal(
                429,
                "too_many_failures",
                "too many failed handshakes from this address; try again later",
                {"Retry-After": str(int(self._settings.failure_window))},
                failure=False,
            )
        delay = self.penalties.delay(address)
        if delay:
            await asyncio.sleep(delay)
        decided = await self._decide(handshake)
        if isinstance(decided, Refusal):
            if decided.failure:
                self.penalties.fail(address)
            await self._recorder.record(handshake, decided)
        return decided

    async def _decide(self, handshake: Handshake) -> int | Refusal:
        if self._connections() >= self._settings.max_connections:
            return Refusal(
                503,
                "too_many_connections",
                "this node holds as many connections as it is configured for",
                {"Retry-After": "30"},
                failure=False,
            )
        box = await self._known(handshake.tenant_id, handshake.charge_box_id)
        if box is None or not box.provisioned:
            if self._settings.unknown_charge_boxes is UnknownChargeBoxes.REJECT:
                return Refusal(404, "unknown_charge_box", "no charge box with this id")
            return 0
        profile = box.security_profile or 0
        if profile >= 2 and not handshake.tls:
            return Refusal(
                403,
                "tls_required",
                f"this charge box uses security profile {profile}: connect over wss://",
            )
        if profile in (1, 2):
            return await self._basic(handshake, box.password_hash)
        if profile == 3:
            if handshake.peer_common_name is None:
                return Refusal(
                    401, "no_certificate", "security profile 3 needs a client certificate"
                )
            if handshake.peer_common_name != handshake.charge_box_id:
                return Refusal(401, "wrong_certificate", "the certificate is not this charge box's")
        return profile

    async def _basic(self, handshake: Handshake, stored: str | None) -> int | Refusal:
        challenge = {"WWW-Authenticate": 'Basic realm="OCPP", charset="UTF-8"'}
        credentials = _basic_credentials(handshake.authorization)
        if credentials is None:
            return Refusal(401, "no_password", "HTTP Basic authentication is required", challenge)
        user, password = credentials
        # Security Whitepaper: the user name is the charge box identity.
        if user != handshake.charge_box_id or stored is None:
            return Refusal(401, "bad_password", "wrong user name or password", challenge)
        if not await self._keys.verify(password, stored):
            return Refusal(401, "bad_password", "wrong user name or password", challenge)
        return 2 if handshake.tls else 1


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    if not header or header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, separator, password = decoded.partition(":")
    return (user, password) if separator else None
