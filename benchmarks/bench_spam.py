"""Do the spam checks hold a campaign without slowing the POST? Distinct comments and one
campaign, with the repeat, campaign, link, cap and history checks on and then off.

Run with `make bench-spam` (or `.venv/bin/python benchmarks/bench_spam.py`). In one process, on
SQLite by default (`--backend postgresql` for a scratch PostgreSQL database), the served model
being the embedded one (the product's routed English and Korean models, as `COMMENTMOD_SCORER=
embedded` serves them): each round gets its own app and freshly migrated database and posts
`--distinct` genuinely different civil comments (English and Korean, generated from word lists
with a fixed seed, by one account per ten comments, across 20 articles) with a campaign
interleaved at random: `--campaign-accounts` accounts posting `--per-account` variants each of
one pitch (a number, an emoji and a word changed) on five of the articles. Rounds alternate the
checks on (the product's defaults, the daily caps lifted so they refuse nothing) and off, so a
slow minute of the machine falls on both; every round posts the same comments in the same order.

It prints each POST's median and 95th percentile, distinct and campaign comments apart, the
ratio of the distinct comments' medians on and off, the final statuses read from the database,
and the query plans of the two lookups the checks make (a primary key and an index, never a scan
of history). Exits 1 when a campaign comment is not held as `coordinated`, a distinct one is, or
a lookup scans its table; the ratio is a figure to read, not a check.
"""

import argparse
import dataclasses
import random
import statistics
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.exc import SAWarning
from sqlmodel import Session, col, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_service import (  # noqa: E402
    SPAM_CHECKS_OFF,
    add_pg_arguments,
    pg_url,
    recreate_pg_database,
)

from auth.models import User  # noqa: E402
from auth.sessions import issue_session  # noqa: E402
from moderation.links import find_links  # noqa: E402
from moderation.repeats import campaign_text, repeat_key, shingles, similarity  # noqa: E402
from moderation.scoring.scorers import Scorer  # noqa: E402
from service.abuse.service import Likeness  # noqa: E402
from service.app import create_app, load_scorer  # noqa: E402
from service.cli import migrate  # noqa: E402
from service.comments.models import Comment  # noqa: E402
from service.core.db import make_engine  # noqa: E402
from service.core.settings import Settings  # noqa: E402

NO_CAPS = {"daily_caps": {"comments": None, "replies": None, "per_article": None}}
CHECKS_ON: dict[str, Any] = dict(NO_CAPS)
"""The product's defaults (links held from new commenters, a repeat within 24 h refused, three
accounts' near-copies within 60 min held, the history hold) with the daily caps lifted: 20
comments a day per account would refuse most of the benchmark."""
CHECKS_OFF: dict[str, Any] = SPAM_CHECKS_OFF
PHASES = {"checks on": CHECKS_ON, "checks off": CHECKS_OFF}
ARTICLES = [f"bench-spam-{n:02d}" for n in range(20)]
CAMPAIGN_ARTICLES = ARTICLES[:5]
SIMILAR = 0.9
"""The product's default `repeats.similarity`: every two campaign variants must reach it, and no
two distinct comments may."""

# Distinct comments ------------------------------------------------------------------------------

