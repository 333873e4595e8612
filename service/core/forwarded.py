"""Who is calling, and over which scheme, when proxies stand in front: the one place that reads
`X-Forwarded-For` and `X-Forwarded-Proto`, and only from the proxies the newsroom lists
(`COMMENTMOD_FORWARDED_ALLOW_IPS`). Every per-address limit (notices, reports, logins), the
access log and HSTS read the address and scheme it leaves in the request."""

from collections.abc import Iterable, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

Network = IPv4Network | IPv6Network
Address = IPv4Address | IPv6Address

SCHEMES = {"http": "http", "https": "https", "ws": "http", "wss": "https"}
"""What `X-Forwarded-Proto` may say, as an HTTP scheme (a websocket's is `ws`/`wss`)."""


def parse_network(entry: str) -> Network:
    """One listed proxy: an address (`10.0.0.7`, `2001:db8::7`) or a CIDR network
    (`10.0.0.0/8`); a clear `ValueError` for anything else."""
    text = entry.strip()
    if text == "*":
        raise ValueError(
            "'*' would believe any caller's X-Forwarded-For, so anyone could choose the address "
            "the limits count: list the proxies' addresses or networks"
        )
    try:
        return ip_network(text, strict=True)
    except ValueError as error:
        raise ValueError(
            f"{entry!r} is not an IP address or a CIDR network like 10.0.0.0/8 ({error})"
        ) from None


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    return tuple(parse_network(entry) for entry in entries)


def _address(text: str) -> Address | None:
    """An address as a proxy writes it: bare, or with a port (`1.2.3.4:5678`,
    `[2001:db8::1]:443`); None when it is none (`unknown`, an obfuscated name)."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ip_address(text)
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


class TrustedProxies:
    """The listed proxies, and how a request's client and scheme are found behind them."""

    def __init__(self, networks: Sequence[Network]) -> None:
        self.networks = tuple(networks)

    def __bool__(self) -> bool:
        return bool(self.networks)

    def trusts(self, host: str) -> bool:
        address = _address(host)
        return address is not None and any(address in network for network in self.networks)

    def resolve(
        self, peer: str, forwarded_for: Sequence[str], forwarded_proto: Sequence[str]
    ) -> tuple[str, str | None] | None:
        """The client's address and the scheme it used, when the direct `peer` is a listed
        proxy (None otherwise: nothing the peer says is believed).

        The address is the right-most `X-Forwarded-For` entry that is not itself a listed proxy
        (each proxy appends the address it was called from, so entries to its left were
        written by the caller and prove nothing); the left-most if every entry is listed. An
        entry that is no address ends the walk at the listed proxy that passed it on. The
        scheme is `X-Forwarded-Proto`'s entry from the proxy that was called by that client
        (counted from the right like the addresses), or its left-most one where proxies wrote
        one entry between them; None when absent or not a scheme."""
        if not self.trusts(peer):
            return None
        client, hops = peer, 0
        for index, entry in enumerate(reversed(forwarded_for)):
            address = _address(entry)
            if address is None:
                break
            client, hops = str(address), index
            if not any(address in network for network in self.networks):
                break
        scheme = None
        if forwarded_proto:
            said = forwarded_proto[-1 - min(hops, len(forwarded_proto) - 1)]
            scheme = SCHEMES.get(said.strip().lower())
        return client, scheme


def _values(headers: Headers, name: str) -> list[str]:
    """Every comma-separated entry of every copy of the header, in order."""
    return [
        entry.strip()
        for value in headers.getlist(name)
        for entry in value.split(",")
        if entry.strip()
    ]


class ForwardedHeaders:
    """Rewrites the request's client and scheme from the forwarded headers of a listed proxy,
    in place (uvicorn's access log reads the same scope). Outermost, so every layer inside sees
    the same answer; uvicorn's own proxy-headers handling is off (`commentmod serve`)."""

    def __init__(self, app: ASGIApp, proxies: TrustedProxies) -> None:
        self.app = app
        self.proxies = proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        peer = scope.get("client")
        if self.proxies and scope["type"] in ("http", "websocket") and peer:
            headers = Headers(scope=scope)
            resolved = self.proxies.resolve(
                str(peer[0]),
                _values(headers, "x-forwarded-for"),
                _values(headers, "x-forwarded-proto"),
            )
            if resolved is not None:
                client, scheme = resolved
                scope["client"] = (client, 0)
                if scheme is not None:
                    websocket = scope["type"] == "websocket"
                    scope["scheme"] = scheme.replace("http", "ws") if websocket else scheme
        await self.app(scope, receive, send)
