"""A reader's mutes: other readers whose comments they choose not to see."""
