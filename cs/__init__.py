"""ChargeGrid Central System: an event-sourced OCPP 1.6-J central system."""
