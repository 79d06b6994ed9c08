"""A real HTTP server on 127.0.0.1, on a free port, answering GET requests in a background thread."""

from __future__ import annotations

import threading
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self


class LoopbackServer:
    """The life cycle shared by the test servers; subclasses say what a GET answers.

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

    def answer_get(self, path: str, headers: Message) -> tuple[int, dict[str, str], bytes]:
        """The status, extra headers and body of a GET; runs in the request's thread.

        Args:
            path: The request path, with its query.
            headers: The request headers.

        Returns:
            What to send; the Content-Type is JSON unless the headers say otherwise.
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
                status, headers, body = server.answer_get(self.path, self.headers)
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # The client gave up waiting: that is what a slow-answer test provokes.

            def log_message(self, format: str, *args: Any) -> None:
                """Keep test output clean."""

        return Handler
