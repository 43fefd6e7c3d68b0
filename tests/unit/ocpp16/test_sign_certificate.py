"""SignCertificate (OCPP 1.6 Security Whitepaper): recorded, answered Rejected (no CA yet)."""

from __future__ import annotations

from tests.support import promises
from tests.support.builders import a_sign_certificate
from tests.support.station import EXCHANGED, Node, Station

REQUESTED = "cs.ChargeBox.CertificateSigningRequested"


async def test_a_signing_request_is_rejected_while_no_authority_is_configured(
    node: Node, station: Station
) -> None:
    answer = await station.call("SignCertificate", a_sign_certificate())
    assert answer == [3, answer[1], {"status": "Rejected"}]


async def test_the_request_is_recorded_with_its_csr_and_our_answer(
    node: Node, station: Station
) -> None:
    csr = "-----BEGIN CERTIFICATE REQUEST-----\nMIICXjCCAUYCAQAw\n"
    await station.call("SignCertificate", a_sign_certificate(csr), unique_id="csr-1")
    assert node.last_unit() == [EXCHANGED, REQUESTED]
    requested = node.last_unit_events()[1]
    assert (requested.csr, requested.status, requested.message_id) == (csr, "Rejected", "csr-1")


async def test_a_csr_longer_than_5500_characters_is_refused(node: Node, station: Station) -> None:
    await promises.assert_refused_with(
        node, station, "SignCertificate", a_sign_certificate("C" * 5501), "TypeConstraintViolation"
    )


async def test_a_request_without_csr_is_a_protocol_error(node: Node, station: Station) -> None:
    await promises.assert_refused_with(node, station, "SignCertificate", {}, "ProtocolError")


async def test_an_uncommitted_request_is_answered_internal_error(
    node: Node, station: Station
) -> None:
    await promises.assert_an_uncommitted_answer_is_internal_error(
        node, station, "SignCertificate", a_sign_certificate()
    )
    assert REQUESTED not in node.log.topics()


async def test_a_retried_request_is_recorded_once(node: Node, station: Station) -> None:
    await promises.assert_a_retry_is_answered_again_without_a_second_effect(
        node, station, "SignCertificate", a_sign_certificate()
    )
    assert node.log.topics().count(REQUESTED) == 1


async def test_a_box_whose_boot_was_rejected_gets_security_error() -> None:
    await promises.assert_a_rejected_box_gets_security_error(
        "SignCertificate", a_sign_certificate()
    )
