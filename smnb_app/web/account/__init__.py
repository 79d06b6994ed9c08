"""The account feature: the dashboard, the user's account actions and their recent sign-ins."""
