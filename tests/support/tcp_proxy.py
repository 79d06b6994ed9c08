"""A loopback TCP proxy that a test can cut and restore, to take a service away from the app."""

from __future__ import annotations

import socket
import threading

_CHUNK = 65_536


class TcpProxy:
    """Forwards `127.0.0.1:port` to a TCP service.

    `cut()` drops every open connection and stops listening, so new connections are refused at
    once, as with a database that went away; `restore()` listens on the same port again.
    """

    def __init__(self, target: tuple[str, int]) -> None:
        """Bind a free loopback port for `target` (host, port); call `start()` to serve."""
        self.target = target
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port: int = probe.getsockname()[1]

    def start(self) -> TcpProxy:
        """Listen and forward (again, after a cut)."""
        listener = socket.socket()
        # Blocking whatever `socket.setdefaulttimeout` says: an idle database connection lives long.
        listener.settimeout(None)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        with self._lock:
            self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    restore = start

    def cut(self) -> None:
        """Drop every connection and refuse new ones until `restore()`."""
        with self._lock:
            listener, self._listener = self._listener, None
            sockets, self._open = set(self._open), set()
        if listener is not None:
            _shut(listener)
        for sock in sockets:
            _shut(sock)

    close = cut

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            client.settimeout(None)
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _shut(client)
                continue
            upstream.settimeout(None)
            with self._lock:
                cut = self._listener is not listener
                if not cut:
                    self._open.update((client, upstream))
            if cut:
                # Accepted just before a cut: dropped like the rest.
                _shut(client)
                _shut(upstream)
                return
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(_CHUNK):
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            _shut(sock)
            with self._lock:
                self._open.discard(sock)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
