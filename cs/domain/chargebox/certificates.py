"""The certificates an OCPP 2.0.1 station holds, as its answers told them (Part 2 block M).

A station's installed certificates are known only from what it answers:
GetInstalledCertificateIds lists those of the types asked (M03: all types when none
is named), an Accepted InstallCertificate adds one (M05), an Accepted DeleteCertificate
removes one (M04). This part holds no state: it records each answer for the
certificates read model, where a listing replaces what was known of its types.
Event: `CertificatesAnswered`.

A certificate is a dict: `certificate_type`, `hash_algorithm`, `issuer_name_hash`,
`issuer_key_hash`, `serial_number` (CertificateHashDataType, Part 2 section 2.6) and
`child_certificates` (the hash data of a chain's sub-CA certificates, as sent).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cs.domain.chargebox.part import Event, Part

LISTED, INSTALLED, DELETED = "listed", "installed", "deleted"


class CertificatesAnswered(Event):
    """A certificate command answered Accepted (or NotFound, for a listing).

    `kind`: `listed` (the station holds exactly `certificates` of `certificate_types`,
    every type when empty), `installed` or `deleted` (one certificate in `certificates`).
    """

    TOPIC = "cs.ChargeBox.CertificatesAnswered"
    kind: str
    certificate_types: list[str]
    certificates: list[dict[str, Any]]
    command_id: str


class Certificates(Part):
    """The certificates part of a charge box: records answers, decides nothing."""

    def certificates_answered(
        self,
        kind: str,
        certificate_types: list[str],
        certificates: list[dict[str, Any]],
        *,
        command_id: str,
        at: datetime,
    ) -> None:
        self.trigger_event(
            CertificatesAnswered,
            timestamp=at,
            kind=kind,
            certificate_types=certificate_types,
            certificates=certificates,
            command_id=command_id,
        )
