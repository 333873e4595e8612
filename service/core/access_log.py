"""Logging set-up for the server: OAuth codes and states never reach the access log."""

import logging
import re

_SECRET_QUERY = re.compile(r"(?<=[?&])(code|state|access_token)=[^&\s]*")


class RedactQuerySecrets(logging.Filter):
    """Uvicorn logs each request's path with its query; the OAuth callback's carries the
    authorization code and state."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, version, status = record.args
            if isinstance(path, str):
                path = _SECRET_QUERY.sub(r"\1=[redacted]", path)
            record.args = (client, method, path, version, status)
        return True


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(existing, RedactQuerySecrets) for existing in access.filters):
        access.addFilter(RedactQuerySecrets())
