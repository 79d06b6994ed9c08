"""Live delivery: the registry of each user's open tabs, the tab's link to its user, pushes to every tab."""
