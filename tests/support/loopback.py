"""A real HTTP server on 127.0.0.1, on a free port, answering GET, POST and DELETE in a background thread."""

from __future__ import annotations

import threading
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self


class LoopbackServer:
    """The life cycle shared by the test servers; subclasses say what a request answers.

    Use as a context manager: the server runs in a background thread while the block runs.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.01,), daemon=True)

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>`, usable as an issuer or an API base URL."""
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def answer(
        self,
        method: str,
        path: str,
        headers: Message,
        body: bytes,
    ) -> tuple[int, dict[str, str], bytes] | None:
        """The status, extra headers and body of an answer; runs in the request's thread.

        Args:
            method: `GET`, `POST` or `DELETE`.
            path: The request path, with its query, as sent (still percent-encoded).
            headers: The request headers.
            body: The request body (empty when there is none).

        Returns:
            What to send, the Content-Type being JSON unless the headers say otherwise; None
            closes the connection without an answer.
        """
        raise NotImplementedError

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._reply()

            def do_POST(self) -> None:
                self._reply()

            def do_DELETE(self) -> None:
                self._reply()

            def _reply(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                reply = server.answer(self.command, self.path, self.headers, body)
                if reply is None:
                    return
                status, headers, answer = reply
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                try:
                    self.wfile.write(answer)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # The client gave up waiting: that is what a slow-answer test provokes.

            def log_message(self, format: str, *args: Any) -> None:
                """Keep test output clean."""

        return Handler
