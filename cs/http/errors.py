"""API errors that carry their HTTP status, and the one middleware that renders them."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
from aiohttp import web
from pydantic import ValidationError

from cs.app import errors as app_errors
from cs.app.ports import CommitFailedError
from cs.describe import one_line
from cs.http.jsonio import json_response
from cs.projections.cursors import BadCursorError
from cs.projections.queries import AmbiguousChargeBoxError

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ApiError(Exception):
    """An error answered as `{"error": message, "code": code, ...details}`."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def body(self) -> dict[str, Any]:
        return {"error": self.message, "code": self.code, **self.details}

    def headers(self) -> dict[str, str]:
        return {}


class BadRequestError(ApiError):
    status, code = 400, "bad_request"


class NotFoundError(ApiError):
    status, code = 404, "not_found"


class ConflictError(ApiError):
    status, code = 409, "conflict"


class UnprocessableError(ApiError):
    status, code = 422, "invalid_body"


class UnavailableError(ApiError):
    status, code = 503, "unavailable"


class StoreUnavailableError(ApiError):
    """503: the event store refused or could not take the change; nothing was recorded."""

    status, code = 503, "store_unavailable"

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.details.get("retry_after_seconds", 5))}


class DatabaseUnavailableError(ApiError):
    """503: PostgreSQL did not answer (down, restarting, or every connection busy)."""

    status, code = 503, "database_unavailable"

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "5"}


def _from_validation(error: ValidationError) -> UnprocessableError:
    problems = [
        {
            "field": ".".join(str(part) for part in item["loc"]) or "(body)",
            "message": item["msg"],
            "type": item["type"],
        }
        for item in error.errors(include_url=False)
    ]
    fields = ", ".join(problem["field"] for problem in problems)
    return UnprocessableError(f"invalid value for: {fields}", problems=problems)


# A command that could not be run: its HTTP status, and the Retry-After it carries.
_COMMAND_ERRORS: dict[type[app_errors.CommandError], tuple[int, str | None]] = {
    app_errors.StationNotFound: (404, None),
    app_errors.StationNotConnected: (409, None),
    app_errors.CommandQueueFull: (503, "30"),
    app_errors.InvalidCommand: (422, None),
    app_errors.UnsupportedOperation: (422, None),
    app_errors.StationPending: (409, None),
    app_errors.StationUnreachable: (503, None),
    app_errors.NoReply: (504, None),
}


class CommandApiError(ApiError):
    """A command that could not be run, answered with the status its kind maps to."""

    def __init__(self, error: app_errors.CommandError) -> None:
        super().__init__(error.message, **error.details)
        self.status, retry_after = _COMMAND_ERRORS.get(type(error), (500, None))
        self.code = error.code if self.status != 500 else "internal_error"
        seconds = error.details.get("retry_after_seconds", retry_after)
        self._retry_after = None if retry_after is None else str(seconds)

    def headers(self) -> dict[str, str]:
        return {} if self._retry_after is None else {"Retry-After": self._retry_after}


def translate(error: Exception) -> ApiError | None:
    """Our own errors from lower layers, as API errors (a lookup, not a chain of ifs)."""
    if isinstance(error, ApiError):
        return error
    if isinstance(error, app_errors.CommandError):
        return CommandApiError(error)
    if isinstance(error, ValidationError):
        return _from_validation(error)
    if isinstance(error, AmbiguousChargeBoxError):
        return ConflictError(
            f"charge box {error.charge_box_id!r} exists in several tenants; "
            "choose one with the x-tenant-id header",
            tenants=error.tenants,
        )
    if isinstance(error, BadCursorError):
        return BadRequestError(str(error))
    if isinstance(error, CommitFailedError):
        return StoreUnavailableError(
            f"the change could not be recorded: {error}", retry_after_seconds=5
        )
    if isinstance(error, psycopg.DataError):
        # A value from the request PostgreSQL cannot take (U+0000 in text, a number out
        # of range): the caller's input, not our failure.
        return BadRequestError(f"a value in the request cannot be stored: {one_line(error)}")
    if isinstance(error, psycopg.OperationalError):  # PoolTimeout is one too
        # Expected while PostgreSQL restarts: a short warning, not a stack trace per request.
        log.warning("database unavailable: %s", one_line(error))
        return DatabaseUnavailableError("the database is unreachable; try again shortly")
    return None


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Render every error as JSON; unexpected ones are logged and answered 500."""
    try:
        return await handler(request)
    except web.HTTPException as http_error:
        if http_error.status < 400 or http_error.content_type == "application/json":
            raise
        return json_response(
            {"error": http_error.reason, "code": f"http_{http_error.status}"},
            status=http_error.status,
            headers={k: v for k, v in http_error.headers.items() if k.lower() == "allow"},
        )
    except Exception as error:
        api_error = translate(error)
        if api_error is None:
            log.exception("unhandled error on %s %s", request.method, request.path)
            api_error = ApiError("internal error")
        return json_response(api_error.body(), status=api_error.status, headers=api_error.headers())
