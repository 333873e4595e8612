"""Webhooks for the newsroom's own systems: events written with the change that caused them
(an outbox), delivered in the background, signed, retried, logged."""
