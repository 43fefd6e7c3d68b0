"""OCPP 2.0.1 on OCPP-J (subprotocol `ocpp2.0.1`): a second `Dialect` on the same core.

Each action a station sends is one module in `actions/`, translating the 2.0.1 payload
into the central system's terms and calling the same use cases as 1.6. Where 2.0.1
names things differently the mapping is written down once: an EVSE is what 1.6 calls a
connector (sessions, statuses and commands are per EVSE), an idToken's `idToken` is an
id tag of the token registry, a station's transaction id is kept beside ours.
"""
