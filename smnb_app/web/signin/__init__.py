"""The sign-in feature: AuthState and its expiry and redirects, the token bridge, the sign-in pages."""
