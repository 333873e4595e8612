"""Moderator routes (role moderator or admin; settings and word lists: admin). Thin: the work is
in `service.admin.service`, `service.admin.sanctions` and `service.policy_store`."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status

from auth.deps import Admin, Moderator
from moderation.statuses import ModeratorAction
from service.admin import sanctions, service
from service.admin.sanctions import Sanction
from service.admin.schemas import (
    ArticleAdmin,
    ArticleQueueCounts,
    ArticleUpdate,
    BanRequest,
    BulkDecision,
    BulkItem,
    BulkResults,
    QueueCounts,
    QueueCountsPage,
    RejectAll,
    SanctionReason,
    SettingsUpdate,
    SuspendRequest,
    UserAdmin,
    WordListAdd,
    WordListAdded,
    WordListPublic,
)
from service.admin.service import APPROVED, AuditFilter, Queue, QueueFilter, QueueSort
from service.comments.models import Article, ModerationAction
from service.comments.router import to_public
from service.comments.schemas import (
    ApproveRequest,
    ArticleId,
    AuditPage,
    CommentAdmin,
    CommentAdminDetail,
    CommentAdminPage,
    ModerationActionPublic,
    RejectRequest,
    ReportPublic,
    RevisionPublic,
)
from service.comments.service import CommentWithAuthor, get_comment, with_author
from service.deps import PolicyDep, SessionDep, SettingsDep
from service.errors import (
    Conflict,
    Forbidden,
    NotAuthenticated,
    NotFound,
    Unprocessable,
    error_responses,
)
from service.pagination import Cursor, Limit
from service.policy_store import ModerationSettings

router = APIRouter(
    prefix="/v1/admin",
    tags=["admin"],
    responses=error_responses(NotAuthenticated, Forbidden),
)

WordListName = Literal["banned", "suspect"]


def to_admin(row: CommentWithAuthor) -> CommentAdmin:
    comment = row.comment
    return CommentAdmin(
        **to_public(row).model_dump(exclude={"status_reason"}),
        status_reason=comment.status_reason,
        scores=comment.scores,
        toxicity=comment.toxicity,
        model_id=comment.model_id,
        open_reports=comment.open_reports,
    )


def to_action(action: ModerationAction) -> ModerationActionPublic:
    return ModerationActionPublic.model_validate(action, from_attributes=True)


# --- queues and comments -------------------------------------------------------------------


@router.get("/queue", responses=error_responses(Unprocessable))
def moderation_queue(
    session: SessionDep,
    settings: SettingsDep,
    _: Moderator,
    status: Queue = Queue.HELD,
    sort: QueueSort = QueueSort.OLDEST,
    article_id: str | None = None,
    author_id: int | None = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> CommentAdminPage:
    """`held`, `reported` (published, reported by readers), `rejected` or `approved` comments,
    with their scores; `sort=toxicity` is worst first, `sort=reports` most reported first."""
    where = QueueFilter(status, settings.report_threshold, article_id, author_id)
    rows, next_cursor = service.queue(session, where, sort, limit, cursor)
    return CommentAdminPage(items=[to_admin(row) for row in rows], next_cursor=next_cursor)


@router.get("/queues/counts")
def queue_counts(
    session: SessionDep, settings: SettingsDep, _: Moderator, article_id: str | None = None
) -> QueueCountsPage:
    """Badge numbers for each queue (for one article with `article_id`), and the busiest
    articles."""
    counts = service.queue_counts(session, settings.report_threshold, article_id)
    articles = service.busiest_articles(session, settings.report_threshold)
    return QueueCountsPage(
        counts=QueueCounts(**counts),
        articles=[ArticleQueueCounts(article_id=a, held=h, reported=r) for a, h, r in articles],
    )


@router.get("/comments/{comment_id}", responses=error_responses(NotFound))
def comment_detail(comment_id: int, session: SessionDep, _: Moderator) -> CommentAdminDetail:
    """The comment with its scores, every action on it, its earlier versions and its reports."""
    comment = get_comment(session, comment_id)
    return CommentAdminDetail(
        **to_admin(with_author(session, comment)).model_dump(),
        actions=[to_action(a) for a in service.comment_history(session, comment_id)],
        revisions=[
            RevisionPublic.model_validate(r, from_attributes=True)
            for r in service.comment_revisions(session, comment_id)
        ],
        reports=[
            ReportPublic.model_validate(r, from_attributes=True)
            for r in service.comment_reports(session, comment_id)
        ],
    )


@router.post("/comments/{comment_id}/approve", responses=error_responses(NotFound, Conflict))
def approve(
    comment_id: int,
    moderator: Moderator,
    session: SessionDep,
    payload: ApproveRequest | None = None,
) -> CommentAdmin:
    note = payload.note if payload else None
    expected = payload.expected_status if payload else None
    comment = service.decide(
        session, comment_id, ModeratorAction.APPROVE, moderator, APPROVED, note, expected
    )
    return to_admin(with_author(session, comment))


@router.post("/comments/{comment_id}/reject", responses=error_responses(NotFound, Conflict))
def reject(
    comment_id: int, payload: RejectRequest, moderator: Moderator, session: SessionDep
) -> CommentAdmin:
    comment = service.decide(
        session,
        comment_id,
        ModeratorAction.REJECT,
        moderator,
        payload.reason,
        payload.note,
        payload.expected_status,
    )
    return to_admin(with_author(session, comment))


def _bulk(results: list[service.BulkResult]) -> BulkResults:
    return BulkResults(
        results=[BulkItem(id=r.id, ok=r.ok, status=r.status, error=r.error) for r in results]
    )


@router.post("/comments:bulk", responses=error_responses(Unprocessable))
def bulk_decide(payload: BulkDecision, moderator: Moderator, session: SessionDep) -> BulkResults:
    """Approve or reject many comments; each succeeds or fails on its own."""
    reason = payload.reason or APPROVED
    ids = list(dict.fromkeys(payload.ids))
    return _bulk(
        service.decide_many(
            session, ids, payload.action, moderator, reason, payload.note, payload.expected_status
        )
    )


@router.post("/users/{user_id}/comments:reject", responses=error_responses(NotFound))
def reject_all_by_author(
    user_id: int, payload: RejectAll, moderator: Moderator, session: SessionDep
) -> BulkResults:
    """Rejects every held and published comment of one author."""
    sanctions.get_user(session, user_id)
    return _bulk(service.reject_all_by(session, user_id, moderator, payload.reason, payload.note))


@router.get("/audit", responses=error_responses(Unprocessable))
def audit(
    session: SessionDep,
    _: Moderator,
    comment_id: int | None = None,
    author_id: int | None = None,
    actor_id: int | None = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> AuditPage:
    """Every moderation event, newest first; `actor_id` null means the system decided.
    `author_id` is the user an event is about (a comment's author, a sanctioned user)."""
    where = AuditFilter(comment_id, author_id, actor_id)
    actions, next_cursor = service.audit_log(session, where, limit, cursor)
    return AuditPage(items=[to_action(a) for a in actions], next_cursor=next_cursor)


# --- users and articles --------------------------------------------------------------------


def _user_admin(session: SessionDep, user_id: int) -> UserAdmin:
    user = sanctions.get_user(session, user_id)
    assert user.id is not None
    return UserAdmin(
        id=user.id,
        display_name=user.display_name,
        role=user.role,
        status=user.status,
        suspended_until=user.suspended_until,
        premoderated=user.premoderated,
        created_at=user.created_at,
        comment_counts=sanctions.comment_counts(session, user_id),
        sanctions=[to_action(a) for a in sanctions.sanction_history(session, user_id)],
    )


@router.get("/users/{user_id}", responses=error_responses(NotFound))
def user_detail(user_id: int, session: SessionDep, _: Moderator) -> UserAdmin:
    """The user, their comment counts by status and their sanction history."""
    return _user_admin(session, user_id)


@router.post("/users/{user_id}/ban", responses=error_responses(NotFound))
def ban(user_id: int, payload: BanRequest, moderator: Moderator, session: SessionDep) -> UserAdmin:
    sanctions.apply_sanction(session, moderator, user_id, Sanction.BAN, payload.reason)
    return _user_admin(session, user_id)


@router.post("/users/{user_id}/suspend", responses=error_responses(NotFound, Unprocessable))
def suspend(
    user_id: int, payload: SuspendRequest, moderator: Moderator, session: SessionDep
) -> UserAdmin:
    sanctions.apply_sanction(
        session, moderator, user_id, Sanction.SUSPEND, payload.reason, until=payload.until
    )
    return _user_admin(session, user_id)


@router.post("/users/{user_id}/premoderate", responses=error_responses(NotFound))
def premoderate(
    user_id: int, moderator: Moderator, session: SessionDep, payload: SanctionReason | None = None
) -> UserAdmin:
    reason = payload.reason if payload else ""
    sanctions.apply_sanction(session, moderator, user_id, Sanction.PREMODERATE, reason)
    return _user_admin(session, user_id)


@router.delete("/users/{user_id}/{sanction}", responses=error_responses(NotFound))
def lift(
    user_id: int,
    sanction: Sanction,
    moderator: Moderator,
    session: SessionDep,
    reason: Annotated[str, Query(max_length=200)] = "",
) -> UserAdmin:
    """Lifts a ban, a suspension or pre-moderation."""
    sanctions.lift_sanction(session, moderator, user_id, sanction, reason)
    return _user_admin(session, user_id)


def _article_admin(article: Article) -> ArticleAdmin:
    return ArticleAdmin(
        id=article.id,
        closed=article.closed_at is not None,
        closed_at=article.closed_at,
        premoderated=article.premoderated,
    )


@router.patch("/articles/{article_id}", responses=error_responses(Unprocessable))
def update_article(
    article_id: ArticleId, payload: ArticleUpdate, moderator: Moderator, session: SessionDep
) -> ArticleAdmin:
    """Close or reopen an article's comments, or hold all of them for review."""
    article = sanctions.update_article(
        session, moderator, article_id, payload.closed, payload.premoderated
    )
    return _article_admin(article)


# --- settings and word lists (admins change them) ------------------------------------------


@router.get("/settings")
def get_settings(session: SessionDep, policy: PolicyDep, _: Moderator) -> ModerationSettings:
    return policy.current(session).settings


@router.put("/settings", responses=error_responses(Unprocessable))
def put_settings(
    payload: SettingsUpdate, admin: Admin, session: SessionDep, policy: PolicyDep
) -> ModerationSettings:
    """Thresholds per attribute, auto-reject, new-commenter pre-moderation, the site-wide
    commenting switch and the nudge; validated, stored, audited, live on every replica."""
    changes: dict[str, Any] = payload.model_dump(exclude_unset=True)
    assert admin.id is not None
    try:
        return policy.update_settings(session, admin.id, changes)
    except ValueError as exc:
        raise Unprocessable(str(exc)) from exc


@router.get("/wordlists/{list_name}")
def get_word_list(
    list_name: WordListName, session: SessionDep, policy: PolicyDep, _: Moderator
) -> WordListPublic:
    return WordListPublic(words=policy.current(session).words[list_name])


@router.post("/wordlists/{list_name}", responses=error_responses(Unprocessable))
def add_words(
    list_name: WordListName,
    payload: WordListAdd,
    admin: Admin,
    session: SessionDep,
    policy: PolicyDep,
) -> WordListAdded:
    """Adds words (whole-word, case-insensitive; spacing and look-alike tricks are seen
    through); banned words reject a comment, suspect words hold it."""
    assert admin.id is not None
    try:
        words, added = policy.add_words(session, admin.id, list_name, payload.words)
    except ValueError as exc:
        raise Unprocessable(str(exc), code="invalid_word") from exc
    return WordListAdded(words=words, added=added)


@router.delete(
    "/wordlists/{list_name}/{word}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(NotFound),
)
def remove_word(
    list_name: WordListName, word: str, admin: Admin, session: SessionDep, policy: PolicyDep
) -> None:
    assert admin.id is not None
    if not policy.remove_word(session, admin.id, list_name, word):
        raise NotFound(f"{word!r} is not on the {list_name} list.", code="word_not_found")
