"""Spam, floods and campaigns: the checks a toxicity model cannot make."""
