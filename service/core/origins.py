"""Origins (`scheme://host[:port]`), the unit of trust for CORS, CSRF and post-login redirects."""

from urllib.parse import urlsplit


def origin_of(url: str) -> str | None:
    """The origin of an absolute http(s) URL as a browser writes it (lower case, no default
    port), or None for anything else: relative and
    protocol-relative URLs, `javascript:`, user-info tricks, backslashes, control characters,
    unparsable hosts or ports."""
    if not url or any(ch in url for ch in "\\\t\r\n ") or not url.isprintable():
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # "https://[x", a port out of range
        return None
    if parts.scheme not in {"http", "https"} or not parts.hostname or "@" in parts.netloc:
        return None
    host = parts.hostname.lower()
    if ":" in host:  # an IPv6 literal keeps its brackets, as browsers write it in `Origin`
        host = f"[{host}]"
    default_port = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default_port else "")
