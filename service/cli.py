"""`commentmod`: serve, migrate, export the scoring model, and bootstrap users and tokens without
a social login."""

import argparse
import asyncio
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import ValidationError
from sqlmodel import Session

from auth.models import Role, User
from auth.sessions import issue_session
from auth.users import UserNotFound, get_user
from moderation.scoring.fetch import (
    CACHE_DIR,
    CATALOGUE,
    DEFAULT_VARIANT,
    HUB_FILES,
    TIMEOUT,
    Checkpoint,
    FetchFailed,
    fetch_detoxify,
)
from moderation.statuses import CommentStatus
from service.comments import reactions, tallies
from service.core.db import Database
from service.core.ratelimit import Limits
from service.core.settings import available_cores, get_settings
from service.imports.export import export_jsonl
from service.imports.service import (
    ArticleIds,
    ImportStopped,
    Options,
    Reader,
    import_comments,
    score_imported,
)
from service.imports.sources.disqus import read_disqus
from service.imports.sources.isso import read_isso
from service.imports.sources.jsonl import read_jsonl
from service.imports.sources.records import MalformedSource
from service.imports.sources.wordpress import read_wordpress
from service.retention.service import RULES, Terms, due, prune

RESCORABLE = (
    CommentStatus.HELD,
    CommentStatus.PUBLISHED,
    CommentStatus.REJECTED,
    CommentStatus.BLOCKED,
)


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


MAINTENANCE_STATEMENT_TIMEOUT = 3600.0
"""Seconds a maintenance command's statement may run (a recount reads every comment: seconds
at a million); the configured time-out guards the API's requests."""