TOPICS = """the harbour budget|the council vote on bus lanes|rail fares next spring|school lunch
funding|the new recycling rules|the hospital waiting lists|the bridge repairs|rents near the
university|the library opening hours|the river clean-up|the tax on second homes|the regional
election debate|the heat wave warnings|the fishing quotas|the airport expansion|the teacher
shortage|the museum's new wing|the water price review|cycling paths downtown|the farmers'
market move|the port strike talks|the night bus timetable|the youth football league|the solar
farm plan|the pension reform|the flood barriers|the city's tree planting|the care home
inspections|the ferry contract|the housing survey|the festival's budget|broadband in the
villages|the parking fees|the chip plant jobs|the trilateral summit|the central bank's
forecast|the census results|the rice harvest|the stadium renovation|the metro extension"""
OPENERS = [
    "Thanks for the careful reporting on {topic}.",
    "I appreciated the background on {topic}.",
    "Good to finally read a clear account of {topic}.",
    "Interesting piece about {topic}, well sourced.",
    "I had not followed {topic} until this article.",
    "This explains {topic} better than anything I read this week.",
    "Helpful summary of {topic}, especially the figures.",
    "A fair look at {topic}, with both sides heard.",
    "So {topic} is finally getting attention.",
    "My family talked about {topic} over dinner after reading this.",
]
SUBJECTS = [
    "My neighbours",
    "Most commuters I know",
    "The shop owners on our street",
    "Older residents here",
    "Parents at my children's school",
    "People in my building",
    "Several friends who work nearby",
    "The students I teach",
    "Local farmers",
    "Night shift workers",
    "Our volunteer group",
    "The nurses I spoke with",
]
VERBS = [
    "would welcome",
    "keep asking about",
    "seem divided over",
    "have waited years for",
    "are worried about",
    "mostly support",
    "want more detail on",
    "are hopeful about",
    "remain unsure about",
    "have written letters about",
]
OBJECTS = [
    "the timetable",
    "the costs",
    "who pays in the end",
    "the consultation",
    "the promised jobs",
    "the noise during construction",
    "the impact on small businesses",
    "the effect on prices",
    "the safety review",
    "the long term maintenance",
    "the funding formula",
    "how decisions get made",
]
WHENS = [
    "this winter",
    "before the summer",
    "since the last election",
    "after the storm",
    "for a decade",
    "every single month",
    "until the next budget",
    "at every public meeting",
]
CLOSERS = [
    "Will there be a follow-up on {other}?",
    "Could you compare it with {other} next time?",
    "I hope the paper keeps tracking {other} too.",
    "A map or chart would help, as with {other}.",
    "Curious how this connects to {other}.",
    "Please ask the mayor about {other} as well.",
    "",
    "",
]
KO_TOPICS = """항만 예산|버스 전용차로 표결|내년 철도 요금|학교 급식 예산|새 재활용 규칙
|병원 대기 명단|다리 보수 공사|대학가 월세|도서관 운영 시간|하천 정화 사업|지역 선거 토론|폭염 경보
|공항 확장 계획|교사 부족 문제|박물관 신관|수도 요금 조정|도심 자전거 도로|항만 파업 협상
|심야 버스 시간표|연금 개혁|홍수 방벽|요양원 점검|여객선 계약|주거 실태 조사|축제 예산|농촌 인터넷
|주차 요금|반도체 공장 일자리|인구 조사 결과|지하철 연장"""
KO_OPENERS = [
    "{topic} 기사 잘 읽었습니다.",
    "{topic}에 대해 자세히 알려주셔서 감사합니다.",
    "{topic} 관련해서 이렇게 정리된 글은 처음 봅니다.",
    "{topic} 문제를 균형 있게 다뤄주셨네요.",
    "오늘 {topic} 이야기를 가족과 나눴습니다.",
    "{topic} 소식은 여기서 처음 알았어요.",
]
KO_MIDDLES = [
    "우리 동네 주민들은 {what}에 관심이 많습니다.",
    "주변 상인들은 {what}을 걱정하고 있어요.",
    "출퇴근하는 사람들은 {what}을 궁금해합니다.",
    "부모님들은 {what}에 대해 여전히 의견이 갈립니다.",
    "학생들도 {what}을 눈여겨보고 있습니다.",
    "어르신들은 {what}이 어떻게 될지 묻고 계세요.",
]
KO_WHATS = [
    "일정",
    "비용 부담",
    "공청회 결과",
    "약속된 일자리",
    "공사 소음",
    "물가 영향",
    "안전 점검",
    "장기 유지 관리",
    "예산 배분 방식",
    "결정 과정",
]
KO_CLOSERS = [
    "후속 보도 기대하겠습니다.",
    "{other}도 함께 다뤄주시면 좋겠습니다.",
    "다음에는 {other}와 비교해 주세요.",
    "그래프가 있으면 더 좋겠네요.",
    "",
]


