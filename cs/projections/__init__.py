"""Read models: the event log applied to PostgreSQL tables, for the REST API.

Each projection maps event types to writes on its own tables (`handle`), and the
runner applies the log to every projection in batches, writing a batch's rows and the
projection's position in one transaction. Rebuilding a projection from the log gives
the same rows: projections use only what the events carry (never the clock).
"""
