"""Readers' reports: a reported comment stays up and enters the moderators' reported queue."""
