"""A session's settings panel: which controls are enabled follows its control mode."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx
from reflex.vars import ObjectVar, Var

from smnb_app.web.sessions.rows import CONTROL_MODES, MODELS, SETTING_RANGES, SessionRow
from smnb_app.web.sessions.state import SessionsState


@dataclass(frozen=True)
class SliderSpec:
    """One numeric setting's slider; its bounds are the ranges the service enforces."""

    key: str
    label: str
    step: float


SLIDERS: tuple[SliderSpec, ...] = (
    SliderSpec("temperature", "Temperature", 0.1),
    SliderSpec("max_tokens", "Max tokens", 128),
    SliderSpec("top_p", "Top P", 0.05),
    SliderSpec("frequency_penalty", "Frequency penalty", 0.1),
    SliderSpec("presence_penalty", "Presence penalty", 0.1),
)


def _slug(key: str) -> str:
    return key.replace("_", "-")


def _labeled(label: str, control: rx.Component, readout: rx.Component | None = None) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(label, size="2", weight="medium"),
            rx.spacer(),
            readout if readout is not None else rx.fragment(),
            width="100%",
        ),
        control,
        spacing="1",
        width="100%",
    )


def _setting(row: ObjectVar[SessionRow], key: str) -> Var:
    # What `row[key]` reads; Reflex types `[]` on an object var for mappings only.
    return getattr(row, key)


def _choice(row: ObjectVar[SessionRow], key: str, label: str, items: tuple[str, ...], enabled: Var) -> rx.Component:
    return _labeled(
        label,
        rx.select(
            list(items),
            value=_setting(row, key).to(str),
            on_change=lambda value: SessionsState.change_setting(row.id, key, value),
            disabled=~enabled,
            width="100%",
            custom_attrs={"data-testid": f"setting-{_slug(key)}"},
        ),
    )


def _slider(row: ObjectVar[SessionRow], spec: SliderSpec, enabled: Var) -> rx.Component:
    value = _setting(row, spec.key).to(float)
    return _labeled(
        spec.label,
        rx.slider(
            # Uncontrolled, so dragging sends nothing until release; the key remounts it with
            # the stored value whenever the session changes (here or in another tab).
            key=f"{spec.key}-{row.id}-{row.updated_at}",
            default_value=value,
            min=SETTING_RANGES[spec.key][0],
            max=SETTING_RANGES[spec.key][1],
            step=spec.step,
            disabled=~enabled,
            on_value_commit=lambda committed: SessionsState.change_setting(row.id, spec.key, committed),
            data_testid=f"setting-{_slug(spec.key)}",
        ),
        rx.text(value, size="2", color_scheme="gray", data_testid=f"value-{_slug(spec.key)}"),
    )


def settings_panel(row: ObjectVar[SessionRow]) -> rx.Component:
    """The settings of one session.

    hands-free: only the control mode can change; balanced: also model and temperature;
    full-control: everything. An archived session shows its settings read-only.

    Args:
        row: The session row (a `SessionRow` var).

    Returns:
        The panel.
    """
    mode_hint = rx.match(
        row.control_mode,
        ("hands-free", "Hands-free: the assistant picks everything but the control mode."),
        ("balanced", "Balanced: you choose the model and the temperature."),
        "Full control: every setting is yours.",
    )
    return rx.card(
        rx.vstack(
            rx.text(mode_hint, size="2", color_scheme="gray", data_testid="settings-hint"),
            rx.grid(
                _choice(row, "control_mode", "Control mode", CONTROL_MODES, row.editable),
                _choice(row, "model", "Model", MODELS, row.basic_editable),
                *[
                    _slider(row, spec, row.basic_editable if spec.key == "temperature" else row.all_editable)
                    for spec in SLIDERS
                ],
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="4",
                width="100%",
            ),
            spacing="3",
        ),
        width="100%",
        data_testid="settings-panel",
    )
