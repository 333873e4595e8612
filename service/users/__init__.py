"""Users as moderators see them, and their sanctions: ban, suspend, pre-moderate, and lifting."""
