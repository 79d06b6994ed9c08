"""News about a user that reaches every open tab of theirs, on every worker: a session ended, a new profile.

The provider (a webhook) or the user (sign out everywhere, delete my account) changes something
outside any tab; each of the user's registered tabs then gets the news through `push_to_tabs`,
after checking that it is still signed in as that user.
"""

from __future__ import annotations

from smnb_app.services.identity.users import AuthUser
from smnb_app.web.live.delivery import push_to_tabs
from smnb_app.web.signin.state import AuthState


async def end_sessions_in_tabs(user_id: int, *, sids: frozenset[str] | None, message: str, sender: str = "") -> None:
    """Sign out the user's tabs holding one of `sids` (all of them when None), within the call.

    Args:
        user_id: The user.
        sids: The provider sessions that ended; None for every session of the user.
        message: What the signed-out tabs say.
        sender: A tab to leave out (the acting one, which signs itself out).
    """

    async def end(auth: AuthState) -> bool:
        if auth._user_id != user_id:
            return False
        if sids is not None and auth._claims.get("sid") not in sids:
            return True
        auth._end(message)
        return False

    await push_to_tabs(user_id, AuthState, end, sender=sender)


async def show_profile_in_tabs(user: AuthUser) -> None:
    """Show a user's new profile (name, email, picture) in every tab of theirs, without a reload.

    Args:
        user: The user after the change.
    """

    async def show(auth: AuthState) -> bool:
        if auth._user_id != user.id or not auth.is_authenticated:
            return False
        auth._show(user)
        return True

    await push_to_tabs(user.id, AuthState, show)
