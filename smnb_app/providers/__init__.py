"""Identity providers behind one interface (`base.IdentityProvider`): the embedded dev issuer and Clerk.

Below the web layer: nothing here imports Reflex state. The provider is chosen once, by
`choose.provider_for`, from `SMNB_AUTH_PROVIDER`; no module outside this package compares it.
"""
