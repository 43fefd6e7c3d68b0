"""How a REST endpoint is declared: once, for aiohttp's router and the OpenAPI document.

`cs.http.routes` lists every endpoint as an `Endpoint`; `setup_routes` registers the
handlers and `cs.http.openapi.build` writes the document from the same rows, with the
request and response schemas of the pydantic models named here and the query
parameters of the endpoint's query model (docs/adr/0016-endpoints-declared-once.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from cs.http.errors import Handler

OK: Mapping[int, str] = {200: "OK"}
# Error answers many endpoints share.
BOX_ERRORS = {404: "unknown charge box", 409: "id used by several tenants; send x-tenant-id"}
LIST_ERRORS = {400: "bad cursor", 422: "bad parameter (the field is named)"}
INVALID_BODY = {422: "invalid body (the field is named)"}


@dataclass(frozen=True)
class Keyed:
    """A response that is a JSON object of `model`s keyed by name (`/connections`)."""

    model: type[BaseModel]


@dataclass(frozen=True, eq=False)  # hashed by identity: the document is cached per table
class Endpoint:
    """One REST operation: its route, and everything its OpenAPI operation says.

    `answers` are the success statuses, each with `response` as its body (None: no
    body); `errors` the statuses the handler itself answers with an error body (the
    access middleware's are added from the route's role). The query parameters are the
    fields of `query`, but for `unused`: those the model accepts that mean nothing here
    (or that the path fixes). `variants` are documented in its place, one per value of
    a path parameter that selects what the handler does (`/remote/{operation}`).
    """

    method: str
    path: str
    handler: Handler
    summary: str
    response: type[BaseModel] | Keyed | None = None
    answers: Mapping[int, str] = field(default_factory=lambda: OK)
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    unused: tuple[str, ...] = ()
    parameters: tuple[Mapping[str, Any], ...] = ()  # OpenAPI parameters read by hand
    tenant: bool = True  # takes the x-tenant-id header
    user: bool = False  # records the x-user-id header as who made the change
    errors: Mapping[int, str] = field(default_factory=dict)
    body_example: Mapping[str, Any] | None = None
    response_example: Mapping[str, Any] | None = None
    variants: tuple[Endpoint, ...] = ()

    def documented(self) -> tuple[Endpoint, ...]:
        """The operations the document shows for this route."""
        return self.variants or (self,)


@dataclass(frozen=True)
class Websocket:
    """A websocket route: routed like an endpoint, described in the document's info."""

    path: str
    handler: Handler
    description: str


def box_get(path: str, handler: Handler, summary: str, response: type[BaseModel]) -> Endpoint:
    """A GET of something a known charge box has."""
    return Endpoint("GET", path, handler, summary, response, errors=BOX_ERRORS)
