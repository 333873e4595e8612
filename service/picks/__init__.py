"""Editors' picks and pinned comments, and the badges of the newsroom's own people."""
