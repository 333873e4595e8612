"""The transparency report: notices, actions, temporary measures and appeals over a period, as
JSON or CSV."""
