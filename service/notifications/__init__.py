"""What a reader is told: statements of reasons, replies, decisions on their comments, notices
and appeals; listed newest first with an unread count for the badge."""
