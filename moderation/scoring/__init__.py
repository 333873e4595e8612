"""Toxicity scoring: the scorers (`scorers`), micro-batching of concurrent texts into one forward
pass (`batching`), and the service that bounds it in time and fails closed (`service`)."""
