"""Mapping a batch of events to messages, through the contract (`contract.py`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from cs.adapters.amqp.contract import Lookups, MissingContextError, OutgoingMessage, messages_for

log = logging.getLogger(__name__)


def messages_of(
    name: str, events: Sequence[Any], lookups: Lookups
) -> tuple[list[OutgoingMessage], int]:
    """The messages of `events` in log order, and how many events could not be mapped.

    An event whose context is missing is not published (half a message is worse than
    none) and is logged as an error, never silently dropped; the batch goes on.
    """
    messages: list[OutgoingMessage] = []
    skipped = 0
    for event in events:
        try:
            messages.extend(messages_for(event, lookups))
        except MissingContextError as error:
            skipped += 1
            log.error("relay %r: not published: %s", name, error)
    return messages, skipped
