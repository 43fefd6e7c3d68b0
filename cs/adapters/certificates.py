"""A certificate authority from two files: signs stations' CSRs (OCPP 2.0.1 A02/A03, 1.6
Security Whitepaper section 3.2), with the `cryptography` package.

The operator gives a CA certificate and its (unencrypted) private key as PEM files
(`CS_CA_CERT_FILE`, `CS_CA_KEY_FILE`). A CSR is signed only if its own signature holds
and its subject's commonName is the station's identity (2.0.1 Part 2 A00 "Certificate
properties": the Charging Station certificate's CN is its identity, so a station cannot
obtain a certificate in another's name). The certificate is a client certificate
(clientAuth), valid for `days`, and the chain returned is it followed by the CA's.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from cs.app.ports import CertificateRefusedError


class FileCertificateAuthority:
    """A `CertificateSigner` over a CA certificate and key read once, at start."""

    def __init__(self, certificate: Path, key: Path, *, days: int = 365) -> None:
        self._ca = x509.load_pem_x509_certificate(certificate.read_bytes())
        loaded = serialization.load_pem_private_key(key.read_bytes(), password=None)
        if not isinstance(loaded, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise ValueError("the CA key must be an RSA or an elliptic curve key")
        self._key = loaded
        self._days = days
        self._ca_pem = self._ca.public_bytes(serialization.Encoding.PEM).decode()

    def sign(self, csr_pem: str, charge_box_id: str) -> str:
        try:
            csr = x509.load_pem_x509_csr(csr_pem.encode())
        except ValueError:
            raise CertificateRefusedError("not a PEM certificate signing request") from None
        if not csr.is_signature_valid:
            raise CertificateRefusedError("the CSR's signature does not verify")
        names = csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        common_name = str(names[0].value) if names else None
        if common_name != charge_box_id:
            raise CertificateRefusedError(
                f"the CSR's commonName {common_name!r} is not the station's id {charge_box_id!r}"
            )
        now = datetime.now(UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(csr.subject)
            .issuer_name(self._ca.subject)
            .public_key(csr.public_key())
            .serial_number(int.from_bytes(secrets.token_bytes(16), "big") >> 1)
            .not_valid_before(now - timedelta(minutes=5))  # a station's clock may lag
            .not_valid_after(now + timedelta(days=self._days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(self._key, hashes.SHA256())
        )
        return certificate.public_bytes(serialization.Encoding.PEM).decode() + self._ca_pem
