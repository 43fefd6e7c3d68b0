"""Configuration: one settings object, from `CS_*` environment variables.

Built once by the CLI and passed down; nothing reads the environment elsewhere.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    ws_max_message_size: int = Field(default=65_536, ge=1024)
    call_timeout: float = Field(default=30.0, gt=0, description="wait for a charger's answer")
    command_queue_size: int = Field(default=10, ge=1, description="commands waiting per box")

    snapshot_interval: int = Field(default=100, ge=2)
    aggregate_cache_size: int = Field(default=20_000, ge=100)
    commit_max_batch_events: int = Field(default=5_000, ge=1)
    projection_batch_size: int = Field(default=2_000, ge=1)
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
    relay: Literal["process", "off"] = Field(
        default="process",
        description="with CS_AMQP_URL: run the outbox relay in a child process of `cs serve`, "
        "or not at all (another node or `cs relay` runs it)",
    )

    def node_name(self) -> str:
        """This node's stable name: CS_NODE, or host:port."""
        return self.node or f"{socket.gethostname()}:{self.port}"
