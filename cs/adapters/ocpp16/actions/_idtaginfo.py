"""IdTagInfo (OCPP 1.6 section 7.18) from the domain's answer about an id tag."""

from __future__ import annotations

from typing import Any

from cs.adapters.ocpp16.timestamps import format_datetime
from cs.domain.authorization import IdTagInfo


def id_tag_info(info: IdTagInfo) -> dict[str, Any]:
    payload: dict[str, Any] = {"status": info.status.value}
    if info.expiry_date is not None:
        payload["expiryDate"] = format_datetime(info.expiry_date)
    if info.parent_id_tag is not None:
        payload["parentIdTag"] = info.parent_id_tag
    return payload
