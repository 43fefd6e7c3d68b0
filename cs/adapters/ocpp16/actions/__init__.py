"""One module per OCPP action a charge point sends: payload in, use case, answer out.

Each module defines a mixin with one `@on` handler; `CentralSystemChargePoint` combines
them. Handlers translate the payload into domain values, call one use case and build
the library's `call_result` payload.
"""
