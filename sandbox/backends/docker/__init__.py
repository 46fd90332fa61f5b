"""The Docker backend: each sandbox is two containers on the host's Docker engine.

    backend.py        DockerBackend: lifecycle, exec, engine readiness, ports, files
    client.py         the one client factory (connect) and the backend's threads (Engine)
    containers.py     small readings of container objects
    specs.py          names, labels and the create options of every container
    network.py        each sandbox's network; the host firewall before the first start
    firewall.py       the host's rules (what sandboxes may reach)
    disks.py          a disk of fixed size per sandbox, through a helper container
    pool.py           sandboxes started ahead of time, claimed by renaming
    warm_shells.py    pool sandboxes' shells, attached when the pool fills, handed over by the claim
    terminal.py       shells and the port watcher as non-blocking exec streams
    exec.py           one command's output, bounded, with a deadline
    rounds.py         several short commands in one go (a round of lesson checks)
    round_runner.py   one long-lived exec per sandbox that runs round after round
    files.py          the file editor's reads and writes (tar over the API)
    images.py         building the sandbox images (build_images)
    image_cache.py    the registry that serves images to the sandboxes' engines
    course_layers.py  the course's images unpacked once, shared read-only by every engine
    package_cache.py  the Debian package cache sandboxes reach instead of the internet

Only this package imports the Docker SDK (and the tests that check the engine).
"""

from sandbox.backends.docker.backend import DockerBackend
from sandbox.backends.docker.client import NO_ENGINE, NO_IMAGES, connect
from sandbox.backends.docker.terminal import DockerTerminal, parse_published_ports

__all__ = ["NO_ENGINE", "NO_IMAGES", "DockerBackend", "DockerTerminal", "connect", "parse_published_ports"]
