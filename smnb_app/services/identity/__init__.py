"""Who the users are: sign-ins, user records, accounts, revocations and webhook deliveries."""
