"""The OCPP 2.0.1 actions a station sends, one handler per module.

Each module holds one handler class (`cs.adapters.ocppj.dialect.ActionHandler`) that
reads the 2.0.1 payload (already valid for its schema), calls one use case and builds
the answer payload. `cs.adapters.ocpp201.dialect` routes actions to them.
The handlers both versions share (Heartbeat, the security messages) are in
`cs.adapters.ocppj.shared_actions`.
"""
