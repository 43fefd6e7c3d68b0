"""Deterministic aggregate ids derived from natural keys.

Deriving ids (uuid5) instead of storing lookup tables means a charge box or a
charging session can be found from what the charge point sends, on any node,
without a query. The functions are pure, so they are memoised: uuid5 is a SHA-1.
"""

from __future__ import annotations

from functools import lru_cache
from uuid import UUID, uuid5

NAMESPACE = UUID("6f1c5a4e-8f0d-4f7e-9a43-5a0c1b2c3d4e")
DEFAULT_TENANT = "default"


@lru_cache(maxsize=65_536)
def charge_box_id(tenant_id: str, charge_box_id: str) -> UUID:
    """Id of the `ChargeBox` aggregate of `charge_box_id` within `tenant_id`."""
    return uuid5(NAMESPACE, f"charge-box/{tenant_id}/{charge_box_id}")


@lru_cache(maxsize=65_536)
def node_id(node: str) -> UUID:
    """Id of the `Node` aggregate of a server node."""
    return uuid5(NAMESPACE, f"node/{node}")


def normalise_id_tag(id_tag: str) -> str:
    """OCPP id tags are CiString20: compared case-insensitively."""
    return id_tag.strip().upper()


@lru_cache(maxsize=65_536)
def id_tag_id(tenant_id: str, id_tag: str) -> UUID:
    """Id of the `IdTag` aggregate of a token within a tenant."""
    return uuid5(NAMESPACE, f"id-tag/{tenant_id}/{normalise_id_tag(id_tag)}")


@lru_cache(maxsize=65_536)
def session_id(transaction_id: int) -> UUID:
    """Id of the `ChargingSession` of an OCPP 1.6 transaction id (unique across nodes)."""
    return uuid5(NAMESPACE, f"ocpp16-tx/{transaction_id}")


@lru_cache(maxsize=65_536)
def start_key_id(key: str) -> UUID:
    """Id of the `StartKey` that makes a retried StartTransaction idempotent."""
    return uuid5(NAMESPACE, f"ocpp16-start/{key}")
