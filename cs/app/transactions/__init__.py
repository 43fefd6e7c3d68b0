"""Use cases for id tokens and charging sessions: authorize, start, meter values, stop.

Each module holds one use case; `lookups` holds what they share (finding a tag or a
session, recording an authorization decision). A session is a charging transaction,
whatever protocol version started it.
"""
