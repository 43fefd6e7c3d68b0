"""The domain: aggregates and their past-tense events, pure Python.

Nothing in this package performs I/O, reads a clock or knows about JSON, SQL or
websockets. Time always comes in as an argument (`at`), ids are derived from
natural keys (`cs.domain.ids`), and every state change is an event that can be
replayed. Only `eventsourcing.domain` is imported from outside.
"""
