"""Security profiles 2 and 3 over a real TLS listener (`cs serve` with CS_TLS_PORT).

Certificates are made for the test with the `openssl` command: a CA, the server's
certificate for 127.0.0.1, and charge box certificates whose common name is the box id.
"""

from __future__ import annotations

import base64
import json
import shutil
import ssl
import subprocess
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import psycopg
import pytest

from tests.support.server import ServerProcess, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
Start = Callable[..., ServerProcess]
KEY = "tls-profile-key-0123456789"


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA, a server certificate for 127.0.0.1, client certificates CB-3 and OTHER."""
    if shutil.which("openssl") is None:
        pytest.fail("the openssl command is needed to make test certificates", pytrace=False)
    d = tmp_path_factory.mktemp("pki")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=cs test CA",
            "-keyout", "ca.key", "-out", "ca.pem", cwd=d)  # fmt: skip
    (d / "server.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    for name, ext in (("server", ["-extfile", "server.ext"]), ("CB-3", []), ("OTHER", [])):
        cn = "127.0.0.1" if name == "server" else name
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={cn}",
                "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=d)  # fmt: skip
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-days", "2", "-out", f"{name}.pem", *ext, cwd=d)  # fmt: skip
    return d


@pytest.fixture
def server(start_server: Start, pki: Path) -> ServerProcess:
    tls_port = free_port()
    server = start_server(
        CS_TLS_PORT=str(tls_port),
        CS_TLS_CERT_FILE=str(pki / "server.pem"),
        CS_TLS_KEY_FILE=str(pki / "server.key"),
        CS_TLS_CLIENT_CA_FILE=str(pki / "ca.pem"),
        CS_UNKNOWN_CHARGE_BOXES="reject",
    )
    server.tls_url = f"https://127.0.0.1:{tls_port}"  # type: ignore[attr-defined]
    for box, body in (
        ("CB-2", {"security_profile": 2, "authorization_key": KEY}),
        ("CB-3", {"security_profile": 3}),
    ):
        request = urllib.request.Request(
            f"{server.base_url}/charge-boxes/{box}/security",
            data=json.dumps(body).encode(),
            method="PUT",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 201
    return server


def tls(pki: Path, client_cert: str | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(pki / "ca.pem"))
    if client_cert is not None:
        context.load_cert_chain(pki / f"{client_cert}.pem", pki / f"{client_cert}.key")
    return context


# What a station sends first once connected: 2.0.1 refuses all but a boot until Accepted.
FIRST = {
    "ocpp1.6": ["Heartbeat", {}],
    "ocpp2.0.1": [
        "BootNotification",
        {"reason": "PowerUp", "chargingStation": {"model": "M", "vendorName": "V"}},
    ],
}
VERSIONS = pytest.mark.parametrize("version", sorted(FIRST))


async def handshake(
    url: str,
    box: str,
    context: ssl.SSLContext | None,
    headers: dict[str, str] | None = None,
    version: str = "ocpp1.6",
) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session:
        try:
            ws = await session.ws_connect(
                f"{url}/ocpp/{box}", protocols=(version,), ssl=context or True, headers=headers
            )
        except aiohttp.WSServerHandshakeError as refused:
            return refused.status, refused.message
        assert ws.protocol == version
        await ws.send_str(json.dumps([2, "1", *FIRST[version]]))
        answer = json.loads((await ws.receive(timeout=10)).data)
        await ws.close()
        return 101, answer


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def profiles(server: ServerProcess, box: str) -> list[int]:
    with psycopg.connect(server.env["CS_DATABASE_URL"]) as conn:
        rows = conn.execute(
            "SELECT state FROM cs_events WHERE topic = 'cs.Connection.Opened'"
        ).fetchall()
    states = [json.loads(bytes(r[0])) for r in rows]
    return [s["security_profile"] for s in states if s["charge_box_id"] == box]


@VERSIONS
async def test_profile_2_needs_tls_and_the_password(
    server: ServerProcess, pki: Path, version: str
) -> None:
    url = server.tls_url  # type: ignore[attr-defined]
    status, answer = await handshake(url, "CB-2", tls(pki), basic("CB-2", KEY), version)
    assert status == 101
    assert answer[0] == 3
    wrong = basic("CB-2", "wrong-key-0000000000")
    assert (await handshake(url, "CB-2", tls(pki), wrong, version))[0] == 401
    assert (await handshake(url, "CB-2", tls(pki), None, version))[0] == 401
    ws_url = server.base_url.replace("http", "ws", 1)
    plain = await handshake(ws_url, "CB-2", None, basic("CB-2", KEY), version)
    assert plain[0] == 403
    assert profiles(server, "CB-2") == [2]


@VERSIONS
async def test_profile_3_needs_the_boxs_own_certificate(
    server: ServerProcess, pki: Path, version: str
) -> None:
    url = server.tls_url  # type: ignore[attr-defined]
    status, answer = await handshake(url, "CB-3", tls(pki, "CB-3"), None, version)
    assert status == 101
    assert answer[0] == 3
    assert (await handshake(url, "CB-3", tls(pki, "OTHER"), None, version))[0] == 401  # another's
    assert (await handshake(url, "CB-3", tls(pki), None, version))[0] == 401  # none
    assert profiles(server, "CB-3") == [3]


async def test_unknown_boxes_are_refused_over_tls_too(server: ServerProcess, pki: Path) -> None:
    url = server.tls_url  # type: ignore[attr-defined]
    assert (await handshake(url, "STRANGER", tls(pki, "OTHER")))[0] == 404
