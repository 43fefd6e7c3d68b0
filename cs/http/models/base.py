"""What every response model shares: strict fields, the error body, the page envelope."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")
Row = Mapping[str, Any]  # a read-model row, as psycopg returns it


class Model(BaseModel):
    """A response body: every field declared (contract tests refuse unknown ones)."""

    model_config = ConfigDict(extra="forbid")


class ErrorOut(Model):
    """Every error: a message for people and a code for programs."""

    error: str
    code: str
    model_config = ConfigDict(extra="allow")


class PageOut(Model, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page")