@contextmanager
def _unit_of_work(*, maintenance: bool = False) -> Iterator[Session]:
    """Each CLI command is one unit of work on the configured database."""
    settings = get_settings()
    timeouts = settings.database_timeouts
    if maintenance:
        timeouts = replace(timeouts, statement=MAINTENANCE_STATEMENT_TIMEOUT)
    database = Database.connect(
        settings.database_url, timeouts, pool_size=settings.database_pool_size
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
    """Prints each counter that disagrees with a recount of the comments (or, for likes and
    dislikes, of the reactions); `repair` rewrites them (in one transaction, comments locked
    against writes meanwhile on PostgreSQL)."""
    with _unit_of_work(maintenance=True) as session:
        if repair:
            found = tallies.repair(session) + reactions.repair_reaction_counts(session)
        else:
            found = tallies.drift(session) + reactions.reaction_drift(session)
    for difference in found:
        print(difference)
    if not found:
        print("counters agree with the comments")
    elif repair:
        print(f"repaired {len(found)} counter(s)")
    else:
        raise SystemExit(1)


def run_retention(*, dry_run: bool) -> None:
    """Prunes what has had its time now, as the housekeeping sweep does on schedule; with
    `dry_run`, prints what would go and deletes nothing."""
    settings = get_settings()
    terms = Terms.of(settings, Limits.from_settings(settings))
    database = Database.connect(
        settings.database_url, settings.database_timeouts, pool_size=settings.database_pool_size
    )
    try:
        if dry_run:
            now = datetime.now(UTC)
            with database.session() as session:
                counts = {rule.name: due(session, rule, now=now, terms=terms) for rule in RULES}
        else:
            pruned = asyncio.run(prune(database, terms))
            counts = {rule.name: pruned.get(rule.name, 0) for rule in RULES}
    finally:
        database.dispose()
    verb = "would prune" if dry_run else "pruned"
    for name, count in counts.items():
        print(f"{name}: {verb} {count}")


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


def fetch_scorer(args: argparse.Namespace) -> None:
    """Downloads, verifies and exports Detoxify (`moderation.scoring.fetch`): one line, or
    `error: ...` and exit 1 (offline, a file that fails verification), never a traceback, so
    `make run` can go on without it."""
    from moderation.scoring.export import DriftTooLarge
    from moderation.scoring.scorers import ScorerUnavailable

    settings = get_settings()
    out = args.out or settings.onnx_model_dir
    if out is None:
        raise SystemExit("error: give --out (COMMENTMOD_ONNX_MODEL_DIR is unset)")
    if args.if_missing and (in_place := _scorer_in_place(out)):
        print(f"{in_place}; nothing fetched")
        return
    checkpoint = _checkpoint_to_fetch(args)
    mirror = args.mirror or settings.scorer_mirror
    try:
        fetched = fetch_detoxify(
            checkpoint,
            out=out,
            cache_dir=args.cache_dir,
            mirror=mirror,
            timeout=args.timeout,
            precision=args.precision,
            progress=sys.stderr if sys.stderr.isatty() else None,
        )
    except (FetchFailed, DriftTooLarge, ScorerUnavailable, OSError) as failed:
        offline = isinstance(failed, FetchFailed) and failed.unreachable and not mirror
        hint = "; offline? --mirror (COMMENTMOD_SCORER_MIRROR) names a reachable copy"
        print(f"error: {failed}{hint if offline else ''}", file=sys.stderr)
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        raise SystemExit("error: interrupted; nothing new was installed") from None
    print(fetched.summary())


def _scorer_in_place(out: Path) -> str | None:
    """Why `fetch --if-missing` has nothing to do, if it has not."""
    from moderation.scoring.onnx import onnx_model_available

    settings = get_settings()
    if settings.scorer == "embedded":
        return "COMMENTMOD_SCORER=embedded"
    if settings.detoxify_checkpoint is not None:
        return f"COMMENTMOD_DETOXIFY_CHECKPOINT is set ({settings.detoxify_checkpoint})"
    if onnx_model_available(out):
        return f"{out} holds an exported model"
    variant = settings.detoxify_variant
    if settings.scorer != "onnx" and _in_torch_hub_cache(variant):
        return f"Detoxify {variant!r} is in the torch.hub cache, and `auto` serves it"
    return None


def _in_torch_hub_cache(variant: str) -> bool:
    """A deployment serving Detoxify from the torch.hub cache keeps its model: fetching another
    would change what `auto` serves, and what the thresholds were set for."""
    from moderation.scoring.scorers import detoxify_installed, detoxify_weights_available

    return detoxify_installed() and detoxify_weights_available(
        variant, checkpoint=None, config_dir=None
    )


def _checkpoint_to_fetch(args: argparse.Namespace) -> Checkpoint:
    """A variant of the catalogue, or a newsroom's own checkpoint (`--url`, its full SHA-256
    and the base model whose config and tokenizer it needs)."""
    if args.url is None:
        if args.sha256 or args.base_model:
            raise SystemExit("error: --sha256 and --base-model go with --url")
        return CATALOGUE[args.variant or DEFAULT_VARIANT]
    if args.variant:
        raise SystemExit("error: give a VARIANT or --url, not both")
    if not (args.sha256 and args.base_model):
        raise SystemExit("error: --url needs --sha256 (the file's full SHA-256) and --base-model")
    sha256 = args.sha256.lower()
    name = f"{Path(args.url.split('?')[0]).stem}-{sha256[:8]}"  # one cache folder per file
    try:
        return Checkpoint(name, args.url, args.base_model, sha256=sha256, mirrored=False)
    except ValueError as invalid:
        raise SystemExit(f"error: {invalid}") from None


def _moment(value: str) -> datetime:
    """A day (`2026-12-01`) or a time (`2026-12-01T09:00+09:00`); UTC without a zone."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError("give a day (2026-12-01) or an ISO 8601 time") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def export_labels(since: datetime, out: str) -> None:
    """The comments moderators decided, as JSON lines for retraining (`quality.service`)."""
    import json

    from service.quality.service import labelled_comments

    settings = get_settings()
    database = Database.connect(settings.database_url, settings.database_timeouts)
    written = 0
    try:
        with (
            database.session() as session,
            open(out, "w", encoding="utf-8") if out != "-" else nullcontext(sys.stdout) as lines,
        ):
            for line in labelled_comments(session, since=since):
                lines.write(json.dumps(line, ensure_ascii=False) + "\n")
                written += 1
    finally:
        database.dispose()
    print(f"exported {written} labelled comment(s)", file=sys.stderr)


def rescore(status: CommentStatus, since: datetime | None) -> None:
    """Scores the comments in `status` again with the model the settings choose now."""
    from service.app import load_scorer
    from service.comments.rescoring import rescore_waiting

    settings = get_settings()
    scorer = load_scorer(settings)
    database = Database.connect(settings.database_url, settings.database_timeouts)
    try:
        count = rescore_waiting(
            database, scorer, status=status, since=since, batch=settings.scoring_batch_size
        )
    finally:
        database.dispose()
    print(f"re-scored {count} {status} comment(s) with {scorer.model_id}")


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


SOURCES = ("disqus", "wordpress", "isso", "jsonl")


def _reader_of(source: str, path: Path) -> Reader:
    """The source's reader, opened anew for each pass over the file."""
    readers = {
        "disqus": read_disqus,
        "wordpress": read_wordpress,
        "isso": read_isso,
        "jsonl": read_jsonl,
    }
    return lambda: readers[source](path)


def import_file(args: argparse.Namespace) -> None:
    """`commentmod import SOURCE FILE`: writes it in batches as it reads; counts at the end. A
    malformed file stops with where it is wrong; what came before is kept, and running the
    fixed file again adds only the rest."""
    path: Path = args.file
    if not path.is_file():
        raise SystemExit(f"error: no file {path}")
    if args.source != "jsonl" and not (args.article_id or args.article_map):
        raise SystemExit("error: say how threads become articles: --article-id or --article-map")
    settings = get_settings()
    database = Database.connect(settings.database_url, settings.database_timeouts)
    tty = sys.stderr.isatty()

    def progress(read: int) -> None:
        if tty:
            print(f"\r{path.name}: {read:,} entries read", end="", file=sys.stderr, flush=True)

    try:
        articles = (
            ArticleIds.mapping_file(args.article_map)
            if args.article_map
            else ArticleIds(pattern=args.article_id)
        )
        options = Options(
            source=args.source,
            articles=articles,
            unpublished=args.unpublished,
            keep_emails=args.keep_emails,
        )
        outcome = import_comments(
            database, _reader_of(args.source, path), options, progress=progress
        )
        if tty:
            print(file=sys.stderr)
        scored = 0
        if args.score and outcome.comment_ids:
            from service.app import load_scorer

            scored = score_imported(
                database, load_scorer(settings), outcome.comment_ids, settings.scoring_batch_size
            )
    except ImportStopped as stopped:
        done = stopped.outcome.imported
        kept = f"the {done} comment(s) before it were imported" if done else "nothing was imported"
        raise SystemExit(
            f"error: {path}: {stopped.malformed}; {kept}: fix the file and run the import again"
            " (nothing is imported twice)"
        ) from None
    except MalformedSource as malformed:  # a mapping file
        raise SystemExit(f"error: {malformed}; nothing was imported") from None
    finally:
        database.dispose()
    skipped = ", ".join(f"{reason} {count}" for reason, count in sorted(outcome.skipped.items()))
    print(f"imported {outcome.imported} comment(s), {outcome.authors} new author account(s)")
    print(f"already imported before: {outcome.already}")
    print(f"skipped: {skipped or 'none'}")
    if args.score:
        print(f"scored {scored} comment(s) (stored, not acted on)")


def export_comments(args: argparse.Namespace) -> None:
    settings = get_settings()
    database = Database.connect(settings.database_url, settings.database_timeouts)
    try:
        with (
            nullcontext(sys.stdout)
            if args.file == "-"
            else Path(args.file).open("w", encoding="utf-8")
        ) as out:
            written = export_jsonl(database, out, article_id=args.article)
    finally:
        database.dispose()
    print(f"exported {written} comment(s)", file=sys.stderr)


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

    retention = commands.add_parser(
        "retention", help="what is kept about people, and for how long (README)"
    ).add_subparsers(dest="retention_command", required=True)
    retention.add_parser("run", help="prune what has had its time now").add_argument(
        "--dry-run", action="store_true", help="print what would go; delete nothing"
    )

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
    fetch = scorer.add_parser(
        "fetch",
        help="download Detoxify, verify every file and export it for the `auto` scorer",
    )
    fetch.add_argument(
        "variant",
        nargs="?",
        choices=list(CATALOGUE),
        help=f"default: {DEFAULT_VARIANT} (news-site comments, less bias on identity words)",
    )
    fetch.add_argument("--out", type=Path, help="default: COMMENTMOD_ONNX_MODEL_DIR")
    fetch.add_argument(
        "--cache-dir",
        type=Path,
        default=CACHE_DIR,
        help="the verified downloads, kept so a re-run downloads nothing (default %(default)s)",
    )
    fetch.add_argument(
        "--mirror",
        help="download from this mirror (default: COMMENTMOD_SCORER_MIRROR): "
        "MIRROR/detoxify/CHECKPOINT and MIRROR/huggingface/MODEL/FILE",
    )
    fetch.add_argument(
        "--timeout",
        type=float,
        default=TIMEOUT,
        help="seconds to connect and to wait for data (default %(default)s)",
    )
    fetch.add_argument(
        "--precision",
        choices=["int8", "fp32"],
        help="default: int8, or fp32 when int8 moves scores too far",
    )
    fetch.add_argument("--url", help="a newsroom's own fine-tuned Detoxify checkpoint instead")
    fetch.add_argument("--sha256", help="its full SHA-256 (with --url)")
    fetch.add_argument(
        "--base-model",
        choices=list(HUB_FILES),
        help="the Hugging Face model it was fine-tuned from (with --url)",
    )
    fetch.add_argument(
        "--if-missing",
        action="store_true",
        help="nothing to do when COMMENTMOD_SCORER=embedded, COMMENTMOD_DETOXIFY_CHECKPOINT is "
        "set or the export folder holds a model (`make run` calls it so)",
    )

    score = commands.add_parser(
        "score", help="score comments with the configured model; one JSON object per comment"
    )
    score.add_argument("texts", nargs="*", help="comments to score")
    score.add_argument("--file", help="one comment a line (- for standard input)")

    labels = commands.add_parser(
        "labels", help="moderators' decisions as labels for the model"
    ).add_subparsers(dest="labels_command", required=True)
    export_labels_cmd = labels.add_parser(
        "export", help="the labelled comments as JSON lines (text, scores, model, decision)"
    )
    export_labels_cmd.add_argument(
        "--since", type=_moment, required=True, help="decided since this day or time"
    )
    export_labels_cmd.add_argument("--out", default="-", help="a file (default: standard output)")

    rescore_cmd = commands.add_parser(
        "rescore", help="score comments again with the model in use (no status moves)"
    )
    rescore_cmd.add_argument(
        "--status",
        choices=[str(status) for status in RESCORABLE],
        default=str(CommentStatus.HELD),
        help="which comments (default: %(default)s, the moderators' queue)",
    )
    rescore_cmd.add_argument("--since", type=_moment, help="written since this day or time")

    imports = commands.add_parser(
        "import", help="bring comments in from Disqus, WordPress, Isso or JSON Lines"
    ).add_subparsers(dest="source", required=True)
    formats = {
        "disqus": "a Disqus XML export",
        "wordpress": "a WordPress export (WXR)",
        "isso": "Isso's SQLite database",
        "jsonl": "JSON Lines, as `commentmod export jsonl` writes them",
    }
    for source in SOURCES:
        cmd = imports.add_parser(source, help=f"import {formats[source]}")
        cmd.add_argument("file", type=Path)
        placing = cmd.add_mutually_exclusive_group()
        placing.add_argument(
            "--article-id",
            metavar="PATTERN",
            help="a regular expression over the thread's URL; its group `id` (or first group) "
            "is the article id",
        )
        placing.add_argument(
            "--article-map",
            type=Path,
            metavar="FILE",
            help="a JSON object, or lines of `<url or thread id>,<article id>`",
        )
        cmd.add_argument(
            "--unpublished",
            choices=["reject", "skip"],
            default="reject",
            help="spam, deleted and unapproved comments: imported as rejected, or not at all "
            "(default: %(default)s)",
        )
        cmd.add_argument(
            "--keep-emails", action="store_true", help="keep the authors' e-mail addresses"
        )
        cmd.add_argument(
            "--score",
            action="store_true",
            help="score the imported comments with the configured model (stored, not acted on)",
        )

    exports = commands.add_parser("export", help="every comment, to move it").add_subparsers(
        dest="export_format", required=True
    )
    jsonl = exports.add_parser("jsonl", help="as JSON Lines (what `import jsonl` reads)")
    jsonl.add_argument("file", help="a file, or - for standard output")
    jsonl.add_argument("--article", help="only this article's comments")

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
        elif args.command == "scorer" and args.scorer_command == "fetch":
            fetch_scorer(args)
        elif args.command == "scorer":
            export_scorer(args)
        elif args.command == "score":
            texts = _texts_to_score(args)
            if not texts:
                raise SystemExit("error: give comments to score, or --file")
            score_texts(texts)
        elif args.command == "labels":
            export_labels(args.since, args.out)
        elif args.command == "rescore":
            rescore(CommentStatus(args.status), args.since)
        elif args.command == "counters":
            check_counters(repair=args.counters_command == "repair")
        elif args.command == "retention":
            run_retention(dry_run=args.dry_run)
        elif args.command == "import":
            import_file(args)
        elif args.command == "export":
            export_comments(args)
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
