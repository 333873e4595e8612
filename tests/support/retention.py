"""The retention terms the tests prune under (the product's defaults, an hour's rate limits)."""

from datetime import timedelta

from service.retention.service import Terms

TERMS = Terms(
    sessions=timedelta(days=30),
    notifications=timedelta(days=365),
    webhooks=timedelta(days=30),
    rate_limit_window=timedelta(hours=1),
)
