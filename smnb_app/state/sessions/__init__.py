"""The sessions page's state: the page itself, its list and panels, and live sync between tabs."""
