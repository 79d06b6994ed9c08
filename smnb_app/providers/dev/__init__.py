"""The embedded, Clerk-compatible dev identity provider: its signing keys, sign-in store, routes and bridge."""
