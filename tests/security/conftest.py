"""Security test fixtures: a TCP and UDP listener on 127.0.0.1 that records whatever reaches it."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from security_helpers import Listener


@pytest.fixture(scope="session")
def listener() -> Iterator[Listener]:
    tcp = socket.create_server(("127.0.0.1", 0))
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", tcp.getsockname()[1]))
    found = Listener(tcp.getsockname()[1])
    stop = threading.Event()

    def watch() -> None:
        tcp.settimeout(0.2)
        udp.settimeout(0.2)
        while not stop.is_set():
            for sock in (tcp, udp):
                try:
                    if sock is tcp:
                        connection, _ = sock.accept()
                        found.arrivals.append(f"tcp: {connection.recv(100)!r}")
                        connection.close()
                    else:
                        found.arrivals.append(f"udp: {sock.recv(100)!r}")
                except OSError:
                    pass

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    yield found
    stop.set()
    thread.join()
    tcp.close()
    udp.close()
