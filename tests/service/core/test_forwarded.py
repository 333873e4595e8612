"""The caller's address and scheme behind proxies: `X-Forwarded-For` and `X-Forwarded-Proto`
are believed only from the proxies `COMMENTMOD_FORWARDED_ALLOW_IPS` lists (none by default),
so nobody chooses the address the per-address limits count, and `commentmod serve` leaves
uvicorn's own proxy handling (which trusts 127.0.0.1) off."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from moderation.scoring.scorers import Scorer
from service.app import create_app
from service.cli import main
from service.core.forwarded import TrustedProxies, parse_networks
from service.core.settings import Settings, get_settings
from tests.support.factories import SignedIn, published

PROXY = ("10.0.0.2", 40000)
STRANGER = ("203.0.113.9", 40000)

NOTICE = {
    "kind": "illegal_content",
    "explanation": "It repeats a false accusation of fraud against me by name.",
    "notifier_name": "Choi Yu-na",
    "notifier_email": "yuna@example.kr",
    "good_faith": True,
}


def proxies(*entries: str) -> TrustedProxies:
    return TrustedProxies(parse_networks(entries))


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        ("10.0.0.2", ["198.51.100.7"], "198.51.100.7"),
        # entries left of the last unlisted address were written by the caller: ignored
        ("10.0.0.2", ["1.1.1.1", "198.51.100.7"], "198.51.100.7"),
        # listed proxies in the chain are walked past, right to left
        ("10.0.0.2", ["1.1.1.1", "198.51.100.7", "10.9.9.9"], "198.51.100.7"),
        ("10.0.0.2", ["10.1.1.1", "10.2.2.2"], "10.1.1.1"),  # every entry listed: the left-most
        ("10.0.0.2", [], "10.0.0.2"),
        ("10.0.0.2", ["198.51.100.7:5123"], "198.51.100.7"),
        ("10.0.0.2", ["[2001:db8::7]:443"], "2001:db8::7"),
        ("10.0.0.2", ["2001:db8::7"], "2001:db8::7"),
        # not an address: believe nothing further, the listed proxy that passed it is the caller
        ("10.0.0.2", ["198.51.100.7", "unknown"], "10.0.0.2"),
        ("10.0.0.2", ["198.51.100.7", "garbage", "10.9.9.9"], "10.9.9.9"),
        ("::ffff:10.0.0.2", ["198.51.100.7"], "198.51.100.7"),  # a dual-stack socket's peer
        ("fd00::5", ["198.51.100.7"], "198.51.100.7"),
    ],
)
def test_a_listed_proxy_names_the_right_most_address_not_itself_listed(
    peer: str, forwarded_for: list[str], client: str
) -> None:
    resolved = proxies("10.0.0.0/8", "fd00::/8").resolve(peer, forwarded_for, [])

    assert resolved == (client, None)


@pytest.mark.parametrize("peer", ["203.0.113.9", "127.0.0.1", "11.0.0.1", "testclient", "fd01::1"])
def test_nothing_an_unlisted_peer_forwards_is_believed(peer: str) -> None:
    listed = proxies("10.0.0.0/8", "fd00::/16")

    assert listed.resolve(peer, ["198.51.100.7"], ["https"]) is None
    assert not proxies().trusts("127.0.0.1")  # none by default, not even loopback


def test_a_single_address_is_a_network_of_one() -> None:
    listed = proxies("10.0.0.2", "2001:db8::1")

    assert listed.trusts("10.0.0.2")
    assert not listed.trusts("10.0.0.3")
    assert listed.trusts("2001:db8::1")


@pytest.mark.parametrize(
    ("forwarded_for", "proto", "scheme"),
    [
        (["198.51.100.7"], ["https"], "https"),
        (["198.51.100.7"], ["HTTPS "], "https"),
        (["198.51.100.7"], ["ftp"], None),
        (["198.51.100.7"], ["http", "https"], "https"),  # the entry of the proxy it called
        # the client called a listed proxy (10.9.9.9) over https, which called ours over http
        (["198.51.100.7", "10.9.9.9"], ["https", "http"], "https"),
        (["1.1.1.1", "198.51.100.7", "10.9.9.9"], ["http", "https", "http"], "https"),
        (["198.51.100.7", "10.9.9.9"], ["https"], "https"),  # proxies that overwrite: one entry
    ],
)
def test_the_scheme_is_the_one_the_client_used_with_the_first_listed_proxy(
    forwarded_for: list[str], proto: list[str], scheme: str | None
) -> None:
    resolved = proxies("10.0.0.0/8").resolve("10.0.0.2", forwarded_for, proto)

    assert resolved == ("198.51.100.7", scheme)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("10.0.0.1,proxy.internal", "'proxy.internal' is not an IP address or a CIDR network"),
        ("10.1.2.3/8", "host bits set"),
        ("10.0.0.0/33", "is not an IP address or a CIDR network"),
        ("*", "list the proxies' addresses or networks"),
    ],
)
def test_a_bad_entry_is_a_clear_error_at_start(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings(forwarded_allow_ips=value)


def test_the_setting_is_comma_separated_addresses_and_networks() -> None:
    settings = Settings(forwarded_allow_ips=" 10.0.0.2, 192.168.0.0/16,, fd00::/8 ")

    assert settings.forwarded_allow_ips == ["10.0.0.2/32", "192.168.0.0/16", "fd00::/8"]
    assert Settings().forwarded_allow_ips == []


def test_serve_refuses_a_bad_entry_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMENTMOD_FORWARDED_ALLOW_IPS", "10.0.0.0/8,nonsense")
    get_settings.cache_clear()
    try:
        with pytest.raises(SystemExit) as stopped:
            main(["serve"])
    finally:
        get_settings.cache_clear()

    assert "COMMENTMOD_FORWARDED_ALLOW_IPS" in str(stopped.value)
    assert "'nonsense'" in str(stopped.value)


def test_serve_turns_uvicorns_own_proxy_headers_off(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    started: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: started.update(kwargs))
    get_settings.cache_clear()
    try:
        main(["serve", "--workers", "1"])
    finally:
        get_settings.cache_clear()

    assert started["proxy_headers"] is False


@pytest.fixture
def behind_proxy(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"forwarded_allow_ips": ["10.0.0.0/8"], "notice_rate_limits": "1/minute"}
    )


@pytest.fixture
def from_proxy(behind_proxy: Settings, scorer: Scorer) -> Iterator[TestClient]:
    with TestClient(create_app(behind_proxy, scorer=scorer), client=PROXY) as client:
        yield client


@pytest.fixture
def from_stranger(behind_proxy: Settings, scorer: Scorer) -> Iterator[TestClient]:
    with TestClient(create_app(behind_proxy, scorer=scorer), client=STRANGER) as client:
        yield client


def file(client: TestClient, comment_id: int, forwarded_for: str) -> int:
    response = client.post(
        f"/v1/comments/{comment_id}/notices",
        json=NOTICE,
        headers={"X-Forwarded-For": forwarded_for},
    )
    return response.status_code


def test_an_unlisted_peer_cannot_dodge_the_limit_with_x_forwarded_for(
    from_stranger: TestClient, reader: SignedIn
) -> None:
    comment_id = published(from_stranger, reader)

    codes = [file(from_stranger, comment_id, f"198.51.100.{n}") for n in (1, 2, 3)]

    assert codes == [201, 429, 429]  # all counted as 203.0.113.9, the connection's peer


def test_behind_a_listed_proxy_the_limit_counts_each_client(
    from_proxy: TestClient, reader: SignedIn
) -> None:
    comment_id = published(from_proxy, reader)

    first = file(from_proxy, comment_id, "198.51.100.1")
    other = file(from_proxy, comment_id, "198.51.100.2")
    again = file(from_proxy, comment_id, "198.51.100.1")
    # a client writing its own X-Forwarded-For: the proxy appends the real address
    forged = file(from_proxy, comment_id, "192.0.2.77, 198.51.100.1")

    assert (first, other, again, forged) == (201, 201, 429, 429)


def test_hsts_follows_the_scheme_a_listed_proxy_reports(
    from_proxy: TestClient, from_stranger: TestClient
) -> None:
    https = {"X-Forwarded-For": "198.51.100.1", "X-Forwarded-Proto": "https"}

    behind = from_proxy.get("/health", headers=https)
    spoofed = from_stranger.get("/health", headers=https)
    plain = from_proxy.get("/health", headers={"X-Forwarded-Proto": "http"})

    assert behind.headers["strict-transport-security"] == "max-age=31536000"
    assert "strict-transport-security" not in spoofed.headers
    assert "strict-transport-security" not in plain.headers
