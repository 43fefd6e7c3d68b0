"""Adapters: everything that talks to the outside world (PostgreSQL, websockets, clock)."""
