"""Response models: the id tag registry."""

from __future__ import annotations

from datetime import datetime

from cs.http.models.base import Model, PageOut


# An id tag as registered: the `IdTag` aggregate's attributes of the same names.
class TokenOut(Model):
    tenant_id: str
    id_tag: str
    status: str | None
    expiry_date: datetime | None
    parent_id_tag: str | None
    active_transactions: list[int]


# A row of `rm_id_tags`, answered as the query returns it.
class TokenRowOut(TokenOut):
    updated_at: datetime
    last_decision: str | None
    last_decision_at: datetime | None
    last_charge_box_id: str | None


class TokenPage(PageOut[TokenRowOut]):
    """A page of registered id tags."""
