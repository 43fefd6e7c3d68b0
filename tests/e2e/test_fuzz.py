"""Randomised frames against a live server: it never dies, answers per OCPP-J, keeps serving."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ocpp.v16.enums import Action
from ocpp.v201.enums import Action as Action201

from tests.support.server import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

ALLOWED_ERRORS = {
    "FormationViolation",
    "ProtocolError",
    "TypeConstraintViolation",
    "PropertyConstraintViolation",
    "OccurenceConstraintViolation",
    "NotImplemented",
    "NotSupported",
    "SecurityError",
}
# OCPP 2.0.1 Part 4 section 4.3 spells some differently and adds two.
ALLOWED_ERRORS_201 = (ALLOWED_ERRORS - {"FormationViolation", "OccurenceConstraintViolation"}) | {
    "FormatViolation",
    "OccurrenceConstraintViolation",
    "RpcFrameworkError",
    "MessageTypeNotSupported",
}

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
actions = (
    st.sampled_from([a.value for a in Action])
    | st.sampled_from([a.value for a in Action201])
    | st.text(min_size=1, max_size=20)
)
unique_ids = st.text(min_size=1, max_size=40)
payloads = st.none() | st.dictionaries(
    st.sampled_from(
        [
            "connectorId",
            "idTag",
            "status",
            "errorCode",
            "meterStart",
            "timestamp",
            "vendorId",
            "data",
            "chargePointVendor",
            "chargePointModel",
            "evseId",
            "idToken",
            "eventType",
            "seqNo",
            "transactionInfo",
            "reportData",
        ]
    ),
    json_values,
    max_size=5,
)

frames = st.one_of(
    st.text(max_size=80),
    json_values.map(json.dumps),
    st.tuples(st.just(2), unique_ids, actions, payloads).map(lambda f: json.dumps(list(f))),
    st.tuples(st.sampled_from([2, 3, 4, 5, "2", None]), json_values, json_values, json_values).map(
        lambda f: json.dumps(list(f))
    ),
    st.tuples(st.just(3), unique_ids, payloads).map(lambda f: json.dumps(list(f))),
    st.tuples(st.just(4), unique_ids, st.text(max_size=20), st.text(max_size=20), st.just({})).map(
        lambda f: json.dumps(list(f))
    ),
)


class Wire:
    """One charge point connection, driven from a test thread on its own event loop."""

    def __init__(self, url: str, protocol: str = "ocpp1.6") -> None:
        self.protocol = protocol
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.session: aiohttp.ClientSession | None = None
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.probes = 0
        self.run(self._connect(url))

    def run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(30)

    async def _connect(self, url: str) -> None:
        self.session = aiohttp.ClientSession()
        self.ws = await self.session.ws_connect(url, protocols=(self.protocol,))

    async def exchange(self, frame: str) -> list[list[Any]]:
        """Send `frame`, then a probe heartbeat; return every frame received before its answer."""
        assert self.ws is not None
        self.probes += 1
        probe = f"probe-{self.probes}"
        await self.ws.send_str(frame)
        await self.ws.send_str(json.dumps([2, probe, "Heartbeat", {}]))
        received = []
        while True:
            message = await self.ws.receive(timeout=10)
            if message.type is not aiohttp.WSMsgType.TEXT:
                raise AssertionError(
                    f"connection ended after {frame!r}: {message.type} {self.ws.close_code}"
                )
            parsed = json.loads(message.data)
            if parsed[:2] == [3, probe]:
                return received
            received.append(parsed)

    def close(self) -> None:
        async def _close() -> None:
            if self.ws is not None:
                await self.ws.close()
            if self.session is not None:
                await self.session.close()

        self.run(_close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def readable_call_id(frame: str) -> str | None:
    """The unique id of a well-formed CALL, which must be answered exactly once."""
    try:
        # Strict JSON (RFC 8259): Python reads Infinity and NaN, which are not JSON, so a
        # frame holding one is not readable at all, as for the server.
        data = json.loads(frame, parse_constant=_not_json)
    except ValueError:
        return None
    if (
        isinstance(data, list)
        and len(data) == 4
        and data[0] == 2
        and type(data[0]) is int
        and isinstance(data[1], str)
        and 0 < len(data[1]) <= 36
        and isinstance(data[2], str)
        and data[2]
        and (data[3] is None or isinstance(data[3], dict))
    ):
        return data[1]
    return None


BOOT_201 = {"reason": "PowerUp", "chargingStation": {"vendorName": "V", "model": "M"}}
BOOT_16 = {"chargePointVendor": "V", "chargePointModel": "M"}


@pytest.fixture(params=["ocpp1.6", "ocpp2.0.1"])
def wire(
    start_server: Callable[..., ServerProcess], request: pytest.FixtureRequest
) -> Iterator[Wire]:
    server = start_server()
    wire = Wire(f"{server.base_url}/ocpp/FUZZ-1", request.param)
    if wire.protocol == "ocpp2.0.1":
        # B02.FR.09: a 2.0.1 station is refused everything (SecurityError) until its
        # boot is Accepted; boot first so that the probes and the fuzzed CALLs are served.
        answers = wire.run(wire.exchange(json.dumps([2, "boot-0", "BootNotification", BOOT_201])))
        assert answers == [[3, "boot-0", answers[0][2]]]
        assert answers[0][2]["status"] == "Accepted"
    yield wire
    wire.close()
    assert server.health().get("status") == "ok"


def test_generated_frames_never_kill_the_server_and_get_spec_answers(wire: Wire) -> None:
    allowed = ALLOWED_ERRORS_201 if wire.protocol == "ocpp2.0.1" else ALLOWED_ERRORS

    @settings(
        max_examples=250, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(frame=frames)
    def check(frame: str) -> None:
        if frame.startswith("[2,") and "probe-" in frame:
            return  # a generated id could collide with our probes
        answers = wire.run(wire.exchange(frame))
        assert len(answers) <= 1, answers
        for answer in answers:
            assert answer[0] in (3, 4), answer
            if answer[0] == 4:
                assert answer[2] in allowed, answer
                assert isinstance(answer[3], str)
                assert isinstance(answer[4], dict)
        expected = readable_call_id(frame)
        if expected is not None:
            assert [a[1] for a in answers] == [expected], (frame, answers)

    check()
    # A good charge point is still served on the same connection afterwards.
    boot = BOOT_201 if wire.protocol == "ocpp2.0.1" else BOOT_16
    answers = wire.run(wire.exchange(json.dumps([2, "boot", "BootNotification", boot])))
    assert answers[0][:2] == [3, "boot"]
