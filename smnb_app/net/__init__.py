"""HTTP-edge helpers without Reflex: the app's origins, client addresses, limits, security headers."""
