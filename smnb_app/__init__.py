"""SMNB authentication rebuilt in Reflex: server-verified Clerk sessions, SQLModel users and model sessions."""