def _topics(block: str) -> list[str]:
    return [" ".join(topic.split()) for topic in block.split("|")]


def english_comment(rng: random.Random, topics: Sequence[str]) -> str:
    topic, other = rng.sample(topics, 2)
    middle = (
        f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(WHENS)}."
    )
    parts = [rng.choice(OPENERS).format(topic=topic), middle]
    parts.append(rng.choice(CLOSERS).format(other=other))
    return " ".join(part for part in parts if part)


def korean_comment(rng: random.Random, topics: Sequence[str]) -> str:
    topic, other = rng.sample(topics, 2)
    parts = [
        rng.choice(KO_OPENERS).format(topic=topic),
        rng.choice(KO_MIDDLES).format(what=rng.choice(KO_WHATS)),
        rng.choice(KO_CLOSERS).format(other=other),
    ]
    return " ".join(part for part in parts if part)


def distinct_comments(
    count: int, rng: random.Random, avoid: Sequence[str]
) -> tuple[list[str], int]:
    """`count` different comments, one in six Korean: no two of them (nor any of them and the
    campaign's pitch, `avoid`) `SIMILAR` alike, none with a link, none over 250 characters.
    Near-duplicates are found as the service finds them: a shared band key, then Jaccard.
    Also how many pairs of them share a band key: each such pair is a candidate the campaign
    check fetches and compares, so this, over `count`, is what a post compares on average."""
    english, korean = _topics(TOPICS), _topics(KO_TOPICS)
    known = [Likeness.of(text) for text in avoid]
    by_band: dict[int, list[int]] = {}
    for number, likeness in enumerate(known):
        for band in likeness.bands:
            by_band.setdefault(band, []).append(number)
    chosen: list[str] = []
    seen: set[str] = set()
    pairs = 0
    attempts = 0
    while len(chosen) < count:
        attempts += 1
        if attempts > count * 50:
            raise SystemExit(f"only {len(chosen)} distinct comments after {attempts} tries")
        text = (
            korean_comment(rng, korean) if rng.random() < 1 / 6 else english_comment(rng, english)
        )
        normal = campaign_text(text)
        if len(text) > 250 or normal in seen or find_links(text):
            continue
        likeness = Likeness.of(text)
        sharing = {number for band in likeness.bands for number in by_band.get(band, ())}
        if any(
            similarity(likeness.shingles, known[number].shingles) >= SIMILAR for number in sharing
        ):
            continue
        seen.add(normal)
        pairs += sum(1 for number in sharing if number >= len(avoid))
        for band in likeness.bands:
            by_band.setdefault(band, []).append(len(known))
        known.append(likeness)
        chosen.append(text)
    return chosen, pairs


# The campaign ------------------------------------------------------------------------------

PITCH = (
    "Everyone here should know that {count} readers already joined the {club} savings club "
    "{emoji} and got {months} months of groceries delivered for free, so ask me in a reply and "
    "I will explain how to sign up before the offer ends"
)
CLUBS = ["Golden", "Silver"]
EMOJI = ["🎉", "🔥", "💰", "👍", "✨", "🙌", "😀", "🛒"]


def campaign_comments(accounts: int, per_account: int, rng: random.Random) -> list[list[str]]:
    """Per account, `per_account` variants of one pitch: the numbers and the emoji differ
    everywhere (no repeat of one account's own text), one word between two choices; every
    two variants at least `SIMILAR` alike, as the service compares them."""
    variants: list[list[str]] = []
    number = 0
    for _ in range(accounts):
        mine = []
        for _ in range(per_account):
            number += 1
            mine.append(
                PITCH.format(
                    count=100 + number * 7,
                    club=rng.choice(CLUBS),
                    emoji=rng.choice(EMOJI),
                    months=2 + number % 11,
                )
            )
        variants.append(mine)
    every = [text for mine in variants for text in mine]
    forms = {campaign_text(text) for text in every}
    sets = [shingles(form) for form in forms]
    lowest = min((similarity(a, b) for a in sets for b in sets), default=1.0)
    if lowest < SIMILAR or len({repeat_key(text) for text in every}) != len(every):
        raise SystemExit(f"the campaign's variants are not near-copies ({lowest:.3f})")
    if any(len(text) > 250 or find_links(text) for text in every):
        raise SystemExit("a campaign variant is too long or has a link")
    return variants


