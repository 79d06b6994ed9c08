"""The frame around every page (header, notices) and the landing page."""
