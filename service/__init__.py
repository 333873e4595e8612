"""The FastAPI service: settings, database, routers and the `commentmod` CLI."""
