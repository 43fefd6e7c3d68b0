"""Deterministic aggregate ids derived from natural keys.

Deriving ids (uuid5) instead of storing lookup tables means a charge box or a
charging session can be found from what the charge point sends, on any node,
without a query.
"""

from __future__ import annotations

from uuid import UUID, uuid5

NAMESPACE = UUID("6f1c5a4e-8f0d-4f7e-9a43-5a0c1b2c3d4e")
DEFAULT_TENANT = "default"


def charge_box_id(tenant_id: str, charge_box_id: str) -> UUID:
    """Id of the `ChargeBox` aggregate of `charge_box_id` within `tenant_id`."""
    return uuid5(NAMESPACE, f"charge-box/{tenant_id}/{charge_box_id}")


def node_id(node: str) -> UUID:
    """Id of the `Node` aggregate of a server node."""
    return uuid5(NAMESPACE, f"node/{node}")
