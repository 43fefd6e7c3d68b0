"""Every projection, in the order they apply each batch (some read `rm_charge_boxes`)."""

from __future__ import annotations

from cs.projections.base import Projection
from cs.projections.certificates import CertificatesProjection
from cs.projections.charge_boxes import ChargeBoxesProjection
from cs.projections.commands import CommandsProjection
from cs.projections.connections import ConnectionsProjection
from cs.projections.device_model import DeviceModelProjection
from cs.projections.id_tags import IdTagsProjection
from cs.projections.sessions import SessionsProjection


def all_projections() -> list[Projection]:
    """Fresh instances of every projection (they hold no state between batches)."""
    return [
        ConnectionsProjection(),
        ChargeBoxesProjection(),
        SessionsProjection(),
        IdTagsProjection(),
        CommandsProjection(),
        DeviceModelProjection(),
        CertificatesProjection(),
    ]
