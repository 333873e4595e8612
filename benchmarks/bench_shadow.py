"""Does a shadow model cost the reader anything? POST latency with no shadow, with the embedded
models as the shadow, with one slower than the traffic (its queue fills; the rest is dropped)
and with one that raises on every batch.

Run with `make bench-shadow` (or `.venv/bin/python benchmarks/bench_shadow.py`). In one process,
on SQLite, the served model being the embedded one: each configuration gets its own app and
database and posts `--posts` comments one after another, in `--rounds` rounds that alternate the
configurations, so a slow minute of the machine falls on all of them. It prints the median and
95th percentile per configuration and their ratio to no shadow, and what each shadow did.
"""

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_service import SPAM_CHECKS_OFF  # noqa: E402

from auth.models import User  # noqa: E402
from auth.sessions import issue_session  # noqa: E402
from moderation.scoring.scorers import Scorer, Scores, SingleModel  # noqa: E402
from service.app import create_app, load_scorer  # noqa: E402
from service.cli import migrate  # noqa: E402
from service.core.db import make_engine  # noqa: E402
from service.core.settings import Settings  # noqa: E402

COMMENTS = (
    "Thanks for the clear report on the trilateral statement.",
    "I doubt the ministry will keep this promise, judging by last year.",
    "What a stupid decision by the city council",
    "정말 좋은 기사입니다. 감사합니다",
)


class SlowShadow(SingleModel):
    """Slower than the traffic: 50 ms a comment."""

    model_id = "slow-shadow"

    def score_batch(self, texts: Sequence[str]) -> list[Scores]:
        time.sleep(0.05 * len(texts))
        return [{"toxicity": 0.5} for _ in texts]


class BrokenShadow(SingleModel):
    model_id = "broken-shadow"

    def score_batch(self, texts: Sequence[str]) -> list[Scores]:
        raise RuntimeError("the shadow model crashed")


def one_round(
    settings: Settings, served: Scorer, shadow: Scorer | None, posts: int
) -> tuple[list[float], dict[str, Any]]:
    folder = Path(tempfile.mkdtemp(prefix="bench-shadow-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    migrate(url)
    engine = make_engine(url)
    with Session(engine) as session:
        user = User(display_name="Bench Reader")
        session.add(user)
        session.flush()
        token = issue_session(session, user, lifetime=timedelta(days=1))
        session.commit()
    engine.dispose()
    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    configured = settings.model_copy(update={"database_url": url})
    with TestClient(create_app(configured, scorer=served, shadow=shadow)) as client:
        for number in range(posts):
            body = f"{COMMENTS[number % len(COMMENTS)]} ({number})"
            started = time.perf_counter()
            answer = client.post(
                "/v1/articles/bench-article/comments",
                json={"body": body, "acknowledge_toxicity": True},
                headers=headers,
            )
            latencies.append(time.perf_counter() - started)
            if answer.status_code != 201:
                raise SystemExit(f"POST answered {answer.status_code}: {answer.text}")
        shadow_state = client.get("/health").json()["scorer"]["shadow"] or {}
    return latencies, shadow_state


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    settings = Settings(
        scorer="embedded",
        rescore_interval=0,
        webhook_interval=0,
        comment_rate_limits="",
        moderation_defaults=SPAM_CHECKS_OFF,  # as before the spam checks: make bench-spam
        access_log=False,
        read_cache=False,
    )
    served = load_scorer(settings)
    embedded_shadow = load_scorer(settings)
    shadows: dict[str, Callable[[], Scorer | None]] = {
        "no shadow": lambda: None,
        "embedded shadow": lambda: embedded_shadow,
        "slow shadow (50 ms/comment)": SlowShadow,
        "raising shadow": BrokenShadow,
    }
    samples: dict[str, list[float]] = {name: [] for name in shadows}
    states: dict[str, dict[str, Any]] = {}
    for _ in range(args.rounds):
        for name, make in shadows.items():
            latencies, state = one_round(settings, served, make(), args.posts)
            samples[name].extend(latencies)
            states[name] = state
    baseline = statistics.median(samples["no shadow"])
    print(f"{args.rounds} rounds x {args.posts} POSTs per configuration, one process, SQLite")
    print(f"{'configuration':32} {'median ms':>10} {'p95 ms':>8} {'ratio':>6}  shadow (last round)")
    for name, values in samples.items():
        median = statistics.median(values)
        p95 = statistics.quantiles(values, n=20)[-1]
        state = states[name]
        did = (
            f"scored {state['scored']}, failed {state['failed']}, dropped {state['dropped']}"
            if state
            else "-"
        )
        print(f"{name:32} {median * 1000:10.2f} {p95 * 1000:8.2f} {median / baseline:6.2f}  {did}")


if __name__ == "__main__":
    main()