# One round -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Post:
    account: int
    article: str
    body: str
    campaign: bool


@dataclass(frozen=True)
class Plan:
    posts: list[Post]
    """Every round's posts, in order."""
    accounts: int
    band_pairs: int
    """Pairs of distinct comments that share a band key (see `distinct_comments`)."""


def plan(args: argparse.Namespace) -> Plan:
    rng = random.Random(args.seed)  # noqa: S311 - the comments' shape, not security
    campaign = campaign_comments(args.campaign_accounts, args.per_account, rng)
    every = [text for mine in campaign for text in mine]
    texts, pairs = distinct_comments(args.distinct, rng, every)
    writers = max(1, -(-args.distinct // 10))
    posts = [
        Post(number % writers, rng.choice(ARTICLES), text, campaign=False)
        for number, text in enumerate(texts)
    ]
    for account, mine in enumerate(campaign):
        for text in mine:
            post = Post(writers + account, rng.choice(CAMPAIGN_ARTICLES), text, campaign=True)
            posts.insert(rng.randrange(len(posts) + 1), post)
    return Plan(posts, writers + len(campaign), pairs)


@dataclass
class Round:
    distinct_ms: list[float] = field(default_factory=list)
    campaign_ms: list[float] = field(default_factory=list)
    distinct_statuses: Counter[str] = field(default_factory=Counter)
    campaign_statuses: Counter[str] = field(default_factory=Counter)
    plans: dict[str, list[str]] = field(default_factory=dict)
    seconds: float = 0.0


def sign_in_all(engine: Engine, count: int) -> list[dict[str, str]]:
    """`count` readers with day-long tokens (as tests/support/factories.py `sign_in`), as
    Authorization headers."""
    with Session(engine) as session:
        users = [User(display_name=f"Bench Writer {n}") for n in range(count)]
        session.add_all(users)
        session.flush()
        tokens = [issue_session(session, user, lifetime=timedelta(days=1)) for user in users]
        session.commit()
    return [{"Authorization": f"Bearer {token}"} for token in tokens]


@contextmanager
def scratch_database(args: argparse.Namespace) -> Iterator[str]:
    """A fresh, migrated database for one round (here and in bench_export.py): a new SQLite
    file, or the scratch PostgreSQL database dropped and created again."""
    if args.backend == "postgresql":
        recreate_pg_database(args.pg_admin_url, args.pg_database)
        url = pg_url(args.pg_admin_url, args.pg_database)
        migrate(url)
        yield url
        return
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        migrate(url)
        yield url


def one_round(args: argparse.Namespace, settings: Settings, served: Scorer, posts: Plan) -> Round:
    result = Round()
    with scratch_database(args) as url:
        engine = make_engine(url)
        headers = sign_in_all(engine, posts.accounts)
        ids: dict[int, bool] = {}
        configured = settings.model_copy(update={"database_url": url})
        started_round = time.perf_counter()
        with TestClient(create_app(configured, scorer=served)) as client:
            for post in posts.posts:
                started = time.perf_counter()
                answer = client.post(
                    f"/v1/articles/{post.article}/comments",
                    json={"body": post.body, "acknowledge_toxicity": True},
                    headers=headers[post.account],
                )
                elapsed = time.perf_counter() - started
                if answer.status_code != 201:
                    raise SystemExit(f"POST answered {answer.status_code}: {answer.text}")
                (result.campaign_ms if post.campaign else result.distinct_ms).append(elapsed * 1e3)
                ids[answer.json()["id"]] = post.campaign
            result.seconds = time.perf_counter() - started_round
            result.plans = lookup_plans(client, engine, headers[0])
        with Session(engine) as session:
            rows = session.exec(
                select(Comment.id, Comment.status, Comment.status_reason).where(
                    col(Comment.id).in_(list(ids))
                )
            ).all()
        engine.dispose()
    for comment_id, status, reason in rows:
        shown = f"{status} ({reason})" if reason else str(status)
        assert comment_id is not None
        (result.campaign_statuses if ids[comment_id] else result.distinct_statuses)[shown] += 1
    return result


# The lookups' query plans -----------------------------------------------------------------------

LOOKUPS = {
    "repeat (comment_fingerprint)": "FROM comment_fingerprint",
    "campaign (comment_band)": "FROM comment_band",
}


def lookup_plans(client: TestClient, engine: Engine, headers: Mapping[str, str]) -> dict[str, Any]:
    """The two lookups as the service sends them (caught on one more post, after the timed
    ones), then explained on the round's database with the same parameters."""
    caught: dict[str, tuple[str, Any]] = {}

    def catch(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        for name, table in LOOKUPS.items():
            if statement.lstrip().startswith("SELECT") and table in statement:
                caught.setdefault(name, (statement, parameters))

    event.listen(Engine, "before_cursor_execute", catch)
    try:
        answer = client.post(
            f"/v1/articles/{ARTICLES[0]}/comments",
            json={"body": "One more note, posted after the timed ones to catch the lookups."},
            headers=dict(headers),
        )
    finally:
        event.remove(Engine, "before_cursor_execute", catch)
    if answer.status_code != 201:
        raise SystemExit(f"the probe POST answered {answer.status_code}: {answer.text}")
    explained: dict[str, Any] = {}
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if not sqlite:
            connection.exec_driver_sql("ANALYZE")
        for name, (statement, parameters) in caught.items():
            explain = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
            rows = connection.exec_driver_sql(explain + statement, parameters).all()
            lines = [str(row[-1]) if sqlite else str(row[0]) for row in rows]
            explained[name] = [" ".join(statement.split()), *lines]
    return explained


def scans(lines: Sequence[str]) -> bool:
    """A plan line that reads a lookup's table whole: SQLite's `SCAN comment_…` (not `SEARCH`
    by an index) or PostgreSQL's `Seq Scan on comment_…`."""
    return any(
        line.strip().startswith(("SCAN comment_", "Seq Scan on comment_"))
        or "Seq Scan on comment_" in line
        for line in lines[1:]
    )


# Report -----------------------------------------------------------------------------------------


def quantiles(values: Sequence[float]) -> tuple[float, float]:
    return statistics.median(values), statistics.quantiles(values, n=20)[-1]


def report(args: argparse.Namespace, posts: Plan, rounds: Mapping[str, list[Round]]) -> bool:
    """Prints the figures and the checks; whether every check passed."""
    campaign = args.campaign_accounts * args.per_account
    seconds = sum(one.seconds for done in rounds.values() for one in done)
    print(
        f"\n{args.rounds} rounds per phase, alternating, {args.backend}, one process, the embedded "
        f"routed scorer; each round {args.distinct} distinct comments by "
        f"{posts.accounts - args.campaign_accounts} accounts on {len(ARTICLES)} articles and a "
        f"campaign of {campaign} ({args.campaign_accounts} accounts x {args.per_account}) on "
        f"{len(CAMPAIGN_ARTICLES)}; {seconds:.0f} s of POSTs in all"
    )
    print(
        f"pairs of distinct comments sharing a band key: {posts.band_pairs} "
        f"({posts.band_pairs / max(1, args.distinct):.2f} candidates compared per post on average)"
    )
    print(
        f"\n{'POST latency, ms':16} {'distinct p50':>12} {'p95':>8} {'campaign p50':>13} {'p95':>8}"
    )
    medians: dict[str, float] = {}
    for name, done in rounds.items():
        d50, d95 = quantiles([ms for one in done for ms in one.distinct_ms])
        c50, c95 = quantiles([ms for one in done for ms in one.campaign_ms])
        medians[name] = d50
        print(f"{name:16} {d50:12.2f} {d95:8.2f} {c50:13.2f} {c95:8.2f}")
    ratio = medians["checks on"] / medians["checks off"]
    per_round = [
        f"{statistics.median(one.distinct_ms):.2f}"
        for pair in zip(*rounds.values(), strict=True)
        for one in pair
    ]
    print("distinct p50 per round (on, off, on, off, ...): " + ", ".join(per_round))
    print(f"distinct p50 on/off: {ratio:.3f} (target <= 1.10)")

    print("\nfinal statuses, read from the database (last round of each phase)")
    for name, done in rounds.items():
        print(f"  {name}, distinct: {dict(done[-1].distinct_statuses.most_common())}")
        print(f"  {name}, campaign: {dict(done[-1].campaign_statuses.most_common())}")

    on = rounds["checks on"]
    print(
        "\nthe checks' lookups (checks on, last round), as the service sent them, and their plans"
    )
    for name, lines in on[-1].plans.items():
        print(f"  {name}: {lines[0]}")
        for line in lines[1:]:
            print(f"      {line}")
    indexed = len(on[-1].plans) == len(LOOKUPS) and not any(map(scans, on[-1].plans.values()))
    coordinated = "held (coordinated)"
    wrongly = max(one.distinct_statuses[coordinated] for one in on)
    checks = {
        f"all {campaign} campaign comments held coordinated, in every round with the checks on": (
            all(one.campaign_statuses == Counter({coordinated: campaign}) for one in on)
        ),
        f"no distinct comment held coordinated (most in a round: {wrongly})": wrongly == 0,
        "both lookups by an index, no table scan": indexed,
    }
    print()
    for label, passed in checks.items():
        print(f"{'PASS' if passed else 'FAIL'}: {label}")
    passed = all(checks.values())
    print(
        f"{'PASS' if passed else 'FAIL'}: the checks above; distinct p50 on/off {ratio:.3f}, "
        f"{'within' if ratio <= 1.10 else 'over'} 1.10 (a figure, not a check)"
    )
    return passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="rounds of each phase")
    parser.add_argument("--distinct", type=int, default=2000)
    parser.add_argument("--campaign-accounts", type=int, default=50)
    parser.add_argument("--per-account", type=int, default=4)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument(
        "--warm-up", type=int, default=300, help="posts of an unmeasured round of each phase first"
    )
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    add_pg_arguments(parser, "bench_spam")
    args = parser.parse_args()
    if args.campaign_accounts < 3:
        parser.error("a campaign needs at least 3 accounts (the product's default)")
    # Each round's migration reflects an expression index SQLite's reflection skips: noise.
    warnings.filterwarnings("ignore", "Skipped unsupported reflection", SAWarning)
    posts = plan(args)
    settings = Settings(
        scorer="embedded",
        rescore_interval=0,
        webhook_interval=0,
        comment_rate_limits="",
        access_log=False,
        read_cache=False,
    )
    served = load_scorer(settings)
    warm_up = dataclasses.replace(posts, posts=posts.posts[: args.warm_up])
    for defaults in PHASES.values():  # imports, caches, the model's first passes: unmeasured
        phase = settings.model_copy(update={"moderation_defaults": defaults})
        one_round(args, phase, served, warm_up)
    rounds: dict[str, list[Round]] = {name: [] for name in PHASES}
    for number in range(1, args.rounds + 1):
        for name, defaults in PHASES.items():
            phase = settings.model_copy(update={"moderation_defaults": defaults})
            rounds[name].append(one_round(args, phase, served, posts))
            took = rounds[name][-1].seconds
            print(f"  {name}, round {number}: {len(posts.posts)} POSTs in {took:.0f} s")
    return 0 if report(args, posts, rounds) else 1


if __name__ == "__main__":
    sys.exit(main())
