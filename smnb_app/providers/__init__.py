"""Identity providers: the embedded dev issuer and Clerk, each with its config, server and browser parts.

Below the state layer: nothing here imports Reflex state. Route builders (`dev/routes.py`,
`clerk/webhooks.py`) and component builders (`dev/bridge.py`, `clerk/components.py`) are the
only modules that import Reflex or Starlette at all.
"""
