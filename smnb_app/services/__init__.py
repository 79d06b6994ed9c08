"""Services: users and their sessions, over SQLModel (no Reflex here)."""
