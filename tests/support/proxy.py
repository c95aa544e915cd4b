"""A loopback TCP relay that can hold a request body mid-flight, for crash tests.

Between a real client and a real server it forwards bytes unchanged, until told to
let only so many more client bytes through: then the server has received exactly a
known part of a request and waits for the rest, which is the moment to kill it.
"""

from __future__ import annotations

import socket
import threading
from contextlib import suppress

HOST = "127.0.0.1"


class PausingProxy:
    """Relays 127.0.0.1:<port> to ``target_port``; :meth:`pause_after` holds client bytes."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server((HOST, 0))
        self.port: int = self.listener.getsockname()[1]
        self.forwarded = 0
        self.limit: int | None = None
        self.paused = threading.Event()
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        """Base URL clients should use."""
        return f"http://{HOST}:{self.port}"

    def pause_after(self, more_bytes: int) -> None:
        """Forward ``more_bytes`` more client bytes, then hold everything else."""
        with self._lock:
            self.limit = self.forwarded + more_bytes
            self.paused.clear()
            self._release.clear()

    def resume(self) -> None:
        """Drop the held connections and relay new ones freely again."""
        with self._lock:
            self.limit = None
        self._release.set()

    def close(self) -> None:
        """Stop relaying and close every socket."""
        self.resume()
        for sock in [self.listener, *self._sockets]:
            with suppress(OSError):
                sock.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection((HOST, self.target_port), timeout=5)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            self._sockets += [client, server]
            threading.Thread(target=self._upstream, args=(client, server), daemon=True).start()
            threading.Thread(target=self._downstream, args=(server, client), daemon=True).start()

    def _allowance(self, wanted: int) -> int:
        """How many of ``wanted`` bytes may pass now (and count them as forwarded)."""
        with self._lock:
            allowed = (
                wanted if self.limit is None else max(0, min(wanted, self.limit - self.forwarded))
            )
            self.forwarded += allowed
            if self.limit is not None and self.forwarded >= self.limit:
                self.paused.set()
            return allowed

    def _upstream(self, client: socket.socket, server: socket.socket) -> None:
        try:
            while data := client.recv(256 * 1024):
                allowed = self._allowance(len(data))
                server.sendall(data[:allowed])
                if allowed < len(data):
                    self._release.wait()
                    break
        except OSError:
            pass
        finally:
            for sock in (client, server):
                with suppress(OSError):
                    sock.close()

    def _downstream(self, server: socket.socket, client: socket.socket) -> None:
        try:
            while data := server.recv(256 * 1024):
                client.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (client, server):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
