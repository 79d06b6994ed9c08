"""Bare Reflex live sync: every tab links one shared state; a rename in one reaches the others.

The floor that `bench/sync.py` measures the app against: Reflex's own shared-state fan-out,
with no identity, no database and no registry of ours.
"""

import reflex as rx

ROOM = "floorroom"


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
