"""Plumbing every feature stands on: settings, the database and its units of work, errors,
keyset paging, rate limits, origins, middleware. Nothing here imports `auth` or a feature."""
