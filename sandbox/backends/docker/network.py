"""Each sandbox's own bridge network, and the host firewall every sandbox sits behind.

A network per sandbox keeps students apart (no shared bridge); its subnet comes
from SANDBOX_SUBNET_POOL. The host's rules (firewall.py) are put in place once
per process, before any sandbox starts; without them none starts.
"""

from __future__ import annotations

import logging
import threading

from docker.errors import APIError, DockerException, NotFound

from sandbox.backends.base import SandboxError
from sandbox.backends.docker import firewall, specs
from sandbox.backends.docker.client import Engine

log = logging.getLogger(__name__)


class SandboxNetworks:
    def __init__(self, engine: Engine):
        self._engine = engine
        self._firewall_ready = False
        self._firewall_lock = threading.Lock()  # sandboxes start side by side, in threads

    def ensure_host_firewall(self):
        """Once per process (blocking): what sandboxes may reach. No sandbox starts without it."""
        if self._firewall_ready:
            return
        with self._firewall_lock:
            if not self._firewall_ready:
                self._set_host_firewall()

    def _set_host_firewall(self):
        try:
            output = self._engine.client.containers.run(**firewall.container_options())
        except DockerException as exc:
            log.error("could not set the host firewall for sandboxes: %s", exc)
            raise SandboxError(
                "The classroom's network rules could not be set on the Docker host, so no sandbox is started. "
                "The server's log says why.",
                code="host-setup",
            ) from exc
        log.info("%s", output.decode(errors="replace").strip())
        self._firewall_ready = True

    def ensure_network(self, names: specs.Names):
        """The sandbox's network, on the first free subnet of the pool (blocking)."""
        self.ensure_host_firewall()
        client = self._engine.client
        try:
            client.networks.get(names.network)
            return
        except NotFound:
            pass
        taken = {
            config.get("Subnet")
            for network in client.networks.list()
            for config in (network.attrs.get("IPAM") or {}).get("Config") or []
        }
        for subnet in specs.sandbox_subnets():
            if str(subnet) in taken:
                continue
            try:
                client.networks.create(**specs.network_options(names, subnet))
                return
            except APIError as exc:
                if exc.status_code == 409 or "already exists" in str(exc) or "same bridge name" in str(exc):
                    return  # created meanwhile by another process (the bridge is named after the network)
                if "overlap" not in str(exc):
                    raise
                # Taken meanwhile, or by a network outside Dockyard: try the next one.
        raise SandboxError("No free network for a new sandbox: widen SANDBOX_SUBNET_POOL.", code="host-setup")
