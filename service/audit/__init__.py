"""The audit log: one row for every moderation event, by the system or a person."""
