"""How an error is told in one log line or API message (shared by every layer but the domain)."""

from __future__ import annotations


def one_line(error: BaseException) -> str:
    """The error's message on one line (psycopg's run over several), or its type's name."""
    return " ".join(str(error).split()) or type(error).__name__
