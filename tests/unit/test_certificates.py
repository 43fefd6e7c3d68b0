"""The file certificate authority (`cs.adapters.certificates`): what it signs, what not."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from cs.adapters.certificates import FileCertificateAuthority
from cs.app.ports import CertificateRefusedError
from tests.support.pki import chain_of, make_ca, make_csr


@pytest.fixture
def authority(tmp_path: Path) -> FileCertificateAuthority:
    return FileCertificateAuthority(*make_ca(tmp_path), days=30)


def test_a_csr_in_the_stations_name_is_signed_by_the_ca(
    authority: FileCertificateAuthority,
) -> None:
    leaf, ca = chain_of(authority.sign(make_csr("CP-7"), "CP-7"))
    assert leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "CP-7"
    assert leaf.issuer == ca.subject
    leaf.verify_directly_issued_by(ca)  # raises if the CA did not sign it
    usage = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.CLIENT_AUTH in list(usage)
    assert (leaf.not_valid_after_utc - leaf.not_valid_before_utc).days == 30


def test_a_csr_in_another_stations_name_is_refused(authority: FileCertificateAuthority) -> None:
    with pytest.raises(CertificateRefusedError, match="commonName 'CP-8'"):
        authority.sign(make_csr("CP-8"), "CP-7")


def test_what_is_not_a_csr_is_refused(authority: FileCertificateAuthority) -> None:
    with pytest.raises(CertificateRefusedError, match="not a PEM"):
        authority.sign("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n", "CP-7")
