"""The web UI and the JSON API share one Starlette app."""
