"""A real 3-node JetStream cluster on 127.0.0.1, run from deploy/nats/nats-cluster.conf.

Each node gets the production file with only its addresses moved to loopback ports and its store to a
scratch folder; every substitution must match exactly once, so a change of the file's shape fails the
test instead of silently testing something else.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import nats

from mentorship.embedded import nats_server_binary
from mentorship.processes import LOCALHOST, child_preexec, free_port, terminate, wait_for_port

ROUTE = re.compile(r"nats-route://([a-z0-9.-]+):6222")


@dataclass(frozen=True)
class ClusterNode:
    name: str
    client_port: int
    monitor_port: int
    route_port: int

    @property
    def url(self) -> str:
        return f"nats://{LOCALHOST}:{self.client_port}"


def route_hosts(config: str) -> list[str]:
    """The host names of the cluster's routes, in the file's order."""
    return ROUTE.findall(config)


def node_config(
    config: str, node: ClusterNode, nodes: list[ClusterNode], hosts: list[str], store: Path
) -> str:
    """The production configuration of `node`, with loopback addresses and a scratch store."""
    replacements = {
        "listen: 0.0.0.0:4222": f"listen: {LOCALHOST}:{node.client_port}",
        "http: 0.0.0.0:8222": f"http: {LOCALHOST}:{node.monitor_port}",
        "listen: 0.0.0.0:6222": f"listen: {LOCALHOST}:{node.route_port}",
        "store_dir: /data/jetstream": f'store_dir: "{store}"',
        "pid_file: /var/run/nats/nats.pid": f'pid_file: "{store.parent / "nats.pid"}"',
        "max_file_store: 20GB": "max_file_store: 1GB",
    }
    for host, peer in zip(hosts, nodes, strict=True):
        replacements[f"nats-route://{host}:6222"] = f"nats-route://{LOCALHOST}:{peer.route_port}"
    for old, new in replacements.items():
        if config.count(old) != 1:
            raise AssertionError(f"expected {old!r} exactly once in the cluster configuration")
        config = config.replace(old, new)
    return config


@contextlib.contextmanager
def nats_cluster(config_file: Path, scratch: Path) -> Iterator[list[ClusterNode]]:
    """Start one server per route of `config_file`, wait until all accept clients, stop them at the end."""
    config = config_file.read_text()
    hosts = route_hosts(config)
    nodes = [
        ClusterNode(
            name=host.split(".")[0], client_port=free_port(), monitor_port=free_port(), route_port=free_port()
        )
        for host in hosts
    ]
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for node in nodes:
            folder = scratch / node.name
            folder.mkdir(parents=True)
            conf = folder / "nats.conf"
            conf.write_text(node_config(config, node, nodes, hosts, folder / "jetstream"))
            with (folder / "nats.log").open("ab") as output:
                processes.append(
                    subprocess.Popen(
                        [str(nats_server_binary()), "--config", str(conf)],
                        env={"SERVER_NAME": node.name},
                        stdin=subprocess.DEVNULL,
                        stdout=output,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                        preexec_fn=child_preexec(),
                    )
                )
        for node, process in zip(nodes, processes, strict=True):
            if not wait_for_port(LOCALHOST, node.client_port, timeout=20, alive=_running(process)):
                log = (scratch / node.name / "nats.log").read_text(errors="replace")
                raise RuntimeError(f"cluster node {node.name} did not start:\n{log[-3000:]}")
        yield nodes
    finally:
        for process in processes:
            terminate(process, timeout=5)


def _running(process: subprocess.Popen[bytes]) -> Callable[[], bool]:
    return lambda: process.poll() is None


async def wait_for_jetstream(url: str, *, timeout: float = 30.0) -> None:
    """Wait until the cluster has elected its JetStream meta leader (account info answers)."""
    connection = await nats.connect(url, connect_timeout=2)
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            try:
                await connection.jetstream().account_info()
                return
            except Exception:
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.2)
    finally:
        await connection.close()
