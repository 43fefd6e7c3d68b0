"""Use cases: what the central system does, in its own terms, expressed over ports.

A use case takes the context of a station's message (`cs.app.recorder.MessageContext`)
or a caller's request, loads the aggregates it needs (awaiting), then decides and
records events without awaiting again. Protocol adapters translate their version's
messages into these use cases and back; the `Recorder` commits each unit, frames
included, before any answer leaves. `cs.app.usecases` lists them all.
"""
