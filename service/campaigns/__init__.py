"""Campaigns: near-duplicate comments from several accounts, reviewed as one card."""
