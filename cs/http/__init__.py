"""The aiohttp application: the OCPP websocket endpoints and the REST API."""
