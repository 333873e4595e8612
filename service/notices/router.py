"""Legal notices: filed by anyone, followed by reference, decided by moderators; the author's
objection to a temporary measure."""

from typing import Annotated

from fastapi import APIRouter, Path, status

from auth.deps import AUTHENTICATION_ERRORS, MODERATORS_ONLY, CurrentUser, Moderator, OptionalUser
from service.comments.errors import CommentNotFound, InvalidTransition
from service.comments.service import get_comment
from service.core.deps import ClientIp, LimitsDep, SessionDep, SettingsDep
from service.core.errors import Forbidden, Unprocessable, error_responses
from service.core.pagination import Cursor, InvalidCursor, Limit
from service.core.ratelimit import RateLimited
from service.core.schemas import Id, InvalidEmail, email_address
from service.notices import service
from service.notices.models import REFERENCE_LENGTH
from service.notices.schemas import (
    NoticeAdmin,
    NoticeAdminPage,
    NoticeCreate,
    NoticeDecisionCreate,
    NoticePublic,
    ObjectionCreate,
)
from service.notices.service import (
    AlreadyObjected,
    NoMeasure,
    NoticeDecided,
    NoticeDecision,
    NoticeDraft,
    NoticeNotFound,
    NoticeQueue,
)

router = APIRouter(prefix="/v1", tags=["notices"])
admin_router = APIRouter(dependencies=MODERATORS_ONLY)

Reference = Annotated[
    str, Path(min_length=3, max_length=REFERENCE_LENGTH, pattern=r"^N-[A-Za-z0-9_-]+$")
]


@router.post(
    "/comments/{comment_id}/notices",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(
        *AUTHENTICATION_ERRORS,
        CommentNotFound,
        InvalidTransition,
        Unprocessable,
        InvalidEmail,
        RateLimited,
    ),
)
def file_notice(
    comment_id: Id,
    payload: NoticeCreate,
    user: OptionalUser,
    session: SessionDep,
    settings: SettingsDep,
    limits: LimitsDep,
    address: ClientIp,
) -> NoticePublic:
    """A notice that a comment is illegal, or infringes the notifier's rights (privacy,
    reputation). Open to anyone, signed in or not (a session cookie counts only on a write
    that passes the CSRF check: 403 `csrf_failed` otherwise). A `rights_infringement` notice on
    a published comment hides it at once (the temporary measure, `measure` in the answer) when
    its notifier is signed in (or `COMMENTMOD_TEMPORARY_MEASURE_NOTIFIERS=anyone`), the
    comment's author is not a moderator or admin and no notice on the comment was decided
    before; otherwise it waits for a moderator, like any other notice. Keep the `reference`:
    it is the notice's address (`GET /v1/notices/{reference}`)."""
    email = email_address(payload.notifier_email, field="notifier_email")
    limits.notices_from(address).take(session)
    draft = NoticeDraft(
        kind=payload.kind,
        explanation=payload.explanation,
        legal_ground=payload.legal_ground or None,
        notifier_name=payload.notifier_name,
        notifier_email=email,
    )
    notice = service.file_notice(
        session,
        comment_id=comment_id,
        draft=draft,
        notifier=user,
        measure_days=settings.temporary_measure_days,
        measure_notifiers=settings.temporary_measure_notifiers,
    )
    return NoticePublic.of(notice)


@router.get("/notices/{reference}", responses=error_responses(NoticeNotFound, Unprocessable))
def follow_notice(reference: Reference, session: SessionDep) -> NoticePublic:
    """The notice's status, its temporary measure and the decision, for whoever holds the
    reference."""
    return NoticePublic.of(service.notice_by_reference(session, reference))


@router.post(
    "/comments/{comment_id}/objections",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(
        *AUTHENTICATION_ERRORS,
        Forbidden,
        CommentNotFound,
        NoMeasure,
        AlreadyObjected,
        Unprocessable,
    ),
)
def object_to_measure(
    comment_id: Id, payload: ObjectionCreate, user: CurrentUser, session: SessionDep
) -> list[NoticePublic]:
    """The author of a comment under a temporary measure says it infringes nobody's rights;
    it stays hidden until a moderator decides, instead of being removed when the period ends."""
    notices = service.object_to_measure(
        session, comment_id=comment_id, author=user, explanation=payload.explanation
    )
    return [NoticePublic.of(notice) for notice in notices]


@admin_router.get("/notices", responses=error_responses(Unprocessable, InvalidCursor))
def notices_queue(
    session: SessionDep,
    status: NoticeQueue = NoticeQueue.OPEN,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> NoticeAdminPage:
    """Notices oldest first: `open` (overdue ones and repeats flagged), `overdue`, or
    `decided`. A `repeat` arrived after a notice on the same comment was decided, so it started
    no measure by itself: a moderator decides it."""
    page = service.notices_page(session, queue=status, limit=limit, cursor=cursor)
    return NoticeAdminPage(
        items=[NoticeAdmin.with_comment(notice, comment) for notice, comment in page.items],
        next_cursor=page.next_cursor,
    )


@admin_router.post(
    "/notices/{reference}/decision",
    responses=error_responses(NoticeNotFound, NoticeDecided, InvalidTransition, Unprocessable),
)
def decide_notice(
    reference: Reference, payload: NoticeDecisionCreate, moderator: Moderator, session: SessionDep
) -> NoticeAdmin:
    """Remove the comment, restore it (a hidden one is published again) or take no action. The
    decision answers every open notice about the comment; each notifier is told."""
    decision = NoticeDecision(
        action=payload.action, ground=payload.ground, explanation=payload.explanation
    )
    notice = service.decide_notice(
        session, reference=reference, decision=decision, moderator=moderator
    )
    comment = get_comment(session, notice.comment_id)
    return NoticeAdmin.with_comment(notice, comment)
