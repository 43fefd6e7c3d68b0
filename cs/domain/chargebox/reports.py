"""Reports and vendor data: what the box tells of its background work, on the record.

Firmware, diagnostics and log status reports, security events, certificate signing
requests and vendor-specific DataTransfers, each with what we answered. It holds no
state: nothing here changes a decision. Events: `Reported`, `SecurityEventReported`,
`CertificateSigningRequested`, `DataTransferred`.
"""

from __future__ import annotations

from datetime import datetime

from cs.domain.chargebox.part import Event, Part


class Reported(Event):
    """A status report of a background activity of the charge box.

    `subject` names it: `firmware` (FirmwareStatusNotification), `diagnostics`
    (DiagnosticsStatusNotification), `signed_firmware` (SignedFirmwareStatusNotification)
    or `log` (LogStatusNotification); `request_id` where the message has one.
    """

    TOPIC = "cs.ChargeBox.Reported"
    subject: str
    status: str
    request_id: int | None
    connection_id: str
    message_id: str


class SecurityEventReported(Event):
    """A SecurityEventNotification (OCPP 1.6 Security Whitepaper)."""

    TOPIC = "cs.ChargeBox.SecurityEventReported"
    event_type: str
    occurred_at: datetime
    tech_info: str | None
    connection_id: str
    message_id: str


class CertificateSigningRequested(Event):
    """A SignCertificate request (a CSR) and our answer."""

    TOPIC = "cs.ChargeBox.CertificateSigningRequested"
    csr: str
    status: str
    connection_id: str
    message_id: str


class DataTransferred(Event):
    """A vendor-specific DataTransfer from the charge box, and what we answered."""

    TOPIC = "cs.ChargeBox.DataTransferred"
    vendor_id: str
    data_message_id: str | None
    data: str | None
    status: str
    answer_data: str | None
    connection_id: str
    message_id: str


class Reports(Part):
    """The reports part of a charge box: records what it reports, decides nothing."""

    def report(
        self,
        subject: str,
        status: str,
        *,
        request_id: int | None,
        connection_id: str,
        message_id: str,
        at: datetime,
    ) -> None:
        self.trigger_event(
            Reported,
            timestamp=at,
            subject=subject,
            status=status,
            request_id=request_id,
            connection_id=connection_id,
            message_id=message_id,
        )

    def report_security_event(
        self,
        event_type: str,
        occurred_at: datetime,
        tech_info: str | None,
        *,
        connection_id: str,
        message_id: str,
        at: datetime,
    ) -> None:
        self.trigger_event(
            SecurityEventReported,
            timestamp=at,
            event_type=event_type,
            occurred_at=occurred_at,
            tech_info=tech_info,
            connection_id=connection_id,
            message_id=message_id,
        )

    def request_certificate(
        self, csr: str, *, status: str, connection_id: str, message_id: str, at: datetime
    ) -> None:
        self.trigger_event(
            CertificateSigningRequested,
            timestamp=at,
            csr=csr,
            status=status,
            connection_id=connection_id,
            message_id=message_id,
        )

    def transfer_data(
        self,
        vendor_id: str,
        data_message_id: str | None,
        data: str | None,
        *,
        status: str,
        answer_data: str | None,
        connection_id: str,
        message_id: str,
        at: datetime,
    ) -> None:
        self.trigger_event(
            DataTransferred,
            timestamp=at,
            vendor_id=vendor_id,
            data_message_id=data_message_id,
            data=data,
            status=status,
            answer_data=answer_data,
            connection_id=connection_id,
            message_id=message_id,
        )
