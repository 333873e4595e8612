"""Domain rules for comments: text checks, toxicity scorers and the publish/hold policy.

Nothing here imports FastAPI or the database, so a batch re-scoring job or an offline evaluation can
use it on its own.
"""
