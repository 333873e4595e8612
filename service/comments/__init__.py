"""Articles, comments, reports and the moderation audit log."""
