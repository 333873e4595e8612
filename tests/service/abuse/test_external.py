"""The external moderation hook against a real receiver on a local port: its answers read and
cleaned, its signature checkable, and everything a receiver or the network can do wrong (slow,
erroring, redirecting, babbling, unreachable, private) a failure, returned, never raised."""

import hashlib
import hmac
import json
import socket
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import httpx2
import pytest

from service.abuse.external import (
    EVENT_TYPE,
    ExternalHook,
    ExternalVerdict,
    ask_external,
    external_payload,
)
from service.webhooks.service import EVENT_TYPE_HEADER, SIGNATURE_HEADER
from tests.support.receiver import Receiver

pytestmark = pytest.mark.anyio

SECRET = "whsec_external-test-Zq9xW"
PAYLOAD = external_payload(
    article_id="politics/2024/budget",
    parent_id=None,
    author_id=7,
    author_created_at=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
    text="Ein Kommentar, ünïcode and all.",
    scores={"toxicity": 0.12},
    links=["https://example.org/a"],
)


@pytest.fixture
def anyio_backend() -> str:
    """asyncio only: the hook bounds its call with `asyncio.timeout`, as the webhooks do."""
    return "asyncio"


async def ask(
    url: str,
    *,
    timeout_ms: int = 2000,
    allowed_hosts: Sequence[str] = ("127.0.0.1",),
    payload: dict[str, Any] = PAYLOAD,
) -> ExternalVerdict:
    """One call, with a deadline generous enough for a busy test machine unless a test is
    about the deadline; whatever happens, the secret is never in the error."""
    async with httpx2.AsyncClient(trust_env=False) as client:
        verdict = await ask_external(
            client,
            ExternalHook(url, SECRET, timeout_ms=timeout_ms),
            payload,
            allowed_hosts=list(allowed_hosts),
        )
    assert verdict.failed == (verdict.error is not None)
    assert verdict.elapsed_ms >= 0
    if verdict.failed:
        assert (verdict.action, verdict.reason, verdict.note) == (None, None, None)
        assert SECRET not in str(verdict.error)
    return verdict


