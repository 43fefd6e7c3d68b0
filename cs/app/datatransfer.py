"""DataTransfer from charge points (OCPP 1.6 section 4.3): vendor handlers, plugged in.

A handler serves one vendor id (and optionally one message id). Register handlers in
the composition root:

    bootstrap(settings, data_transfer_handlers={
        ("com.acme", "GetPrice"): acme_price,        # one message id
        ("com.acme", None): acme_everything_else,    # any other message id
    })

A handler gets a `DataTransferRequest` and returns a `DataTransferAnswer`; it may be
async. A vendor without handlers is answered UnknownVendorId; a known vendor without a
handler for the message id, UnknownMessageId. Every transfer is recorded either way.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class DataTransferStatus(StrEnum):
    ACCEPTED = "Accepted"
    REJECTED = "Rejected"
    UNKNOWN_MESSAGE_ID = "UnknownMessageId"
    UNKNOWN_VENDOR_ID = "UnknownVendorId"


@dataclass(frozen=True)
class DataTransferRequest:
    tenant_id: str
    charge_box_id: str
    vendor_id: str
    message_id: str | None
    data: str | None


@dataclass(frozen=True)
class DataTransferAnswer:
    status: DataTransferStatus
    data: str | None = None


Handler = Callable[[DataTransferRequest], DataTransferAnswer | Awaitable[DataTransferAnswer]]
Key = tuple[str, str | None]

ECHO_VENDOR = "org.chargegrid"


def echo(request: DataTransferRequest) -> DataTransferAnswer:
    """Built in: vendor `org.chargegrid`, message `echo` answers the data it was sent."""
    return DataTransferAnswer(DataTransferStatus.ACCEPTED, request.data)


class DataTransferHandlers:
    """Vendor handlers by (vendor id, message id or None for any)."""

    def __init__(self, handlers: Mapping[Key, Handler] | None = None) -> None:
        self._handlers: dict[Key, Handler] = {(ECHO_VENDOR, "echo"): echo}
        self._handlers.update(handlers or {})
        self._vendors = {vendor for vendor, _ in self._handlers}

    async def answer(self, request: DataTransferRequest) -> DataTransferAnswer:
        handler = self._handlers.get((request.vendor_id, request.message_id))
        if handler is None:
            handler = self._handlers.get((request.vendor_id, None))
        if handler is None:
            status = (
                DataTransferStatus.UNKNOWN_MESSAGE_ID
                if request.vendor_id in self._vendors
                else DataTransferStatus.UNKNOWN_VENDOR_ID
            )
            return DataTransferAnswer(status)
        answer = handler(request)
        if inspect.isawaitable(answer):
            answer = await answer
        return answer
