"""The websocket guard: every Socket.IO packet and browser event checked before Reflex sees it."""
