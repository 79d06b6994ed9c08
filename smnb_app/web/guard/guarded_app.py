"""`GuardedApp`: the Reflex app with room for one ASGI layer outside all of Reflex's own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx


class GuardedApp(rx.App):
    """`rx.App` whose `outermost`, set once the app is built, wraps what Reflex serves.

    That layer sits outside all of Reflex's own (its Starlette app, its middlewares, its CORS).
    Reflex's `api_transformer` layers sit inside those; a websocket refused out here (the socket
    edge, `smnb_app.net.socket_edge`) costs the worker a third less than one refused in there
    (`bench/abuse.py`).
    """

    outermost: Callable[[Any], Any] | None = None

    def __call__(self) -> Any:
        """The ASGI app granian serves (Reflex builds it once per worker).

        Returns:
            Reflex's ASGI app, wrapped by `outermost` when set.
        """
        backend = super().__call__()
        return self.outermost(backend) if self.outermost is not None else backend
