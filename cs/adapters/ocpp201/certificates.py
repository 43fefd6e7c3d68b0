"""What a 2.0.1 station's certificate answers establish (Part 2 block M): what it holds.

GetInstalledCertificateIds (M03) lists the certificates of the types asked for (NotFound:
none); an Accepted InstallCertificate (M05) adds the certificate sent, named by the
hash data the station would list it with; an Accepted DeleteCertificate (M04) removes
the one named. Hash data is CertificateHashDataType (section 2.6): the hashes of the
issuer's name and key and the serial number, as an OCSP CertID names a certificate
(RFC 6960 section 4.1.1), which is how stations compute it. Hex is kept lower case, the
serial without leading zeroes, so that a listing and a delete name a certificate alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509 import ocsp

from cs.app.commands import effects as fx
from cs.app.commands.calls import Payload
from cs.domain.chargebox.certificates import DELETED, INSTALLED, LISTED


def hash_record(hash_data: dict[str, Any], certificate_type: str) -> dict[str, Any]:
    """One certificate as the read model keeps it, from a CertificateHashDataType."""
    return {
        "certificate_type": certificate_type,
        "hash_algorithm": str(hash_data["hashAlgorithm"]),
        "issuer_name_hash": str(hash_data["issuerNameHash"]).lower(),
        "issuer_key_hash": str(hash_data["issuerKeyHash"]).lower(),
        "serial_number": str(hash_data["serialNumber"]).lower().lstrip("0") or "0",
    }


def installed_hash_data(pem: str) -> dict[str, Any] | None:
    """The SHA256 hash data of a self-signed (root) certificate, None for any other.

    InstallCertificate installs CA roots (M05); the issuer key hash of a certificate
    signed by another needs that issuer's key, which the request does not carry: such a
    certificate is known from the next GetInstalledCertificateIds.
    """
    try:
        certificate = x509.load_pem_x509_certificate(pem.encode())
    except ValueError:
        return None
    if certificate.issuer != certificate.subject:
        return None
    request = (
        ocsp.OCSPRequestBuilder().add_certificate(certificate, certificate, hashes.SHA256()).build()
    )
    return {
        "hashAlgorithm": "SHA256",
        "issuerNameHash": request.issuer_name_hash.hex(),
        "issuerKeyHash": request.issuer_key_hash.hex(),
        "serialNumber": format(request.serial_number, "x"),
    }


def listed(sent: Payload, result: Payload) -> Sequence[fx.Fact]:
    """GetInstalledCertificateIds answered: Accepted lists them, NotFound means none."""
    if result.get("status") not in ("Accepted", "NotFound"):
        return []
    accepted = result["status"] == "Accepted"
    chains = (result.get("certificateHashDataChain") or []) if accepted else []
    records = []
    for chain in chains:
        record = hash_record(chain["certificateHashData"], str(chain["certificateType"]))
        record["child_certificates"] = [
            hash_record(child, str(chain["certificateType"]))
            for child in chain.get("childCertificateHashData") or []
        ]
        records.append(record)
    types = [str(kind) for kind in sent.get("certificateType") or []]
    return [fx.CertificatesAnswered(LISTED, types, records)]


def installed(sent: Payload, result: Payload) -> Sequence[fx.Fact]:
    if result.get("status") != "Accepted":
        return []
    hash_data = installed_hash_data(str(sent.get("certificate", "")))
    if hash_data is None:
        return []
    kind = str(sent["certificateType"])
    return [fx.CertificatesAnswered(INSTALLED, [kind], [hash_record(hash_data, kind)])]


def deleted(sent: Payload, result: Payload) -> Sequence[fx.Fact]:
    if result.get("status") != "Accepted":
        return []
    record = hash_record(sent["certificateHashData"], "")
    return [fx.CertificatesAnswered(DELETED, [], [record])]
