"""Bare Reflex, the floor the benchmarks measure the app against.

- `/`: every tab links one shared state; a rename in one reaches the others (`bench/sync.py`):
  Reflex's own shared-state fan-out, with no identity, no database and no registry of ours.
- `/sign-in`: a button whose event marks the tab signed in and redirects to `/home`, which
  shows the protected content (`bench/signin.py`): one event round trip, a client-side
  navigation and a render, with no identity provider, no token and no database.
- `Gate.tick`: an event that only changes one var of the tab (`bench/load.py`'s cheapest event).
"""

import os

import reflex as rx

from smnb_app.system.gc_pauses import watch_gc_pauses

ROOM = "floorroom"
# The same measurement as the app's (`bench/load.py` compares the longest pauses).
watch_gc_pauses(threshold_ms=float(os.environ.get("SMNB_GC_LOG_MS", "100")))


class Room(rx.SharedState):
    """The state every tab shares."""

    name: str = ""

    @rx.event
    async def join(self):
        """Link this tab to the room."""
        await self._link_to(ROOM)

    @rx.event
    def rename(self, form_data: dict):
        """Set the shared name.

        Args:
            form_data: The form; its `name` field holds the new name.
        """
        self.name = str(form_data.get("name", ""))


class Gate(rx.State):
    """A tab's stand-in for signing in."""

    signed_in: bool = False
    ticks: int = 0

    @rx.event
    def sign_in(self):
        """Mark the tab signed in and go on to the protected page."""
        self.signed_in = True
        return rx.redirect("/home")

    @rx.event
    def tick(self):
        """Count one more event."""
        self.ticks += 1


def sign_in() -> rx.Component:
    """The floor's sign-in: one button."""
    return rx.button("Sign in", on_click=Gate.sign_in, data_testid="dev-sign-in-submit")


def home() -> rx.Component:
    """The floor's protected page: its content once the tab is signed in."""
    return rx.cond(Gate.signed_in, rx.text("Welcome", data_testid="protected-content"), rx.text("Signed out"))


def index() -> rx.Component:
    """The room: its name and a field to change it."""
    return rx.box(
        rx.text(Room.name, data_testid="session-name"),
        rx.form(
            rx.input(name="name", data_testid="rename-input"),
            on_submit=Room.rename,
            reset_on_submit=False,
        ),
    )


app = rx.App()
app.add_page(index, route="/", on_load=Room.join)
app.add_page(sign_in, route="/sign-in")
app.add_page(home, route="/home")
