"""`commentmod serve --workers 2` as deployed: two processes share the port and the database,
and SIGTERM in the middle of a burst of comments loses none that was answered 201."""

import signal
import threading
import time

import httpx2
from sqlmodel import Session, col, select

from moderation.statuses import CommentStatus
from service.comments.models import Comment
from service.comments.tallies import drift
from service.core.db import make_engine
from tests.support.factories import ARTICLE, SignedIn, sign_in
from tests.support.serving import start_serving, wait_until_serving
from tests.support.stalled import unused_port

WRITERS = 8


def test_sigterm_during_a_burst_loses_no_answered_comment(database_url: str) -> None:
    engine = make_engine(database_url)
    writers = [sign_in(engine, f"Writer {i}") for i in range(WRITERS)]
    port = unused_port()
    server = start_serving(
        port,
        {
            "COMMENTMOD_DATABASE_URL": database_url,
            "COMMENTMOD_SCORER": "embedded",
            "COMMENTMOD_NUDGE": "false",
            "COMMENTMOD_COMMENT_RATE_LIMITS": "",
            "COMMENTMOD_RESCORE_INTERVAL": "0",
            "COMMENTMOD_SHUTDOWN_TIMEOUT": "10",
            "COMMENTMOD_ACCESS_LOG": "false",
        },
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
