"""The test TCP proxy: forwards, cuts (open connections dropped, new ones refused) and restores."""

from __future__ import annotations

import socket
import threading

import pytest

from tests.support.tcp_proxy import TcpProxy


@pytest.fixture
def echo_server():
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(None)

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(
                target=lambda c=conn: [c.sendall(d) for d in iter(lambda: c.recv(1024), b"")], daemon=True
            ).start()

    threading.Thread(target=serve, daemon=True).start()
    yield listener.getsockname()
    listener.close()


def echo(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(data)
        return conn.recv(1024)


def dropped(conn: socket.socket) -> bool:
    """Whether the other end closed or reset the connection."""
    try:
        return conn.recv(1024) == b""
    except ConnectionResetError:
        return True


def test_proxy_forwards_then_refuses_while_cut_then_forwards_again(echo_server) -> None:
    proxy = TcpProxy(echo_server).start()
    try:
        assert echo(proxy.port, b"before") == b"before"
        held = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
        proxy.cut()
        assert dropped(held)
        held.close()
        with pytest.raises(ConnectionRefusedError):
            echo(proxy.port, b"during")
        proxy.restore()
        assert echo(proxy.port, b"after") == b"after"
    finally:
        proxy.close()
