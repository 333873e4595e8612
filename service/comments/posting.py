"""Posting and editing a comment, as named phases, so no transaction is open while the model
scores (on SQLite a write lock would stall every other writer):

1. prepare: one short read-only unit of work: who is posting (the token is looked up here, not
   in a transaction of its own), the text rules, the refusals that need no model (site switch,
   the author's standing, a closed article, the parent) and the facts the policy weighs;
2. score: the model, batched, off the event loop, bounded in time (None: unavailable);
3. decide: the policy's phases; a toxic comment first goes back to its writer (the nudge);
4. ask: the site's external moderation hook, if it has one, for a comment the policy would
   publish (outside any transaction, bounded by its deadline);
5. store: one short unit of work that counts the writer's rate limit and daily caps (checked,
   without counting, before scoring), refuses a copy of the writer's own comment, holds a
   campaign's comments (near-duplicates from several accounts, its earlier ones taken back)
   and writes the comment, its decision and its audit row. A comment refused before the store
   (its text, the nudge, a closed article, a cap) does not count; after a 2xx nothing is lost.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import anyio.to_thread
from sqlmodel import Session, col, select

from auth.deps import Authenticated, Caller, record_use_if_due
from auth.models import User
from auth.sessions import needs_recording
from auth.users import can_moderate, ensure_can_post, ensure_not_erased
from moderation.policy import TOXIC, Decision, decide
from moderation.scoring.bounded import BoundedScorer
from moderation.scoring.scorers import Scores
from moderation.statuses import EDITABLE, CommentStatus
from moderation.text import TextRuleViolation, clean_comment
from service.abuse.external import external_payload
from service.abuse.screening import Screen, Screening
from service.abuse.service import (
    DuplicateComment,
    Likeness,
    Match,
    alike,
    candidate_ids,
    count_external,
    forget_bands,
    forget_text,
    join_campaign,
    lock_bands,
    remember_bands,
    remember_text,
    take_caps,
)
from service.articles.service import ensure_open, ensure_still_open, find_article
from service.audit.service import record
from service.comments.errors import (
    EditWindowClosed,
    InvalidTransition,
    ParentUnavailable,
    ToxicComment,
    refused_text,
)
from service.comments.models import Comment, CommentRevision
from service.comments.schemas import CommentCreate, CommentEdit, CommentPublic
from service.comments.service import (
    PolicyFacts,
    change_status,
    get_visible_comment,
    policy_facts,
    scored_fields,
    tell_author,
)
from service.comments.tallies import count_new
from service.core.db import Database, insert_row, utcnow
from service.core.errors import Forbidden
from service.core.ratelimit import Allowance, Limits
from service.idempotency.service import Retryable, RetryRequest
from service.policy.schemas import RepeatSettings
from service.policy.service import PolicySnapshot, PolicyStore


@dataclass(frozen=True)
class Prepared:
    snapshot: PolicySnapshot
    facts: PolicyFacts


def clean_text(body: str) -> str:
    try:
        return clean_comment(body).text
    except TextRuleViolation as violation:
        raise refused_text(violation) from violation


def check_parent(session: Session, *, parent_id: int, article_id: str, author: User) -> None:
    """A reply goes to a published comment of the same article (or the author's own held one).
    Every refusal reads the same, so a reply cannot probe for hidden comments."""
    parent = session.get(Comment, parent_id)
    repliable = parent is not None and (
        parent.status == CommentStatus.PUBLISHED
        or (parent.author_id == author.id and parent.status == CommentStatus.HELD)
    )
    if parent is None or parent.article_id != article_id or not repliable:
        raise ParentUnavailable(f"Comment {parent_id} cannot be replied to on this article.")


def prepare(
    session: Session,
    *,
    policy: PolicyStore,
    author: User,
    article_id: str,
    parent_id: int | None,
    editing: int | None,
    allowance: Allowance | None,
    retry: Retryable | None,
    text: str,
) -> Prepared:
    """The refusals that need no model, in the order a writer meets them; the rate limit last
    (checked, not counted), so a writer over it does not cost a model pass. A retry of a
    comment already stored gets its first answer before any of them."""
    if retry is not None:
        retry.replay_if_answered(session)
    snapshot = policy.current(session)
    snapshot.ensure_commenting_enabled()
    ensure_can_post(author)
    article = find_article(session, article_id)
    ensure_open(article)
    if parent_id is not None:
        check_parent(session, parent_id=parent_id, article_id=article_id, author=author)
    if allowance is not None:
        allowance.check(session)
    facts = policy_facts(
        session,
        policy=snapshot.policy,
        author=author,
        article=article,
        excluding=editing,
        text=text,
    )
    return Prepared(snapshot, facts)


POSTED_AFTER_WARNING = "posted after the warning"

WRITTEN_TEXTS = "written_texts"
"""`session.info` key: (comment id, text) of each comment posted or edited in the transaction,
for whatever scores texts after the commit (the shadow model)."""


def _written(session: Session, comment: Comment) -> None:
    assert comment.id is not None
    session.info.setdefault(WRITTEN_TEXTS, []).append((comment.id, comment.body))


def decide_with_nudge(
    prepared: Prepared, *, text: str, scores: Scores | None, acknowledged: bool
) -> Decision:
    """The policy's decision; a toxic comment is sent back to its writer first, unless they
    acknowledged the warning (then it is held, its note saying which score held it and that
    the writer was warned)."""
    decision = decide(prepared.facts.context(text, scores), prepared.snapshot.policy)
    if decision.reason == TOXIC.reason and scores is not None:
        if prepared.snapshot.settings.nudge and not acknowledged:
            raise ToxicComment(scores)
        if acknowledged:
            note = f"{decision.note}; {POSTED_AFTER_WARNING}"
            decision = Decision(decision.status, decision.reason, note)
    return decision


def store_new(
    session: Session,
    *,
    author_id: int,
    article_id: str,
    parent_id: int | None,
    text: str,
    decision: Decision,
    scored: dict[str, Any],
    allowance: Allowance,
    retry: Retryable,
    screen: Screen | None = None,
    repeats: RepeatSettings | None = None,
    external_outcome: str | None = None,
) -> Comment:
    retry.reserve(session)  # a copy of this request that got here first wins; this one replays
    ensure_not_erased(session, author_id)
    allowance.take(session)
    ensure_still_open(session, article_id)
    matches: list[Match] = []
    if screen is not None:
        take_caps(session, user_id=author_id, caps=screen.caps, day=screen.day)
        decision, matches = _coordinated(
            session, screen, decision, author_id=author_id, rule=repeats
        )
    comment = Comment(
        article_id=article_id,
        author_id=author_id,
        parent_id=parent_id,
        body=text,
        status=decision.status,
        status_reason=decision.reason,
        **scored,
    )
    insert_row(session, comment)
    assert comment.id is not None
    if screen is not None:
        _remember(session, screen, comment_id=comment.id)
    count_new(session, comment)
    record(
        session,
        action="created",
        reason=decision.reason,
        actor_id=None,
        comment=comment,
        to_status=decision.status,
        note=decision.note,
    )
    tell_author(session, comment, before=None, actor_id=None)
    _written(session, comment)
    if matches:
        _take_back(
            session, [comment.id, *(match.comment_id for match in matches)], note=decision.note
        )
    if external_outcome is not None:
        count_external(session, external_outcome)  # a shared row: locked last
    return comment


COORDINATED = "coordinated"


def _coordinated(
    session: Session,
    screen: Screen,
    decision: Decision,
    *,
    author_id: int,
    rule: RepeatSettings | None,
) -> tuple[Decision, list[Match]]:
    """The decision once the campaign check has seen the text, and the campaign's earlier
    comments (none when it is not one). A rejected comment stays rejected."""
    if rule is None or decision.status == CommentStatus.REJECTED:
        return decision, []
    matches = _campaign_of(session, screen.likeness, author_id=author_id, rule=rule)
    if not matches:
        return decision, []
    accounts = len({match.author_id for match in matches} | {author_id})
    note = f"{accounts} accounts posted it within {rule.coordinated_window_minutes} min"
    return Decision(CommentStatus.HELD, COORDINATED, note), matches


def _remember(session: Session, screen: Screen, *, comment_id: int) -> None:
    """The comment's text as the account's latest (409 when a copy got there first) and its
    band keys, for the posts to come; nothing for a check that is off."""
    if screen.repeat_hours > 0:
        remember_text(
            session,
            author_id=screen.author_id,
            key=screen.repeat_key,
            comment_id=comment_id,
            hours=screen.repeat_hours,
        )
    remember_bands(session, screen.likeness, comment_id=comment_id, author_id=screen.author_id)


def _campaign_of(
    session: Session, likeness: Likeness, *, author_id: int, rule: RepeatSettings
) -> list[Match]:
    """The near-duplicates of this text within the window, when they come from enough
    accounts (this one included) to be a campaign; otherwise none. Posts sharing a band key
    take turns here, so a campaign posted all at once is still seen by its last post."""
    if rule.coordinated_accounts < 2 or not likeness.bands:
        return []
    lock_bands(session, likeness.bands)
    since = utcnow() - timedelta(minutes=rule.coordinated_window_minutes)
    ids = candidate_ids(session, likeness, since=since)
    if not ids:
        return []
    rows = session.exec(
        select(Comment.id, Comment.author_id, Comment.body).where(
            col(Comment.id).in_(ids), col(Comment.status) != CommentStatus.DELETED
        )
    ).all()
    matches = alike(likeness, ((i or 0, a, b) for i, a, b in rows), threshold=rule.similarity)
    accounts = {match.author_id for match in matches} | {author_id}
    return matches if len(accounts) >= rule.coordinated_accounts else []


def _take_back(session: Session, comment_ids: list[int], *, note: str | None) -> None:
    """Files the campaign's comments together and holds its published ones again, through
    the one status writer (counts, caches, audit, webhooks). A comment a moderator is
    deciding at this moment keeps the moderator's decision."""
    campaign_id = join_campaign(session, comment_ids)
    published = session.exec(
        select(Comment)
        .where(col(Comment.id).in_(comment_ids[1:]), Comment.status == CommentStatus.PUBLISHED)
        .order_by(col(Comment.id))  # every writer of several comment rows locks in id order
        .with_for_update(key_share=True)
    ).all()
    for earlier in published:
        try:
            with session.begin_nested():
                change_status(
                    session,
                    earlier,
                    CommentStatus.HELD,
                    reason=COORDINATED,
                    note=f"campaign {campaign_id}: {note}",
                    action="campaign_held",
                )
        except InvalidTransition:
            continue


def store_edit(
    session: Session,
    *,
    comment: Comment,
    author_id: int | None,
    text: str,
    decision: Decision,
    scored: dict[str, Any],
    screen: Screen | None = None,
    repeats: RepeatSettings | None = None,
    external_outcome: str | None = None,
) -> Comment:
    """Keeps the old body as a revision; the status moves only from the one the edit read.
    The new text is the one the repeat and campaign checks know from now on."""
    assert comment.id is not None
    matches: list[Match] = []
    if screen is not None:
        forget_text(session, comment.id)
        forget_bands(session, comment.id)
        decision, matches = _coordinated(
            session, screen, decision, author_id=comment.author_id, rule=repeats
        )
    session.add(
        CommentRevision(
            comment_id=comment.id,
            body=comment.body,
            status=comment.status,
            created_at=comment.edited_at or comment.created_at,
        )
    )
    change_status(
        session,
        comment,
        decision.status,
        reason=decision.reason,
        actor_id=author_id,
        note=decision.note,
        action="edited",
        unchanged={"edited_at": comment.edited_at},  # a concurrent edit wins once, not twice
        body=text,
        edited_at=utcnow(),
        **scored,
    )
    if screen is not None:
        _remember(session, screen, comment_id=comment.id)
    if matches:
        _take_back(
            session, [comment.id, *(match.comment_id for match in matches)], note=decision.note
        )
    if external_outcome is not None:
        count_external(session, external_outcome)
    _written(session, comment)
    return comment


def _editable(comment: Comment, *, author: User, edit_window: timedelta) -> None:
    if comment.author_id != author.id:
        raise Forbidden("Only the author can edit this comment.")
    if comment.status not in EDITABLE:
        raise InvalidTransition(f"A {comment.status} comment cannot be edited.")
    if utcnow() - comment.created_at > edit_window:
        minutes = int(edit_window.total_seconds() // 60)
        raise EditWindowClosed(f"Comments can be edited for {minutes} minutes after posting.")


@dataclass(frozen=True)
class _Poster:
    """Who is posting, found in the prepare unit of work, and the terms that follow from it."""

    auth: Authenticated
    allowance: Allowance
    retry: Retryable


@dataclass(frozen=True)
class CommentWriter:
    """Posting and editing, with what both need: the database, the model, the policy and the
    writers' rate limits."""

    database: Database
    scoring: BoundedScorer
    policy: PolicyStore
    limits: Limits
    screening: Screening

    async def post(
        self, *, caller: Caller, article_id: str, draft: CommentCreate, asked: RetryRequest
    ) -> CommentPublic:
        """Checks, scores, decides, then stores the comment, its decision and the answer to a
        retry in one transaction: the nudge needs the score before anything is kept, and
        after a 2xx nothing is lost (nor stored twice). Who is posting is settled first (a
        caller with a stale token or a forged cookie write learns nothing else), then the text's
        own refusals: a writer over the rate limit still learns what is wrong with the comment."""

        def identify_and_prepare(session: Session) -> tuple[_Poster, str, Prepared, Screen]:
            poster = self._poster(caller.resolve(session), asked)
            text = clean_text(draft.body)
            prepared = prepare(
                session,
                policy=self.policy,
                author=poster.auth.user,
                article_id=article_id,
                parent_id=draft.parent_id,
                editing=None,
                allowance=poster.allowance,
                retry=poster.retry,
                text=text,
            )
            try:
                screen = self.screening.screen(
                    session,
                    author=poster.auth.user,
                    text=text,
                    article_id=article_id,
                    reply=draft.parent_id is not None,
                    settings=prepared.snapshot.settings,
                )
            except DuplicateComment:
                # this very request's first try may have been stored since `prepare` looked
                poster.retry.replay_if_answered(session)
                raise
            return poster, text, prepared, screen

        poster, text, prepared, screen = await self.database.run(identify_and_prepare)
        if needs_recording(poster.auth.session):  # every few minutes: no thread hop otherwise
            await anyio.to_thread.run_sync(record_use_if_due, self.database, poster.auth)
        author = poster.auth.user
        assert author.id is not None
        author_id = author.id
        decision, scored = await self._judge(
            prepared, text=text, acknowledged=draft.acknowledge_toxicity
        )
        decision, outcome = await self._consult(
            prepared,
            decision,
            text=text,
            scores=scored["scores"],
            author=author,
            article_id=article_id,
            parent_id=draft.parent_id,
        )
        repeats = prepared.snapshot.settings.repeats

        def store(session: Session) -> CommentPublic:
            comment = store_new(
                session,
                author_id=author_id,
                article_id=article_id,
                parent_id=draft.parent_id,
                text=text,
                decision=decision,
                scored=scored,
                allowance=poster.allowance,
                retry=poster.retry,
                screen=screen,
                repeats=repeats,
                external_outcome=outcome,
            )
            answer = CommentPublic.for_author(comment, author)
            poster.retry.remember(session, status_code=201, body=answer)
            return answer

        return await self.database.run(store, writes=True)

    async def edit(
        self, *, author: User, comment_id: int, edit: CommentEdit, edit_window: timedelta
    ) -> Comment:
        """An edit goes through the same rules, scoring and policy; the old body is kept."""
        comment = await self.database.run(
            lambda session: get_visible_comment(session, comment_id, viewer=author)
        )
        _editable(comment, author=author, edit_window=edit_window)
        text = clean_text(edit.body)
        if text == comment.body:
            return comment

        def prepare_edit(session: Session) -> tuple[Prepared, Screen]:
            prepared = prepare(
                session,
                policy=self.policy,
                author=author,
                article_id=comment.article_id,
                parent_id=None,
                editing=comment.id,
                allowance=None,
                retry=None,
                text=text,
            )
            screen = self.screening.screen_edit(
                session,
                author=author,
                text=text,
                comment_id=comment.id or 0,
                settings=prepared.snapshot.settings,
            )
            return prepared, screen

        prepared, screen = await self.database.run(prepare_edit)
        decision, scored = await self._judge(
            prepared, text=text, acknowledged=edit.acknowledge_toxicity
        )
        decision, outcome = await self._consult(
            prepared,
            decision,
            text=text,
            scores=scored["scores"],
            author=author,
            article_id=comment.article_id,
            parent_id=comment.parent_id,
        )
        repeats = prepared.snapshot.settings.repeats
        return await self.database.run(
            lambda session: store_edit(
                session,
                comment=comment,
                author_id=author.id,
                text=text,
                decision=decision,
                scored=scored,
                screen=screen,
                repeats=repeats,
                external_outcome=outcome,
            ),
            writes=True,
        )

    async def _consult(
        self,
        prepared: Prepared,
        decision: Decision,
        *,
        text: str,
        scores: Scores | None,
        author: User,
        article_id: str,
        parent_id: int | None,
    ) -> tuple[Decision, str | None]:
        """Phase 4: the site's external hook, for a comment the policy would publish; the
        decision after its answer and the outcome to count (None: not asked)."""
        hook = prepared.snapshot.settings.external_moderation
        if hook is None or decision.status != CommentStatus.PUBLISHED:
            return decision, None
        assert author.id is not None
        payload = external_payload(
            article_id=article_id,
            parent_id=parent_id,
            author_id=author.id,
            author_created_at=author.created_at,
            text=text,
            scores=scores,
            links=[link.domain for link in prepared.facts.links],
        )
        return await self.screening.consult(hook, decision, payload)

    def _poster(self, auth: Authenticated, asked: RetryRequest) -> _Poster:
        author_id = auth.user.id
        assert author_id is not None
        exempt = can_moderate(auth.user)
        return _Poster(auth, self.limits.comments_by(author_id, exempt=exempt), asked.by(author_id))

    async def _judge(
        self, prepared: Prepared, *, text: str, acknowledged: bool
    ) -> tuple[Decision, dict[str, Any]]:
        """Phases 2 and 3: score and decide; returns the decision and the score columns."""
        scores = await self.scoring.score(text)
        decision = decide_with_nudge(prepared, text=text, scores=scores, acknowledged=acknowledged)
        return decision, scored_fields(scores, self.scoring.model_id_for(text))
