"""Configuration: one settings object, from `CS_*` environment variables.

Built once by the CLI and passed down; nothing reads the environment elsewhere.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cs.app.access import UnknownChargeBoxes
from cs.domain.authorization import UnknownTagPolicy

DEFAULT_PORT = 8180


class Settings(BaseSettings):
    """Every setting of the central system; see the README for each one."""

    model_config = SettingsConfigDict(env_prefix="CS_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=DEFAULT_PORT, ge=0, le=65535)
    database_url: str | None = None
    data_dir: Path = Path("var")
    node: str | None = None
    log_level: str = "INFO"

    heartbeat_interval: int = Field(default=300, ge=1, description="BootNotification interval")
    ws_ping_interval: float = Field(default=60.0, ge=0, description="0 disables pings")
    # StopTransaction.req carries the whole session's transactionData (OCPP 1.6 6.49):
    # a day sampled every 2 minutes with 5 measurands is ~540 KB, and a charger retries
    # a stop it could not deliver forever, so the limit must let such a frame in.
    ws_max_message_size: int = Field(
        default=1_048_576,
        ge=1024,
        description="largest websocket frame accepted, bytes (larger: close 1009)",
    )
    call_timeout: float = Field(default=30.0, gt=0, description="wait for a charger's answer")
    command_queue_size: int = Field(default=10, ge=1, description="commands waiting per box")

    snapshot_interval: int = Field(default=100, ge=2)
    aggregate_cache_size: int = Field(default=20_000, ge=100)
    commit_max_batch_events: int = Field(default=5_000, ge=1)
    commit_max_queued_units: int = Field(
        default=50_000,
        ge=1,
        description="units waiting for the store at most; beyond, a message is not answered "
        "(its connection closes with 1011) and a REST change gets 503",
    )
    projection_batch_size: int = Field(default=2_000, ge=1)
    projection_linger: float = Field(
        default=0.2,
        ge=0,
        le=5,
        description="while events keep coming, seconds the projections wait to take more "
        "in one batch (fewer, larger writes to the read models; adds at most this to their "
        "lag under load, nothing to the first event after a quiet spell)",
    )
    db_pool_size: int = Field(default=4, ge=1)

    unknown_id_tags: UnknownTagPolicy = Field(
        default=UnknownTagPolicy.REJECT, description="answer for id tags not in the registry"
    )

    projections: Literal["process", "thread", "off"] = Field(
        default="process",
        description="run the read-model projections in a child process of `cs serve`, in a "
        "thread of it, or not at all (another node or `cs project` runs them)",
    )
    event_loop: Literal["uvloop", "asyncio"] = Field(
        default="uvloop", description="uvloop when installed (it is a dependency), else asyncio"
    )

    amqp_url: str | None = Field(
        default=None,
        description="RabbitMQ URL; unset: nothing is published (events wait in the store)",
    )
    command_routing: Literal["amqp", "off"] = Field(
        default="amqp",
        description="with CS_AMQP_URL: a command for a charge box connected to another node is "
        "sent to that node through RabbitMQ (amqp), or answered 409 (off)",
    )
    relay: Literal["process", "off"] = Field(
        default="process",
        description="with CS_AMQP_URL: run the outbox relay in a child process of `cs serve`, "
        "or not at all (another node or `cs relay` runs it)",
    )

    # REST access control and limits (docs/security.md, docs/adr/0011-api-keys.md)
    api_auth: Literal["on", "off"] = Field(
        default="on",
        description="on: every REST endpoint but /health and /openapi.json needs an API key; "
        "off: everything open, for local development only (a warning is logged at start)",
    )
    api_key_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        le=300,
        description="how long a key looked up in the database is trusted in memory: a revoke "
        "takes effect on every node within this time (0: look up on every request)",
    )
    api_max_body_bytes: int = Field(
        default=1024**2, ge=1024, description="largest REST request body, bytes (larger: 413)"
    )
    api_rate: float = Field(
        default=50.0, ge=0, description="REST requests per second per key, sustained (0: no limit)"
    )
    api_burst: int = Field(
        default=100, ge=1, description="REST requests per key allowed at once above the rate"
    )
    api_auth_failure_rate: float = Field(
        default=1.0,
        ge=0,
        description="failed authentications per second per remote address, sustained, once the "
        "burst is spent (then 429; 0: no limit)",
    )
    api_auth_failure_burst: int = Field(
        default=10, ge=1, description="failed authentications per remote address allowed at once"
    )

    # Charge box access and limits (docs/security.md)
    unknown_charge_boxes: UnknownChargeBoxes = Field(
        default=UnknownChargeBoxes.ACCEPT,
        description="a charge box no operator registered: accept (and register it on first "
        "contact), pending (register it, answer its boots Pending until an operator "
        "approves it) or reject (HTTP 404, OCPP-J 1.6 section 3.2)",
    )
    max_connections: int = Field(
        default=20_000, ge=1, description="websocket connections per node (more: HTTP 503)"
    )
    cp_message_rate: float = Field(
        default=50.0,
        ge=0,
        description="messages per second one charge box may send, sustained; faster ones are "
        "throttled (0: no limit)",
    )
    cp_message_burst: int = Field(
        default=200, ge=1, description="messages one charge box may send at once above the rate"
    )
    cp_flood_seconds: float = Field(
        default=60.0,
        gt=0,
        description="a charge box throttled without a break for this long, with more of its "
        "frames queued (it does not wait for answers), is disconnected (close code 1008)",
    )
    clock_tolerance: float = Field(
        default=300.0,
        gt=0,
        description="seconds a charge box's own time may be from ours before its message, "
        "session and box are flagged (clock_skew behind, clock_future ahead); a time "
        "before 2010 is always flagged clock_unset",
    )
    auth_failure_window: float = Field(
        default=300.0, gt=0, description="seconds failed handshakes count against an address"
    )
    auth_failures_before_block: int = Field(
        default=50, ge=1, description="failed handshakes from one address before HTTP 429"
    )
    tls_port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        description="also listen with TLS (wss://, https://) on this port: security profiles "
        "2 and 3 need it",
    )
    tls_cert_file: Path | None = Field(default=None, description="server certificate (PEM)")
    tls_key_file: Path | None = Field(default=None, description="its private key (PEM)")
    tls_client_ca_file: Path | None = Field(
        default=None,
        description="CA bundle that signs charge box certificates (security profile 3)",
    )

    ca_cert_file: Path | None = Field(
        default=None,
        description="certificate authority that signs stations' CSRs (SignCertificate; PEM)",
    )
    ca_key_file: Path | None = Field(default=None, description="its private key (PEM)")
    certificate_days: int = Field(
        default=365, ge=1, le=3650, description="validity of the certificates cs signs"
    )

    @model_validator(mode="after")
    def _ca_complete(self) -> Settings:
        if (self.ca_cert_file is None) != (self.ca_key_file is None):
            raise ValueError("CS_CA_CERT_FILE and CS_CA_KEY_FILE go together")
        return self

    @model_validator(mode="after")
    def _tls_complete(self) -> Settings:
        if self.tls_port is not None and (self.tls_cert_file is None or self.tls_key_file is None):
            raise ValueError("CS_TLS_PORT needs CS_TLS_CERT_FILE and CS_TLS_KEY_FILE")
        return self

    def node_name(self) -> str:
        """This node's stable name: CS_NODE, or host:port."""
        return self.node or f"{socket.gethostname()}:{self.port}"
