"""OCPP-J, the JSON-over-websocket RPC both OCPP versions share (OCPP-J 1.6, OCPP 2.0.1 Part 4).

Framing, the receive loop, retried CALLs, our outgoing CALLs one at a time, schema
checks and the hub of live connections live here once. What differs between versions
(subprotocol, error code spelling, schemas, the actions served and the commands sent)
is a `Dialect`, which each version's adapter package builds (`cs.adapters.ocpp16`).
"""
