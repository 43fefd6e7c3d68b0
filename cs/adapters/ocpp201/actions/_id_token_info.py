"""IdTokenInfo (OCPP 2.0.1 Part 2 section 2.30) from the domain's answer about an id tag."""

from __future__ import annotations

from typing import Any

from cs.domain.authorization import IdTagInfo
from cs.domain.datetimes import format_datetime


def id_token_info(info: IdTagInfo) -> dict[str, Any]:
    """The status, the cache expiry and the group (1.6's parent id tag)."""
    payload: dict[str, Any] = {"status": info.status.value}
    if info.expiry_date is not None:
        payload["cacheExpiryDateTime"] = format_datetime(info.expiry_date)
    if info.parent_id_tag is not None:
        payload["groupIdToken"] = {"idToken": info.parent_id_tag, "type": "Central"}
    return payload
