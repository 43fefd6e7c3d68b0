"""End to end: the certificates a 2.0.1 station holds (Part 2 M03-M05), kept as a read model.

The station (on the `ocpp` library, over a real websocket) holds certificates and names
them by hash data it computes itself, independently of cs: the issuer name's DER and
the issuer's public key, hashed with SHA256, and the serial in hex. cs learns them from
its GetInstalledCertificateIds answers and its accepted installs and deletes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from ocpp.routing import on
from ocpp.v201 import ChargePoint, call, call_result

from tests.support.library_cp import LibraryChargePoint
from tests.support.pki import make_ca
from tests.support.server import ServerProcess, rest
from tests.support.waiting import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

Start = Callable[..., ServerProcess]


def hash_data(pem: str) -> dict[str, str]:
    """How the station names a self-signed certificate (OCSP CertID, RFC 6960 4.1.1)."""
    certificate = x509.load_pem_x509_certificate(pem.encode())
    point = certificate.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return {
        "hash_algorithm": "SHA256",
        "issuer_name_hash": hashlib.sha256(certificate.issuer.public_bytes()).hexdigest(),
        "issuer_key_hash": hashlib.sha256(point).hexdigest(),
        "serial_number": format(certificate.serial_number, "X"),  # upper case, as some do
    }


class Station(ChargePoint):  # type: ignore[misc]
    """A 2.0.1 station with a certificate store."""

    held: dict[str, tuple[str, dict[str, str]]]  # serial -> (type, hash data)

    @on("GetInstalledCertificateIds")  # type: ignore[misc]
    def listed(self, certificate_type: list[str] | None = None, **_: Any) -> Any:
        chains = [
            {"certificate_type": kind, "certificate_hash_data": data}
            for kind, data in self.held.values()
            if not certificate_type or kind in certificate_type
        ]
        if not chains:
            return call_result.GetInstalledCertificateIds(status="NotFound")
        return call_result.GetInstalledCertificateIds(
            status="Accepted", certificate_hash_data_chain=chains
        )

    @on("InstallCertificate")  # type: ignore[misc]
    def install(self, certificate_type: str, certificate: str, **_: Any) -> Any:
        data = hash_data(certificate)
        self.held[data["serial_number"]] = (certificate_type, data)
        return call_result.InstallCertificate(status="Accepted")

    @on("DeleteCertificate")  # type: ignore[misc]
    def delete(self, certificate_hash_data: dict[str, str], **_: Any) -> Any:
        found = self.held.pop(certificate_hash_data["serial_number"].upper(), None)
        return call_result.DeleteCertificate(status="Accepted" if found else "NotFound")


async def command(server: ServerProcess, operation: str, body: Any) -> dict[str, Any]:
    status, answer = await rest(server, "POST", f"/charge-boxes/CERT-1/remote/{operation}", body)
    assert status == 200, (operation, answer)
    return dict(answer)


async def held(server: ServerProcess, wanted: set[str], query: str = "") -> list[dict[str, Any]]:
    """The read model's rows once they are exactly the certificates `wanted` (serials)."""

    def matches(result: tuple[int, Any]) -> bool:
        status, body = result
        return status == 200 and {row["serial_number"] for row in body["items"]} == wanted

    _, body = await eventually(
        lambda: rest(server, "GET", f"/charge-boxes/CERT-1/certificates{query}"),
        matches,
        what=f"certificates {sorted(wanted)}",
    )
    return list(body["items"])


def serial(pem: str) -> str:
    return format(x509.load_pem_x509_certificate(pem.encode()).serial_number, "x")


async def test_installed_certificates_follow_the_stations_answers(
    start_server: Start, tmp_path: Path
) -> None:
    server = start_server()
    factory, csms = tmp_path / "factory", tmp_path / "csms"
    factory.mkdir()
    csms.mkdir()
    manufacturer = make_ca(factory)[0].read_text()
    root = make_ca(csms)[0].read_text()
    station = LibraryChargePoint(server.base_url, "CERT-1", kind=Station, protocols=("ocpp2.0.1",))
    async with station as cp:
        cp.held = {}
        boot = call.BootNotification(
            charging_station={"model": "M", "vendor_name": "V"}, reason="PowerUp"
        )
        await cp.call(boot)

        answer = await command(server, "get-installed-certificate-ids", {})
        assert answer["answer"]["status"] == "NotFound"
        assert await held(server, set()) == []

        # Installed at the factory: cs learns of it from a listing.
        cp.held[hash_data(manufacturer)["serial_number"]] = (
            "ManufacturerRootCertificate",
            hash_data(manufacturer),
        )
        await command(server, "get-installed-certificate-ids", {})
        (listed,) = await held(server, {serial(manufacturer)})
        assert (listed["certificate_type"], listed["source"]) == (
            "ManufacturerRootCertificate",
            "report",
        )

        # Installed by the operator: known at once, named as the station names it.
        answer = await command(
            server,
            "install-certificate",
            {"certificate_type": "CSMSRootCertificate", "certificate": root},
        )
        assert answer["answer"]["status"] == "Accepted"
        rows = await held(server, {serial(manufacturer), serial(root)})
        (installed,) = [row for row in rows if row["source"] == "install"]
        station_says = hash_data(root)
        assert installed["certificate_type"] == "CSMSRootCertificate"
        assert installed["issuer_name_hash"] == station_says["issuer_name_hash"]
        assert installed["issuer_key_hash"] == station_says["issuer_key_hash"]
        assert installed["serial_number"] == station_says["serial_number"].lower()
        filtered = await held(server, {serial(root)}, "?certificate_type=CSMSRootCertificate")
        assert filtered[0]["command_id"] == answer["command_id"]

        # Deleted with the hash data the read model shows: gone from both.
        delete = {key: installed[key] for key in station_says}
        answer = await command(server, "delete-certificate", {"certificate_hash_data": delete})
        assert answer["answer"]["status"] == "Accepted"
        await held(server, {serial(manufacturer)})

        # A listing replaces what was known of its types, and only of those.
        cp.held.clear()
        await command(
            server, "get-installed-certificate-ids", {"certificate_type": ["V2GRootCertificate"]}
        )
        await command(
            server,
            "install-certificate",
            {"certificate_type": "CSMSRootCertificate", "certificate": root},
        )
        # (projected in order: the V2G listing left the manufacturer's root alone)
        await held(server, {serial(manufacturer), serial(root)})
        await command(server, "get-installed-certificate-ids", {})
        await held(server, {serial(root)})

    status, error = await rest(
        server, "GET", "/charge-boxes/CERT-1/certificates?certificate_type=Nope"
    )
    assert status == 422
    assert "certificate_type" in str(error)
