"""The device model of an OCPP 2.0.1 station: its components, variables and attributes.

What the station reported (NotifyReport parts, B07/B08) and what GetVariables and
SetVariables answers established (B06/B05), on the record for the variables read model.
It holds no state: a report is assembled by applying its parts, each an upsert of the
variables it carries, so a part replayed after a reconnect changes nothing twice.
Events: `DeviceModelReported`, `VariablesAnswered`.

A variable is a dict: `component`, `component_instance`, `evse_id`, `connector_id`,
`variable`, `variable_instance`, `attribute_type`, `value` and, from reports,
`mutability`, `persistent`, `constant`, `characteristics` (unit, data type, limits,
values list, as sent).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cs.domain.chargebox.part import Event, Part


class DeviceModelReported(Event):
    """One NotifyReport part: `seq_no` of the report `request_id`; `tbc`: more to come."""

    TOPIC = "cs.ChargeBox.DeviceModelReported"
    request_id: int
    seq_no: int
    tbc: bool
    generated_at: datetime
    variables: list[dict[str, Any]]
    connection_id: str
    message_id: str


class VariablesAnswered(Event):
    """GetVariables (`kind` read) or SetVariables (`kind` set) answered: one result each.

    A result's `status` is the station's attributeStatus; only Accepted (and, for set,
    RebootRequired) results carry a value the station now holds.
    """

    TOPIC = "cs.ChargeBox.VariablesAnswered"
    kind: str
    results: list[dict[str, Any]]
    command_id: str


class DeviceModel(Part):
    """The device model part of a charge box: records reports and answers, decides nothing."""

    def device_model_reported(
        self,
        request_id: int,
        seq_no: int,
        tbc: bool,
        generated_at: datetime,
        variables: list[dict[str, Any]],
        *,
        connection_id: str,
        message_id: str,
        at: datetime,
    ) -> None:
        self.trigger_event(
            DeviceModelReported,
            timestamp=at,
            request_id=request_id,
            seq_no=seq_no,
            tbc=tbc,
            generated_at=generated_at,
            variables=variables,
            connection_id=connection_id,
            message_id=message_id,
        )

    def variables_answered(
        self, kind: str, results: list[dict[str, Any]], *, command_id: str, at: datetime
    ) -> None:
        self.trigger_event(
            VariablesAnswered, timestamp=at, kind=kind, results=results, command_id=command_id
        )
