from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cs.domain.authorization import (
    AuthorizationStatus as S,
)
from cs.domain.authorization import (
    Registration,
    UnknownTagPolicy,
    decide,
)

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("registration", "policy", "in_session", "expected"),
    [
        (None, UnknownTagPolicy.REJECT, False, S.INVALID),
        (None, UnknownTagPolicy.ACCEPT, False, S.ACCEPTED),
        (None, UnknownTagPolicy.ACCEPT, True, S.CONCURRENT_TX),
        (Registration(S.ACCEPTED, None, None), UnknownTagPolicy.REJECT, False, S.ACCEPTED),
        (Registration(S.ACCEPTED, None, None), UnknownTagPolicy.REJECT, True, S.CONCURRENT_TX),
        (
            Registration(S.ACCEPTED, NOW - timedelta(seconds=1), None),
            UnknownTagPolicy.ACCEPT,
            False,
            S.EXPIRED,
        ),
        (
            Registration(S.ACCEPTED, NOW + timedelta(days=1), None),
            UnknownTagPolicy.REJECT,
            False,
            S.ACCEPTED,
        ),
        (Registration(S.BLOCKED, None, None), UnknownTagPolicy.ACCEPT, False, S.BLOCKED),
        (Registration(S.BLOCKED, None, None), UnknownTagPolicy.ACCEPT, True, S.BLOCKED),
        (Registration(S.INVALID, None, None), UnknownTagPolicy.ACCEPT, False, S.INVALID),
        (Registration(S.EXPIRED, None, None), UnknownTagPolicy.ACCEPT, False, S.EXPIRED),
    ],
)
def test_the_authorization_rule(
    registration: Registration | None, policy: UnknownTagPolicy, in_session: bool, expected: S
) -> None:
    assert decide(registration, policy=policy, in_session=in_session, at=NOW).status is expected


def test_expiry_and_parent_are_answered_with_the_status() -> None:
    registration = Registration(S.ACCEPTED, NOW + timedelta(days=3), "FLEET-1")
    info = decide(registration, policy=UnknownTagPolicy.REJECT, in_session=False, at=NOW)
    assert (info.expiry_date, info.parent_id_tag) == (NOW + timedelta(days=3), "FLEET-1")
