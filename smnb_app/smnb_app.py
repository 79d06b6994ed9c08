"""The Reflex entry point (`app_name` in rxconfig.py): the app that `create_app()` builds."""

from smnb_app.web.app import create_app

app = create_app()
