"""Remote operations on charging stations: one use case from request to outcome.

`CommandService.run` records a command, hands it to the station's connection (here, or
on the node holding it), waits for what becomes of it and returns that. The connection
sends the CALL its protocol version makes of the command (`OutgoingCall`) and reports
back through the `CommandJob`; what an answer means for the station (its
configuration, reservations, local list, charging profiles) is a list of facts the
version reads from the answer (`effects`), applied in the answer's unit.
"""
