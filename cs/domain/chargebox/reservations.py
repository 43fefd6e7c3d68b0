"""Reservations: connectors held for an id tag until an expiry date (OCPP 1.6 §5.13).

Holds `reservations` (reservation id, as a string, to its connector, tags and expiry;
a copy-on-write dict), and decides whether a StartTransaction may use one. Events:
`ReservationMade`, `ReservationEnded`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cs.domain.chargebox.part import Event, Part
from cs.domain.ids import normalise_id_tag


class ReservationMade(Event):
    """ReserveNow accepted (the reservation id is ours)."""

    TOPIC = "cs.ChargeBox.ReservationMade"
    reservation_id: int
    connector_id: int
    id_tag: str
    parent_id_tag: str | None
    expiry_date: datetime
    command_id: str

    def apply(self, box: Reservations) -> None:
        box.reservations = {
            **box.reservations,
            str(self.reservation_id): {
                "connector_id": self.connector_id,
                "id_tag": self.id_tag,
                "parent_id_tag": self.parent_id_tag,
                "expiry_date": self.expiry_date,
            },
        }


class ReservationEnded(Event):
    """A reservation is over: `how` is cancelled, fulfilled or expired."""

    TOPIC = "cs.ChargeBox.ReservationEnded"
    reservation_id: int
    how: str
    transaction_id: int | None
    command_id: str | None

    def apply(self, box: Reservations) -> None:
        key = str(self.reservation_id)
        box.reservations = {k: v for k, v in box.reservations.items() if k != key}


class Reservations(Part):
    """The reservations part of a charge box: the reservations not yet over."""

    reservations: dict[str, dict[str, Any]]

    def _init_reservations(self) -> None:
        self.reservations = {}  # copy-on-write: never mutated in place

    def reservation_made(
        self,
        reservation_id: int,
        connector_id: int,
        id_tag: str,
        parent_id_tag: str | None,
        expiry_date: datetime,
        *,
        command_id: str,
        at: datetime,
    ) -> None:
        self.trigger_event(
            ReservationMade,
            timestamp=at,
            reservation_id=reservation_id,
            connector_id=connector_id,
            id_tag=id_tag,
            parent_id_tag=parent_id_tag,
            expiry_date=expiry_date,
            command_id=command_id,
        )

    def end_reservation(
        self,
        reservation_id: int,
        how: str,
        *,
        transaction_id: int | None = None,
        command_id: str | None = None,
        at: datetime,
    ) -> None:
        """End a reservation; nothing when it is not (or no longer) held."""
        if str(reservation_id) in self.reservations:
            self.trigger_event(
                ReservationEnded,
                timestamp=at,
                reservation_id=reservation_id,
                how=how,
                transaction_id=transaction_id,
                command_id=command_id,
            )

    def reservation_for(
        self,
        reservation_id: int,
        connector_id: int,
        id_tag: str,
        parent_id_tag: str | None,
        at: datetime,
    ) -> tuple[str, dict[str, Any]] | None:
        """(verdict, reservation) for a StartTransaction naming `reservation_id`.

        OCPP 1.6 section 5.13: a reservation is used by its id tag, or by a tag with the
        same parent id tag, on its connector (any connector for connector 0), and only
        before its expiry date.
        """
        reservation = self.reservations.get(str(reservation_id))
        if reservation is None:
            return None
        if reservation["expiry_date"] < at:
            return "expired", reservation
        tag_ok = _tag_may_use(reservation, id_tag, parent_id_tag)
        connector_ok = reservation["connector_id"] in (0, connector_id)
        return ("fulfilled" if tag_ok and connector_ok else "mismatch"), reservation


def _tag_may_use(reservation: dict[str, Any], id_tag: str, parent_id_tag: str | None) -> bool:
    """The reservation's own tag, or a tag with the same parent id tag."""
    if normalise_id_tag(id_tag) == normalise_id_tag(reservation["id_tag"]):
        return True
    reserved_parent = reservation.get("parent_id_tag")
    return (
        reserved_parent is not None
        and parent_id_tag is not None
        and normalise_id_tag(reserved_parent) == normalise_id_tag(parent_id_tag)
    )
