"""One module per OCPP 1.6 action a charge point sends: payload in, use case, answer out.

Each module holds one handler class (`cs.adapters.ocppj.dialect.ActionHandler`) that
gets, at construction, only the use case it calls. It translates the payload (valid for
the action's schema, camelCase as sent) into central-system values, calls the use case
and builds the answer payload. `cs.adapters.ocpp16.dialect` routes actions to them.
The handlers both versions share (Heartbeat, the security messages) are in
`cs.adapters.ocppj.shared_actions`.
"""
