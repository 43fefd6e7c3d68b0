"""Audit: ordered histories of sessions and charge boxes, verifiable exports, replay.

Histories are read straight from the event log (the read models only serve as an index
of which streams belong to a charge box). An export carries a SHA-256 digest chain over
its events, checked offline by `cs audit verify`, and against the live store on demand.
"""
