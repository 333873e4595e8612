"""The moderators' API: queues, decisions and the audit log."""
