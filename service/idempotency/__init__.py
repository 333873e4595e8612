"""`Idempotency-Key`: a client that retries a write (after a time-out, a dropped connection) gets
the first answer again, and nothing is stored twice."""
