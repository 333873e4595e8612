"""The moderation policy admins tune at run time: thresholds, switches and word lists, compiled
into one versioned snapshot every replica shares."""
