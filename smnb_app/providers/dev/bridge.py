"""The dev provider's browser half as a Reflex component (see `bridge.jsx`)."""

from __future__ import annotations

import reflex as rx
from reflex.event import passthrough_event_spec


class DevTokenBridge(rx.Component):
    """Signs the browser in with the dev provider and hands every fresh token to the server."""

    library = rx.asset("bridge.jsx", shared=True).importable_path
    tag = "DevTokenBridge"

    issuer_url: rx.Var[str]
    connection_id: rx.Var[str]
    on_token: rx.EventHandler[passthrough_event_spec(str)]
    on_sign_in_error: rx.EventHandler[passthrough_event_spec(str)]
