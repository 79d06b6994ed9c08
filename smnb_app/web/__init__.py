"""Everything that imports Reflex, by feature; the app factory, event allowlist and lifespan tasks at the root."""
