"""Comments: posting and editing (scored, decided, stored), reading, deleting, and the one place
where a comment's status changes."""