def unused_port() -> int:
    """A local port nothing listens on: a receiver that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# Answers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["publish", "hold", "reject"])
async def test_each_action_is_read_with_its_reason_and_note(
    receiver: Receiver, action: str
) -> None:
    receiver.answers({"action": action, "reason": "spam.link", "note": "Known link farm."})
    verdict = await ask(receiver.url())
    assert not verdict.failed
    assert (verdict.action, verdict.reason, verdict.note, verdict.error) == (
        action,
        "spam.link",
        "Known link farm.",
        None,
    )


async def test_reason_and_note_are_optional_and_extra_keys_ignored(receiver: Receiver) -> None:
    receiver.answers({"action": "hold", "reason": None, "score": 0.9, "model": "v2"})
    verdict = await ask(receiver.url())
    assert (verdict.action, verdict.reason, verdict.note) == ("hold", None, None)


async def test_reason_and_note_lose_control_characters_and_are_trimmed(
    receiver: Receiver,
) -> None:
    reason = "\x1b[31mflood\x00" + "r" * 80
    note = "  line one\nline\u202etwo\ud800 " + "n" * 1000
    receiver.answers({"action": "reject", "reason": reason, "note": note})
    verdict = await ask(receiver.url())
    assert verdict.reason == ("[31mflood" + "r" * 80)[:50]
    assert verdict.note == ("line oneline" + "two " + "n" * 1000)[:500]
    assert verdict.reason is not None
    assert verdict.note is not None
    assert (len(verdict.reason), len(verdict.note)) == (50, 500)
    verdict.note.encode()  # no lone surrogate left: storable as UTF-8


async def test_a_reason_of_only_control_characters_is_none(receiver: Receiver) -> None:
    receiver.answers({"action": "hold", "reason": "\x00\x07 \t", "note": ""})
    verdict = await ask(receiver.url())
    assert (verdict.action, verdict.reason, verdict.note) == ("hold", None, None)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"not json {", "not JSON"),
        (b"\xff\xfe{]", "not JSON"),
        (b"", "not JSON"),
        (b"[" * 5000 + b"]" * 5000, "not JSON"),  # too deep to parse, yet under 16 KiB
        (["publish"], "not a JSON object"),
        ("publish", "not a JSON object"),
        ({"action": "approve"}, "action"),
        ({"action": "PUBLISH"}, "action"),
        ({"verdict": "publish"}, "action"),
        ({"action": "hold", "reason": 42}, "reason"),
        ({"action": "hold", "note": ["a"]}, "note"),
    ],
)
async def test_an_answer_not_of_the_agreed_shape_fails(
    receiver: Receiver, body: Any, error: str
) -> None:
    receiver.answers(body)
    verdict = await ask(receiver.url())
    assert verdict.failed
    assert error in str(verdict.error)


# What is sent ------------------------------------------------------------------------------


async def test_the_request_is_signed_over_the_exact_bytes_received(receiver: Receiver) -> None:
    await ask(receiver.url())
    [got] = receiver.received
    assert got.path == "/check"
    headers = {name.lower(): value for name, value in got.headers.items()}
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"] == "commentmod-external-moderation"
    assert headers[EVENT_TYPE_HEADER.lower()] == EVENT_TYPE == "comment.check"
    stamp, mac = headers[SIGNATURE_HEADER.lower()].split(",")
    assert stamp.startswith("t=")
    assert mac.startswith("v1=")
    timestamp = int(stamp.removeprefix("t="))
    assert abs(timestamp - time.time()) < 60
    expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + got.body, hashlib.sha256)
    assert hmac.compare_digest(mac.removeprefix("v1="), expected.hexdigest())
    wrong = hmac.new(b"another secret", f"{timestamp}.".encode() + got.body, hashlib.sha256)
    assert mac.removeprefix("v1=") != wrong.hexdigest()
    assert json.loads(got.body) == PAYLOAD
    assert SECRET.encode() not in got.body


def test_the_payload_is_the_comment_before_it_is_stored_and_its_author() -> None:
    payload = external_payload(
        article_id="a-1",
        parent_id=41,
        author_id=3,
        author_created_at=datetime(2023, 5, 6, 7, 8, 9),  # naive, as SQLite gives it back
        text="Hello",
        scores={"toxicity": 0.5, "insult": float("nan")},
        links=("https://example.org",),
    )
    assert payload == {
        "comment": {
            "article_id": "a-1",
            "parent_id": 41,
            "body": "Hello",
            "scores": {"toxicity": 0.5, "insult": None},
            "links": ["https://example.org"],
        },
        "author": {"id": 3, "created_at": "2023-05-06T07:08:09+00:00"},
    }
    assert "id" not in payload["comment"]
    json.dumps(payload, allow_nan=False)
    unscored = external_payload(
        article_id="a-1",
        parent_id=None,
        author_id=3,
        author_created_at=datetime(2023, 5, 6, tzinfo=UTC),
        text="Hello",
        scores=None,
        links=[],
    )
    assert unscored["comment"]["scores"] is None


def test_a_hook_needs_a_positive_deadline() -> None:
    with pytest.raises(ValueError, match="timeout_ms"):
        ExternalHook("https://example.org/check", SECRET, timeout_ms=0)
    hook = ExternalHook("https://example.org/check", SECRET)
    assert (hook.timeout_ms, hook.on_failure) == (300, "hold")


# Failures ----------------------------------------------------------------------------------


async def test_a_slow_receiver_fails_at_the_deadline_not_when_it_answers(
    receiver: Receiver,
) -> None:
    receiver.answers({"action": "publish"}, delay=1.0)
    started = time.perf_counter()
    verdict = await ask(receiver.url(), timeout_ms=100)
    took = time.perf_counter() - started
    assert verdict.failed
    assert "within the 100 ms deadline" in str(verdict.error)
    assert took < 0.9  # a correctness bound (the receiver sleeps 1 s), not a benchmark
    assert verdict.elapsed_ms < 900


async def test_the_name_lookup_counts_inside_the_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = socket.getaddrinfo

    def slow_resolver(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "slow-dns.example":
            time.sleep(0.5)
            return real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", slow_resolver)
    started = time.perf_counter()
    verdict = await ask("http://slow-dns.example/check", timeout_ms=100, allowed_hosts=[])
    assert verdict.failed
    assert "deadline" in str(verdict.error)
    assert time.perf_counter() - started < 0.45


async def test_an_error_status_fails(receiver: Receiver) -> None:
    receiver.answers({"action": "publish"}, status=500)
    verdict = await ask(receiver.url())
    assert (verdict.failed, verdict.error) == (True, "HTTP 500")


async def test_a_redirect_is_not_followed(receiver: Receiver) -> None:
    receiver.answers(
        {"action": "publish"}, status=302, headers={"Location": receiver.url("/elsewhere")}
    )
    verdict = await ask(receiver.url())
    assert (verdict.failed, verdict.error) == (True, "HTTP 302")
    assert [got.path for got in receiver.received] == ["/check"]


@pytest.mark.parametrize("content_length", [True, False])
async def test_an_over_large_answer_fails(receiver: Receiver, content_length: bool) -> None:
    padding = "x" * (16 * 1024)
    receiver.answers({"action": "publish", "note": padding}, content_length=content_length)
    verdict = await ask(receiver.url())
    assert verdict.failed
    assert "larger than 16384 bytes" in str(verdict.error)


async def test_an_endless_answer_is_not_read_to_its_end(receiver: Receiver) -> None:
    endless = b'{"action": "publish", "note": "' + b"x" * (8 * 1024 * 1024) + b'"}'
    receiver.answers(endless, content_length=False)
    verdict = await ask(receiver.url())
    assert verdict.failed
    assert "larger than" in str(verdict.error)


async def test_an_answer_just_under_the_limit_is_read(receiver: Receiver) -> None:
    frame = len(json.dumps({"action": "hold", "note": ""}))
    receiver.answers({"action": "hold", "note": "y" * (16 * 1024 - frame)}, content_length=False)
    verdict = await ask(receiver.url())
    assert (verdict.action, verdict.note) == ("hold", "y" * 500)


async def test_a_compressed_answer_fails(receiver: Receiver) -> None:
    receiver.answers(b"\x1f\x8b not really gzip", headers={"Content-Encoding": "gzip"})
    verdict = await ask(receiver.url())
    assert verdict.failed
    assert "compressed" in str(verdict.error)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "2130706433"])
async def test_a_private_host_not_allowed_is_never_contacted(receiver: Receiver, host: str) -> None:
    verdict = await ask(f"http://{host}:{receiver.port}/check", allowed_hosts=[])
    assert verdict.failed
    assert "private" in str(verdict.error)
    assert receiver.received == []


@pytest.mark.parametrize(
    "url", ["ftp://127.0.0.1/check", "http://user:pw@127.0.0.1/check", "http:///check"]
)
async def test_a_url_that_is_not_plain_http_is_refused(url: str) -> None:
    verdict = await ask(url)
    assert verdict.failed
    assert "refused" in str(verdict.error)


async def test_a_receiver_that_is_down_fails() -> None:
    verdict = await ask(f"http://127.0.0.1:{unused_port()}/check?key={SECRET}")
    assert verdict.failed
    assert "Connect" in str(verdict.error)


@pytest.mark.parametrize("url", ["http://[::1/check", "http://127.0.0.1:99999/check"])
async def test_a_url_that_cannot_be_sent_to_fails(url: str) -> None:
    verdict = await ask(url, allowed_hosts=["127.0.0.1", "::1"])
    assert verdict.failed
    assert "Group" not in str(verdict.error)  # the error itself, not a task group's wrapper


async def test_an_error_that_quotes_the_secret_is_withheld() -> None:
    host = f"{SECRET}\u2603..example"  # not a valid name: the URL parser quotes it back
    verdict = await ask(f"http://{host}/check", allowed_hosts=[host.lower()])
    assert verdict.failed
    assert str(verdict.error).startswith("InvalidURL")
    assert "withheld" in str(verdict.error)
