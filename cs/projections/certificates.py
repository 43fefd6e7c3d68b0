"""The installed certificates read model: what each OCPP 2.0.1 station told it holds.

A GetInstalledCertificateIds answer replaces the rows of the types it was asked for
(every type when none was named, M03); an accepted InstallCertificate adds a row (M05),
an accepted DeleteCertificate removes one (M04). So after a listing the table is what
the station said, and between listings it follows what the station accepted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor
from psycopg.types.json import Jsonb

from cs.domain.chargebox import certificates
from cs.projections.base import topics_of

DDL = (
    """
    CREATE TABLE IF NOT EXISTS rm_certificates (
        tenant_id text NOT NULL,
        charge_box_id text NOT NULL,
        certificate_type text NOT NULL,
        hash_algorithm text NOT NULL,
        issuer_name_hash text NOT NULL,
        issuer_key_hash text NOT NULL,
        serial_number text NOT NULL,
        child_certificates jsonb NOT NULL DEFAULT '[]',
        source text NOT NULL,
        updated_at timestamptz NOT NULL,
        command_id text,
        PRIMARY KEY (tenant_id, charge_box_id, hash_algorithm, issuer_name_hash,
                     issuer_key_hash, serial_number)
    )
    """,
)

_BOX = "SELECT tenant_id, charge_box_id FROM rm_charge_boxes WHERE aggregate_id = %s"
_KEY = ("hash_algorithm", "issuer_name_hash", "issuer_key_hash", "serial_number")

CERTIFICATES = (
    "SELECT certificate_type, hash_algorithm, issuer_name_hash, issuer_key_hash, "
    "serial_number, child_certificates, source, updated_at, command_id FROM rm_certificates "
    "WHERE tenant_id = %(t)s AND charge_box_id = %(b)s "
    "AND (%(type)s::text IS NULL OR certificate_type = %(type)s) "
    "ORDER BY certificate_type, serial_number, hash_algorithm"
)


class CertificatesProjection:
    """Projects certificate command answers into `rm_certificates`.

    It writes only its own table; it reads `rm_charge_boxes` to name a box, which is
    why it runs after that projection.
    """

    name: str = "certificates"
    tables: tuple[str, ...] = ("rm_certificates",)
    ddl: tuple[str, ...] = DDL
    topics: tuple[str, ...] = topics_of(certificates.CertificatesAnswered)

    def apply(self, cursor: Cursor[Any], events: Sequence[Any]) -> None:
        for event in events:
            self.handle(event, cursor)

    def handle(self, event: certificates.CertificatesAnswered, cursor: Cursor[Any]) -> None:
        at, box = event.timestamp, event.originator_id
        if event.kind in (certificates.LISTED, certificates.DELETED):
            listed = event.kind == certificates.LISTED
            # A listing says what is held of its types: what it leaves out is gone.
            cursor.execute(
                "DELETE FROM rm_certificates c USING rm_charge_boxes b "
                "WHERE b.aggregate_id = %s AND c.tenant_id = b.tenant_id "
                "AND c.charge_box_id = b.charge_box_id AND c.certificate_type = ANY(%s)"
                if listed
                else "DELETE FROM rm_certificates c USING rm_charge_boxes b "
                "WHERE b.aggregate_id = %s AND c.tenant_id = b.tenant_id "
                "AND c.charge_box_id = b.charge_box_id AND c.serial_number = %s "
                "AND c.issuer_name_hash = %s AND c.issuer_key_hash = %s",
                (box, event.certificate_types or list(ALL_TYPES))
                if listed
                else (box, *_identity(event.certificates[0])),
            )
            if not listed:
                return
        source = "report" if event.kind == certificates.LISTED else "install"
        cursor.executemany(
            "INSERT INTO rm_certificates (tenant_id, charge_box_id, certificate_type, "
            "hash_algorithm, issuer_name_hash, issuer_key_hash, serial_number, "
            "child_certificates, source, updated_at, command_id) "
            f"SELECT tenant_id, charge_box_id, %s, %s, %s, %s, %s, %s, %s, %s, %s FROM ({_BOX}) b "
            "ON CONFLICT (tenant_id, charge_box_id, hash_algorithm, issuer_name_hash, "
            "issuer_key_hash, serial_number) DO UPDATE SET "
            "certificate_type = EXCLUDED.certificate_type, "
            "child_certificates = EXCLUDED.child_certificates, source = EXCLUDED.source, "
            "updated_at = EXCLUDED.updated_at, command_id = EXCLUDED.command_id",
            [
                (
                    item["certificate_type"],
                    *(item[part] for part in _KEY),
                    Jsonb(item.get("child_certificates") or []),
                    source,
                    at,
                    event.command_id,
                    box,
                )
                for item in event.certificates
            ],
        )


# GetCertificateIdUseEnumType (Part 2 section 3.37): what a listing of every type covers.
ALL_TYPES = (
    "V2GRootCertificate",
    "MORootCertificate",
    "CSMSRootCertificate",
    "V2GCertificateChain",
    "ManufacturerRootCertificate",
)


def _identity(item: dict[str, Any]) -> tuple[str, str, str]:
    """What a delete names: the serial and the issuer's hashes (their algorithm shows in
    their length, so it need not match too)."""
    return item["serial_number"], item["issuer_name_hash"], item["issuer_key_hash"]
