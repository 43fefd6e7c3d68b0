"""End to end: a station's Basic auth password rotated over its own protocol (OCPP 1.6
ChangeConfiguration AuthorizationKey, 2.0.1 SetVariables SecurityCtrlr.BasicAuthPassword).

The stored hash changes only when the station accepts; the password itself is sent to
the station and nowhere else: not in the command, the frame log, the store or a history.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp
import psycopg
import pytest
from ocpp.routing import on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call, call_result

from tests.support.library_cp import LibraryChargePoint, basic
from tests.support.server import ServerProcess, rest

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

Start = Callable[..., ServerProcess]
OLD = "old-password-0123456789"
NEW = "new-password-9876543210"


class Station201(ChargePoint201):  # type: ignore[misc]
    """Takes a new BasicAuthPassword unless told to refuse; keeps what it was sent."""

    answer = "Accepted"
    sent: list[dict[str, Any]]

    @on("SetVariables")  # type: ignore[misc]
    def set_variables(self, **fields: Any) -> call_result.SetVariables:
        self.sent.append(fields)
        return call_result.SetVariables(
            set_variable_result=[
                {
                    "attribute_status": self.answer,
                    "component": item["component"],
                    "variable": item["variable"],
                }
                for item in fields["set_variable_data"]
            ]
        )


class Station16(ChargePoint16):  # type: ignore[misc]
    answer = "Accepted"
    sent: list[dict[str, Any]]

    @on("ChangeConfiguration")  # type: ignore[misc]
    def change_configuration(self, **fields: Any) -> result16.ChangeConfiguration:
        self.sent.append(fields)
        return result16.ChangeConfiguration(status=self.answer)


async def handshake(server: ServerProcess, box: str, password: str, protocol: str) -> int:
    async with aiohttp.ClientSession() as session:
        try:
            ws = await session.ws_connect(
                f"{server.base_url}/ocpp/{box}",
                protocols=(protocol,),
                headers=basic(box, password),
            )
        except aiohttp.WSServerHandshakeError as refused:
            return refused.status
        await ws.close()
        return 101


def stored_mentions(server: ServerProcess, text: str) -> int:
    with psycopg.connect(server.env["CS_DATABASE_URL"]) as conn:
        row = conn.execute(
            "SELECT count(*) FROM cs_events WHERE position(%s::bytea in state) > 0",
            (text.encode(),),
        ).fetchone()
    assert row is not None
    return int(row[0])


PASSWORD_201 = {
    "component": {"name": "SecurityCtrlr"},
    "variable": {"name": "BasicAuthPassword"},
}
VERSIONS = {
    "ocpp2.0.1": (
        Station201,
        "set-variables",
        lambda value: {"set_variable_data": [{**PASSWORD_201, "attribute_value": value}]},
        lambda sent: sent["set_variable_data"][0]["attribute_value"],
        lambda payload: payload["set_variable_data"][0]["attribute_value"],
    ),
    "ocpp1.6": (
        Station16,
        "change-configuration",
        lambda value: {"key": "AuthorizationKey", "value": value},
        lambda sent: sent["value"],
        lambda payload: payload["value"],
    ),
}


async def boot(cp: Any, protocol: str) -> None:
    if protocol == "ocpp2.0.1":
        await cp.call(
            call.BootNotification(
                charging_station={"model": "M", "vendor_name": "V"}, reason="PowerUp"
            )
        )
    else:
        await cp.call(call16.BootNotification(charge_point_model="M", charge_point_vendor="V"))


@pytest.mark.parametrize("protocol", sorted(VERSIONS))
async def test_a_password_the_station_accepts_replaces_the_stored_one_and_is_kept_nowhere(
    start_server: Start, protocol: str
) -> None:
    kind, operation, body, received, recorded = VERSIONS[protocol]
    server = start_server(CS_UNKNOWN_CHARGE_BOXES="reject")
    box = "PW-" + protocol[-3:].replace(".", "")
    status, _ = await rest(
        server,
        "PUT",
        f"/charge-boxes/{box}/security",
        {"security_profile": 1, "authorization_key": OLD},
    )
    assert status == 201

    def station() -> LibraryChargePoint:
        return LibraryChargePoint(
            server.base_url, box, kind=kind, protocols=(protocol,), password=OLD
        )

    async with station() as cp:
        cp.sent = []
        await boot(cp, protocol)
        cp.answer = "Rejected"
        status, answer = await rest(
            server, "POST", f"/charge-boxes/{box}/remote/{operation}", body("refused-9876543210")
        )
        assert status == 200, answer
        assert received(cp.sent[-1]) == "refused-9876543210"
    # Refused by the station: nothing changed, the old password still opens.
    assert await handshake(server, box, OLD, protocol) == 101

    async with station() as cp:
        cp.sent = []
        await boot(cp, protocol)
        status, answer = await rest(
            server, "POST", f"/charge-boxes/{box}/remote/{operation}", body(NEW)
        )
        assert status == 200, answer
        assert answer["status"] == "answered"
        assert received(cp.sent[-1]) == NEW  # the station got the password in clear
        assert recorded(answer["request"]) == "[redacted]"  # what the command shows

    assert await handshake(server, box, OLD, protocol) == 401
    assert await handshake(server, box, NEW, protocol) == 101

    status, history = await rest(server, "GET", f"/charge-boxes/{box}/history")
    assert status == 200
    assert NEW not in str(history)
    assert "refused-9876543210" not in str(history)
    assert "[redacted]" in str(history)  # the CALL frames are there, redacted
    assert stored_mentions(server, NEW) == 0
    assert stored_mentions(server, "refused-9876543210") == 0
    assert stored_mentions(server, "[redacted]") >= 4  # two commands, two frames
