"""IdTagInfo (OCPP 1.6 section 7.18) from the domain's answer to the library's datatype."""

from __future__ import annotations

from ocpp.v16 import datatypes

from cs.adapters.ocpp16.timestamps import format_datetime
from cs.domain.authorization import IdTagInfo


def id_tag_info(info: IdTagInfo) -> datatypes.IdTagInfo:
    return datatypes.IdTagInfo(
        status=info.status.value,
        parent_id_tag=info.parent_id_tag,
        expiry_date=format_datetime(info.expiry_date) if info.expiry_date else None,
    )
