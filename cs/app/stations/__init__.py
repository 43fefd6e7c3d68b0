"""Use cases for what a charging station tells the central system about itself.

One module per concern: its connections (`connections`), boot and heartbeat (`boot`),
the status of its connectors (`status`), reports of background activities and
security (`reports`), vendor data (`data_transfer`), and what operators register about
it (`registry`).
"""
