"""The websocket's edge: tab tokens, connections per address and frames, refused before Engine.IO reads them."""

from __future__ import annotations

import ipaddress
import uuid

import pytest
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket, WebSocketDisconnect

from smnb_app.net.socket_edge import (
    CLOSE_POLICY,
    CLOSE_TOO_BIG,
    CLOSE_UNSUPPORTED,
    FLOOD_FRAMES,
    SocketEdge,
    frame_refusal,
)

MAX_FRAME = 1024


def echo_backend(seen: list[str]) -> Starlette:
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            while True:
                text = await websocket.receive_text()
                seen.append(text)
                await websocket.send_text(text)
        except WebSocketDisconnect:
            pass

    return Starlette(routes=[WebSocketRoute("/_event/", echo), WebSocketRoute("/other", echo)])


def edge(
    seen: list[str],
    *,
    max_transports: int = 2,
    proxies: tuple[str, ...] = (),
    burst: int = 1000,
    connects: int = 1000,
    clock=lambda: 0.0,
) -> SocketEdge:
    return SocketEdge(
        echo_backend(seen),
        path="/_event",
        max_frame_bytes=MAX_FRAME,
        max_transports=max_transports,
        connect_rate=1.0,
        connect_burst=connects,
        frame_rate=1.0,
        frame_burst=burst,
        clock=clock,
        trusted_proxies=tuple(ipaddress.ip_network(proxy) for proxy in proxies),
    )


def tab_url() -> str:
    return f"/_event/?EIO=4&transport=websocket&token={uuid.uuid4()}"


@pytest.mark.parametrize(
    "query", ["", "token=", "token=x", f"token={uuid.uuid4()}x", f"token={uuid.uuid4()}&token={uuid.uuid4()}"]
)
def test_a_connection_without_one_well_formed_tab_token_is_refused(query: str) -> None:
    with TestClient(edge([])) as client, pytest.raises(WebSocketDisconnect) as refused:
        with client.websocket_connect(f"/_event/?EIO=4&{query}"):
            pass
    assert refused.value.code == CLOSE_POLICY


def test_a_well_formed_connection_reaches_the_backend_frames_and_all() -> None:
    seen: list[str] = []
    with TestClient(edge(seen)) as client, client.websocket_connect(tab_url()) as socket:
        socket.send_text('42/_event,["event",{}]')
        assert socket.receive_text() == '42/_event,["event",{}]'
    assert seen == ['42/_event,["event",{}]']


@pytest.mark.parametrize(
    ("send", "code"),
    [
        (lambda socket: socket.send_text("4" + "x" * MAX_FRAME), CLOSE_TOO_BIG),
        (lambda socket: socket.send_text("4" + "é" * (MAX_FRAME // 2)), CLOSE_TOO_BIG),
        (lambda socket: socket.send_bytes(b"\x04binary"), CLOSE_UNSUPPORTED),
        (lambda socket: socket.send_text("x not a packet"), CLOSE_POLICY),
        (lambda socket: socket.send_text(""), CLOSE_POLICY),
    ],
)
def test_a_frame_no_page_sends_closes_the_connection_unread(send, code: int) -> None:
    seen: list[str] = []
    with TestClient(edge(seen)) as client, client.websocket_connect(tab_url()) as socket:
        send(socket)
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_text()
    assert closed.value.code == code
    assert seen == []


def test_a_frame_of_exactly_the_bound_passes() -> None:
    seen: list[str] = []
    with TestClient(edge(seen)) as client, client.websocket_connect(tab_url()) as socket:
        socket.send_text("4" + "x" * (MAX_FRAME - 1))
        assert len(socket.receive_text()) == MAX_FRAME


def test_an_address_holds_its_connections_and_no_more() -> None:
    guarded = edge([], max_transports=2)
    with TestClient(guarded) as client:
        with client.websocket_connect(tab_url()), client.websocket_connect(tab_url()):
            assert guarded.open_transports("testclient") == 2
            with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(tab_url()):
                pass
            assert refused.value.code == CLOSE_POLICY
        assert guarded.open_transports("testclient") == 0
        with client.websocket_connect(tab_url()):
            pass


def test_other_paths_are_not_guarded() -> None:
    with TestClient(edge([])) as client, client.websocket_connect("/other") as socket:
        socket.send_text("x" * (2 * MAX_FRAME))
        assert socket.receive_text() == "x" * (2 * MAX_FRAME)


def test_frame_refusal_names_no_content() -> None:
    refusal = frame_refusal({"type": "websocket.receive", "text": "4" + "secret" * 500}, 100)
    assert refusal is not None and "secret" not in refusal[1]


def test_frames_beyond_the_budget_are_dropped_unread_and_a_flood_is_closed() -> None:
    seen: list[str] = []
    with TestClient(edge(seen, burst=3)) as client, client.websocket_connect(tab_url()) as socket:
        for index in range(3 + FLOOD_FRAMES):
            socket.send_text(f"4{index}")
        for index in range(3):
            assert socket.receive_text() == f"4{index}"
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_text()
    assert closed.value.code == CLOSE_POLICY
    assert seen == ["40", "41", "42"]


def test_a_burst_within_the_budget_after_a_pause_passes_again() -> None:
    seen: list[str] = []
    now = [0.0]
    with TestClient(edge(seen, burst=2, clock=lambda: now[0])) as client, client.websocket_connect(tab_url()) as socket:
        for frame in ("4a", "4b", "4dropped"):
            socket.send_text(frame)
        assert [socket.receive_text(), socket.receive_text()] == ["4a", "4b"]
        now[0] = 10.0
        socket.send_text("4c")
        assert socket.receive_text() == "4c"
    assert seen == ["4a", "4b", "4c"]


def test_an_address_opens_its_burst_of_connections_then_its_rate() -> None:
    now = [0.0]
    guarded = edge([], max_transports=100, connects=2, clock=lambda: now[0])
    with TestClient(guarded) as client:
        for _ in range(2):
            with client.websocket_connect(tab_url()):
                pass
        with pytest.raises(WebSocketDisconnect), client.websocket_connect(tab_url()):
            pass
        now[0] = 1.0
        with client.websocket_connect(tab_url()):
            pass
