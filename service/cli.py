"""`commentmod`: serve, migrate, export the scoring model, and bootstrap users and tokens without
a social login."""

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from pydantic import ValidationError
from sqlmodel import Session

from auth.models import Role, User
from auth.sessions import issue_session
from auth.users import UserNotFound, get_user
from service.comments import tallies
from service.core.db import Database
from service.core.settings import available_cores, get_settings


def migrate(database_url: str) -> None:
    """`alembic upgrade head` with the packaged migrations, so an installed service migrates too."""
    from alembic import command
    from alembic.config import Config

    import migrations

    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))  # configparser
    command.upgrade(config, "head")


def serve(host: str, port: int, workers: int) -> None:
    """Serves until SIGTERM or Ctrl-C with `workers` processes (each its own event loop, scorer
    and database pool). On a signal each worker stops accepting, gives requests in flight
    `COMMENTMOD_SHUTDOWN_TIMEOUT` seconds to finish (a comment waiting for its score is scored
    and stored, or held), then closes its scorer and pool."""
    import uvicorn

    from service.core.access_log import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level)
    os.environ["COMMENTMOD_WORKERS"] = str(workers)  # `Settings.workers` in each of them
    uvicorn.run(
        "service.app:create_worker_app",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        # X-Forwarded-* are read by the app, from COMMENTMOD_FORWARDED_ALLOW_IPS only: uvicorn's
        # own handling would believe any local peer (127.0.0.1 by default)
        proxy_headers=False,
        log_config=None,
        access_log=settings.access_log,
        server_header=False,
        timeout_graceful_shutdown=settings.shutdown_timeout,
    )


@contextmanager
def _unit_of_work() -> Iterator[Session]:
    """Each CLI command is one unit of work on the configured database."""
    settings = get_settings()
    database = Database.connect(
        settings.database_url, settings.database_timeouts, pool_size=settings.database_pool_size
    )
    try:
        with database.session(writes=True) as session:
            yield session
    finally:
        database.dispose()


def create_user(name: str, role: Role) -> int:
    with _unit_of_work() as session:
        user = User(display_name=name, role=role)
        session.add(user)
        session.flush()
        assert user.id is not None
        return user.id


def set_role(user_id: int, role: Role) -> None:
    with _unit_of_work() as session:
        user = get_user(session, user_id)
        user.role = role
        session.add(user)


def issue_token(user_id: int, days: int | None) -> str:
    lifetime = timedelta(days=days or get_settings().session_lifetime_days)
    with _unit_of_work() as session:
        user = get_user(session, user_id)
        return issue_session(session, user, lifetime=lifetime, user_agent="commentmod cli")


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def check_counters(*, repair: bool) -> None:
    """Prints each counter that disagrees with a recount of the comments; `repair` rewrites
    them (in one transaction, comments locked against writes meanwhile on PostgreSQL)."""
    with _unit_of_work() as session:
        found = tallies.repair(session) if repair else tallies.drift(session)
    for difference in found:
        print(difference)
    if not found:
        print("counters agree with the comments")
    elif repair:
        print(f"repaired {len(found)} counter(s)")
    else:
        raise SystemExit(1)


def export_scorer(args: argparse.Namespace) -> None:
    """Exports Detoxify to ONNX (see `moderation.scoring.export`); exit 1 when it drifts."""
    from moderation.scoring.export import DriftTooLarge, export_detoxify
    from moderation.scoring.scorers import ScorerUnavailable

    settings = get_settings()
    out = args.out or settings.onnx_model_dir
    if out is None:
        raise SystemExit("error: give --out (COMMENTMOD_ONNX_MODEL_DIR is unset)")
    try:
        manifest = export_detoxify(
            out,
            variant=args.variant or settings.detoxify_variant,
            checkpoint=args.checkpoint or settings.detoxify_checkpoint,
            config_dir=args.config_dir or settings.detoxify_config_dir,
            max_drift=args.max_drift,
            precision=args.precision,
        )
    except (DriftTooLarge, ScorerUnavailable, FileExistsError) as refused:
        print(f"error: {refused}", file=sys.stderr)
        raise SystemExit(1) from None
    print(
        f"exported {manifest.source_model_id} to {out}: {args.precision}, max drift "
        f"{manifest.max_drift:.4f} "
        f"({manifest.drift_attribute}) over {manifest.calibration_texts} calibration comments"
    )


def score_texts(texts: Sequence[str]) -> None:
    """Prints one JSON object per text, in order, scored in batches by the configured scorer:
    how moderators try thresholds, and how a benchmark times the model the service would load."""
    import json

    from service.app import load_scorer

    settings = get_settings()
    scorer = load_scorer(settings)
    size = settings.scoring_batch_size
    for start in range(0, len(texts), size):
        batch = texts[start : start + size]
        for text, scores in zip(batch, scorer.score_batch(batch), strict=True):
            line = {"scores": scores, "model_id": scorer.model_id_for(text)}
            print(json.dumps(line, ensure_ascii=False))


