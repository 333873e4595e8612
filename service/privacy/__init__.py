"""A reader's own data: taking it (the export)."""
