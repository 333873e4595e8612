"""Live updates: what changed on an article, pushed to open event streams on every worker."""
