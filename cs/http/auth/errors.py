"""The answers of the access policy, as API errors that carry their status and headers."""

from __future__ import annotations

from typing import Any

from aiohttp import hdrs

from cs.http.errors import ApiError


class UnauthorizedError(ApiError):
    """401: no usable key; says how to send one."""

    status, code = 401, "unauthorized"

    def __init__(self, message: str, code: str = "unauthorized", **details: Any) -> None:
        super().__init__(message, **details)
        self.code = code

    def headers(self) -> dict[str, str]:
        return {hdrs.WWW_AUTHENTICATE: 'Bearer realm="cs"'}


class ForbiddenError(ApiError):
    """403: the key is fine but its role is too low for the route."""

    status, code = 403, "forbidden"


class TooManyRequestsError(ApiError):
    """429 with Retry-After (whole seconds, at least 1)."""

    status, code = 429, "rate_limited"

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.details.get("retry_after_seconds", 1))}


class PayloadTooLargeError(ApiError):
    """413: the body is larger than CS_API_MAX_BODY_BYTES."""

    status, code = 413, "body_too_large"
