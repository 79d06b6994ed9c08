"""News about a user that reaches every open tab of theirs, on every worker: a session ended, a new profile.

The provider (a webhook) or the user (sign out everywhere, delete my account) changes something
outside any tab; each of the user's registered tabs is then changed through the state manager
(`app.modify_state`; with Redis the delta reaches a socket held by another worker through
Reflex's pub/sub), after checking that it is still signed in as that user.
"""

from __future__ import annotations

import reflex as rx
from reflex_base.registry import RegistrationContext

from smnb_app.services.identity.users import AuthUser
from smnb_app.web.live.registry import reach_tabs
from smnb_app.web.signin.state import AuthState


async def end_sessions_in_tabs(user_id: int, *, sids: frozenset[str] | None, message: str, sender: str = "") -> None:
    """Sign out the user's tabs holding one of `sids` (all of them when None), within the call.

    Args:
        user_id: The user.
        sids: The provider sessions that ended; None for every session of the user.
        message: What the signed-out tabs say.
        sender: A tab to leave out (the acting one, which signs itself out).
    """
    app = RegistrationContext.get().app

    async def deliver(client: str) -> bool:
        async with app.modify_state(rx.BaseStateToken(ident=client, cls=AuthState)) as root:
            auth = await root.get_state(AuthState)
            if auth._user_id != user_id:
                return False
            if sids is not None and auth._claims.get("sid") not in sids:
                return True
            auth._end(message)
            return False

    await reach_tabs(user_id, deliver, sender=sender)


async def show_profile_in_tabs(user: AuthUser) -> None:
    """Show a user's new profile (name, email, picture) in every tab of theirs, without a reload.

    Args:
        user: The user after the change.
    """
    app = RegistrationContext.get().app

    async def deliver(client: str) -> bool:
        async with app.modify_state(rx.BaseStateToken(ident=client, cls=AuthState)) as root:
            auth = await root.get_state(AuthState)
            if auth._user_id != user.id or not auth.is_authenticated:
                return False
            auth._show(user)
            return True

    await reach_tabs(user.id, deliver)
