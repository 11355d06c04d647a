"""A local Citus cluster for tests and benchmarks: a coordinator and two workers, each its
own PostgreSQL instance on a free loopback port, data in a temporary directory, run as the
`postgres` user (when started by root), Citus preloaded. Standard library and asyncpg only.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.citus.build_citus import CitusUnavailable, ensure_citus, pg_config
from tests.live_server import free_port

# Small, throwaway instances: no fsync, little memory (three of them share the machine).
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "shared_preload_libraries": "'citus'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "64MB",
    "max_connections": "200",
    "max_wal_size": "1GB",
    "citus.shard_count": "8",
    "jit": "off",
}


@dataclass(frozen=True)
class Node:
    name: str
    port: int
    data: Path

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"


@dataclass(frozen=True)
class Cluster:
    coordinator: Node
    workers: tuple[Node, ...]


def _as_postgres(argv: list[str]) -> list[str]:
    """Run as the postgres user when we are root (PostgreSQL refuses to run as root)."""
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def _run(argv: list[str]) -> None:
    done = subprocess.run(_as_postgres(argv), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")


def _start_node(name: str, root: Path, bindir: Path) -> Node:
    data = root / name
    _run([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync"])
    node = Node(name=name, port=free_port(), data=data)
    settings = {**SETTINGS, "port": str(node.port), "unix_socket_directories": f"'{root}'"}
    with (data / "postgresql.conf").open("a") as conf:
        conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
    _run([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / f"{name}.log"), "-w", "start"])
    return node


async def _join(cluster: Cluster) -> None:
    import asyncpg

    for node in (cluster.coordinator, *cluster.workers):
        conn = await asyncpg.connect(node.dsn)
        try:
            await conn.execute("CREATE EXTENSION IF NOT EXISTS citus")
        finally:
            await conn.close()
    conn = await asyncpg.connect(cluster.coordinator.dsn)
    try:
        await conn.execute(
            "SELECT citus_set_coordinator_host('127.0.0.1', $1)", cluster.coordinator.port
        )
        for worker in cluster.workers:
            await conn.execute("SELECT citus_add_node('127.0.0.1', $1)", worker.port)
    finally:
        await conn.close()


@contextmanager
def citus_cluster(workers: int = 2) -> Iterator[Cluster]:
    """Build Citus if needed (CitusUnavailable says why it cannot), start the nodes, join
    them; stop them and delete their data afterwards."""
    ensure_citus()
    bindir = Path(pg_config("--bindir"))
    if not (bindir / "initdb").exists():
        raise CitusUnavailable(f"initdb is not in {bindir}")
    root = Path(tempfile.mkdtemp(prefix="events-citus-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    started: list[Node] = []
    try:
        for name in ("coordinator", *(f"worker{n}" for n in range(1, workers + 1))):
            started.append(_start_node(name, root, bindir))
        cluster = Cluster(coordinator=started[0], workers=tuple(started[1:]))
        asyncio.run(_join(cluster))
        yield cluster
    finally:
        for node in started:
            subprocess.run(
                _as_postgres([str(bindir / "pg_ctl"), "-D", str(node.data), "-m", "fast", "stop"]),
                capture_output=True,
                check=False,
            )
        shutil.rmtree(root, ignore_errors=True)