def _texts_to_score(args: argparse.Namespace) -> list[str]:
    if args.file is None:
        return list(args.texts)
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as unreadable:
        raise SystemExit(f"error: cannot read {args.file}: {unreadable}") from None
    return [line for line in text.splitlines() if line.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="commentmod", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve_cmd = commands.add_parser("serve", help="serve the API")
    serve_cmd.add_argument("--host", default="127.0.0.1")
    serve_cmd.add_argument("--port", type=int, default=8000)
    serve_cmd.add_argument(
        "--workers",
        type=_positive,
        default=available_cores(),
        help="worker processes (default: one per core, %(default)s here)",
    )
    serve_cmd.add_argument(
        "--migrate", action="store_true", help="run `migrate` first (single-instance deployments)"
    )

    commands.add_parser("migrate", help="bring the database schema up to date")

    counters = commands.add_parser(
        "counters", help="the counts kept with the comments (badges, queue sizes)"
    ).add_subparsers(dest="counters_command", required=True)
    counters.add_parser("check", help="recount from the comments; exit 1 if any counter drifted")
    counters.add_parser("repair", help="recount and rewrite every counter that drifted")

    scorer = commands.add_parser("scorer", help="the toxicity model").add_subparsers(
        dest="scorer_command", required=True
    )
    export = scorer.add_parser(
        "export",
        help="write Detoxify as ONNX (int8 unless told) for the `onnx` scorer, if it scores alike",
    )
    export.add_argument("--variant", help="a Detoxify variant in the torch.hub cache")
    export.add_argument("--checkpoint", type=Path, help="a Detoxify checkpoint file")
    export.add_argument("--config-dir", type=Path, help="its Hugging Face config and tokenizer")
    export.add_argument("--out", type=Path, help="default: COMMENTMOD_ONNX_MODEL_DIR")
    export.add_argument(
        "--max-drift",
        type=float,
        default=0.02,
        help="refuse when any score moves further than this (default %(default)s)",
    )
    export.add_argument(
        "--precision",
        choices=["int8", "fp32"],
        default="int8",
        help="the model to serve: int8 (fastest) or fp32, for a model int8 moves too far",
    )

    score = commands.add_parser(
        "score", help="score comments with the configured model; one JSON object per comment"
    )
    score.add_argument("texts", nargs="*", help="comments to score")
    score.add_argument("--file", help="one comment a line (- for standard input)")

    users = commands.add_parser("users", help="manage users").add_subparsers(
        dest="users_command", required=True
    )
    create = users.add_parser("create", help="create a user and print its id")
    create.add_argument("name")
    create.add_argument("--role", choices=[r.value for r in Role], default=Role.READER.value)
    role = users.add_parser("set-role", help="grant or remove moderator/admin rights")
    role.add_argument("user_id", type=int)
    role.add_argument("role", choices=[r.value for r in Role])

    tokens = commands.add_parser("tokens", help="manage session tokens").add_subparsers(
        dest="tokens_command", required=True
    )
    issue = tokens.add_parser("issue", help="issue a Bearer token for a user; prints only it")
    issue.add_argument("user_id", type=int)
    issue.add_argument("--days", type=int, help="lifetime (default: the session lifetime)")
    return parser


def check_settings() -> None:
    """Every command reads the settings: a bad one is a line naming the variable, at start."""
    try:
        get_settings()
    except ValidationError as invalid:
        problems = [
            f"COMMENTMOD_{'_'.join(str(part) for part in error['loc']).upper()}: {error['msg']}"
            for error in invalid.errors()
        ]
        raise SystemExit("error: " + "; ".join(problems)) from None


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    check_settings()
    try:
        if args.command == "serve":
            if args.migrate:
                migrate(get_settings().database_url)
            serve(args.host, args.port, args.workers)
        elif args.command == "migrate":
            migrate(get_settings().database_url)
        elif args.command == "scorer":
            export_scorer(args)
        elif args.command == "score":
            texts = _texts_to_score(args)
            if not texts:
                raise SystemExit("error: give comments to score, or --file")
            score_texts(texts)
        elif args.command == "counters":
            check_counters(repair=args.counters_command == "repair")
        elif args.command == "users" and args.users_command == "create":
            print(create_user(args.name, Role(args.role)))
        elif args.command == "users" and args.users_command == "set-role":
            set_role(args.user_id, Role(args.role))
        elif args.command == "tokens":
            print(issue_token(args.user_id, args.days))
    except UserNotFound:
        raise SystemExit(f"error: no user with id {args.user_id}") from None
    sys.stdout.flush()


if __name__ == "__main__":
    main()
