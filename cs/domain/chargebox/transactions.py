"""Connectors and transactions: which transaction is active on which connector.

Holds `active_transactions` (connector id, as a string, to transaction id; a
copy-on-write dict), and records what the box reports outside any transaction it
started. Events: `TransactionStarted`, `TransactionEnded`, `MeterValuesReported`,
`UnknownTransactionStopped`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cs.domain.chargebox.part import Event, Part


class TransactionStarted(Event):
    """A transaction became the active one on a connector."""

    TOPIC = "cs.ChargeBox.TransactionStarted"
    connector_id: int
    transaction_id: int

    def apply(self, box: Transactions) -> None:
        # Copy on write: state stays immutable, so a snapshot taken now stays true.
        box.active_transactions = {
            **box.active_transactions,
            str(self.connector_id): self.transaction_id,
        }


class TransactionEnded(Event):
    """A connector's transaction stopped (or was abandoned); `how` says which."""

    TOPIC = "cs.ChargeBox.TransactionEnded"
    connector_id: int
    transaction_id: int
    how: str

    def apply(self, box: Transactions) -> None:
        key = str(self.connector_id)
        if box.active_transactions.get(key) == self.transaction_id:
            box.active_transactions = {k: v for k, v in box.active_transactions.items() if k != key}


class MeterValuesReported(Event):
    """Meter values outside any known transaction (connector 0, clock-aligned, ...)."""

    TOPIC = "cs.ChargeBox.MeterValuesReported"
    connector_id: int
    transaction_id: int | None
    meter_values: list[dict[str, Any]]
    connection_id: str
    message_id: str


class UnknownTransactionStopped(Event):
    """A StopTransaction for a transaction this box never started (still confirmed)."""

    TOPIC = "cs.ChargeBox.UnknownTransactionStopped"
    transaction_id: int
    meter_stop: int
    stopped_at: datetime
    reason: str | None
    id_tag: str | None
    transaction_data: list[dict[str, Any]]
    connection_id: str
    message_id: str


class Transactions(Part):
    """The connectors part of a charge box: the active transaction of each connector."""

    active_transactions: dict[str, int]

    def _init_transactions(self) -> None:
        self.active_transactions = {}  # copy-on-write, see TransactionStarted

    def active_transaction(self, connector_id: int) -> int | None:
        """The transaction active on `connector_id`, if any."""
        return self.active_transactions.get(str(connector_id))

    def start_transaction(self, connector_id: int, transaction_id: int, at: datetime) -> None:
        self.trigger_event(
            TransactionStarted,
            timestamp=at,
            connector_id=connector_id,
            transaction_id=transaction_id,
        )

    def end_transaction(
        self, connector_id: int, transaction_id: int, how: str, at: datetime
    ) -> None:
        """End the connector's transaction; nothing when another one is active there."""
        if self.active_transaction(connector_id) == transaction_id:
            self.trigger_event(
                TransactionEnded,
                timestamp=at,
                connector_id=connector_id,
                transaction_id=transaction_id,
                how=how,
            )

    def report_meter_values(
        self,
        connector_id: int,
        transaction_id: int | None,
        meter_values: list[dict[str, Any]],
        *,
        connection_id: str,
        message_id: str,
        at: datetime,
    ) -> None:
        self.trigger_event(
            MeterValuesReported,
            timestamp=at,
            connector_id=connector_id,
            transaction_id=transaction_id,
            meter_values=meter_values,
            connection_id=connection_id,
            message_id=message_id,
        )

    def stop_unknown_transaction(
        self,
        transaction_id: int,
        *,
        meter_stop: int,
        stopped_at: datetime,
        reason: str | None,
        id_tag: str | None,
        transaction_data: list[dict[str, Any]],
        connection_id: str,
        message_id: str,
        at: datetime,
    ) -> None:
        self.trigger_event(
            UnknownTransactionStopped,
            timestamp=at,
            transaction_id=transaction_id,
            meter_stop=meter_stop,
            stopped_at=stopped_at,
            reason=reason,
            id_tag=id_tag,
            transaction_data=transaction_data,
            connection_id=connection_id,
            message_id=message_id,
        )
