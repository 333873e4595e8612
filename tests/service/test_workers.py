"""`commentmod serve --workers 2` as deployed: two processes share the port and the database,
SIGTERM in the middle of a burst of comments loses none that was answered 201, and every rate
limit holds exactly across the two."""

import json
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx2
from sqlmodel import Session, col, select

from moderation.statuses import CommentStatus
from service.comments.models import Comment
from service.comments.tallies import drift
from service.core.db import make_engine
from tests.support.app import SPAM_CHECKS_OFF
from tests.support.factories import ARTICLE, SignedIn, sign_in
from tests.support.serving import quiet_settings, start_serving, wait_until_serving
from tests.support.stalled import unused_port

WRITERS = 8


def test_sigterm_during_a_burst_loses_no_answered_comment(database_url: str) -> None:
    engine = make_engine(database_url)
    writers = [sign_in(engine, f"Writer {i}") for i in range(WRITERS)]
    port = unused_port()
    server = start_serving(
        port,
        {**quiet_settings(database_url), "COMMENTMOD_SHUTDOWN_TIMEOUT": "10"},
        "--workers",
        "2",
    )
    base = f"http://127.0.0.1:{port}"
    answered: list[int] = []
    refused: list[str] = []
    stop = threading.Event()

    def write(writer: SignedIn) -> None:
        with httpx2.Client(base_url=base, timeout=30) as client:
            number = 0
            while not stop.is_set():
                number += 1
                try:
                    response = client.post(
                        f"/v1/articles/{ARTICLE}/comments",
                        json={"body": f"Comment {number} from writer {writer.id} on the summit."},
                        headers=writer.headers,
                    )
                except httpx2.TransportError:
                    return  # the server stopped accepting: what SIGTERM does
                if response.status_code == 201:
                    answered.append(response.json()["id"])
                else:
                    refused.append(f"{response.status_code} {response.text}")

    try:
        wait_until_serving(f"{base}/health")
        threads = [threading.Thread(target=write, args=(w,)) for w in writers]
        for thread in threads:
            thread.start()
        time.sleep(1.5)
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=30)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        stop.set()
        server.kill()

    assert code in (0, -signal.SIGTERM)
    assert refused == []  # no 503 or 500 while stopping: in-flight requests finished
    assert answered  # the burst reached the server
    with Session(engine) as session:
        stored = session.exec(
            select(Comment.id, Comment.status).where(col(Comment.id).in_(answered))
        ).all()
        assert drift(session) == []
    assert len(stored) == len(answered)  # every 201 is in the database...
    assert {status for _, status in stored} == {CommentStatus.PUBLISHED}  # ...and decided
    engine.dispose()


def test_limits_hold_exactly_across_two_workers_without_redis(database_url: str) -> None:
    """No Redis: each limit is counted in the database both workers share, so a burst spread
    over the two processes gets exactly the configured number through, for a limit counted
    with the request's own work (comments) and for one counted apart (sign-ins, which count
    even when they fail)."""
    engine = make_engine(database_url)
    writer = sign_in(engine, "Eager writer")
    port = unused_port()
    base = f"http://127.0.0.1:{port}"
    server = start_serving(
        port,
        {
            "COMMENTMOD_DATABASE_URL": database_url,
            "COMMENTMOD_SCORER": "embedded",
            "COMMENTMOD_COMMENT_RATE_LIMITS": "3/minute",
            "COMMENTMOD_MODERATION_DEFAULTS": json.dumps(SPAM_CHECKS_OFF),
            "COMMENTMOD_LOGIN_RATE_LIMITS": "5/minute",
            "COMMENTMOD_PUBLIC_URL": base,
            "COMMENTMOD_RESCORE_INTERVAL": "0",
            "COMMENTMOD_ACCESS_LOG": "false",
        },
        "--workers",
        "2",
    )

    def post(number: int) -> int:
        with httpx2.Client(base_url=base, timeout=30) as client:
            return client.post(
                f"/v1/articles/{ARTICLE}/comments",
                json={"body": f"Thought number {number} on the summit."},
                headers=writer.headers,
            ).status_code

    def sign_in_badly(_: int) -> int:
        with httpx2.Client(base_url=base, timeout=30) as client:
            return client.post(
                "/v1/auth/token",
                json={"token": "not-a-token"},
                headers={"Origin": base, "X-Requested-With": "fetch"},
            ).status_code

    try:
        wait_until_serving(f"{base}/health")
        with ThreadPoolExecutor(max_workers=12) as pool:
            posts = sorted(pool.map(post, range(12)))
            sign_ins = sorted(pool.map(sign_in_badly, range(12)))
    finally:
        server.terminate()
        server.wait(timeout=30)
        engine.dispose()

    assert posts == [201] * 3 + [429] * 9
    assert sign_ins == [401] * 5 + [429] * 7
