"""The OCPP 1.6-J bridge: frames in, use cases called, frames out.

The `ocpp` library owns the message vocabulary (payload classes, enums, schemas, route
map, outgoing calls); this package owns the parts the library gets wrong or makes slow:
spec-exact framing errors, fast schema validation, and committing every frame before
the answer is sent.
"""
