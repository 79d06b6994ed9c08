"""The sessions feature: the /sessions page's state, list, rows, panels and patches (model sessions only)."""
