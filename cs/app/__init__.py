"""Use cases: what the central system does with each message, expressed over ports.

A use case loads the aggregates it needs (awaiting), then decides and records events
without awaiting again, and leaves the events in the message's `UnitOfWork`. The OCPP
adapter commits the unit together with the frames that carried the message and its
answer, and only then sends the answer (see `cs.app.uow`).
"""
