"""Reader-facing comment routes: thin, the work is in `posting` and `service`."""

from datetime import timedelta
from typing import Annotated, Any

import anyio.to_thread
from annotated_types import Ge, Le
from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import BeforeValidator

from auth.deps import (
    AUTHENTICATION_ERRORS,
    CredentialsDep,
    CurrentUser,
    DeferredCaller,
    optional_user,
)
from auth.users import UserBanned, UserSuspended
from service.abuse.deps import ScreeningDep
from service.abuse.service import AccountTooNew, DailyLimitReached, DuplicateComment
from service.articles.schemas import ArticleId
from service.articles.service import ArticleClosed
from service.comments import reactions, service
from service.comments.errors import (
    TEXT_RULE_ERRORS,
    CommentNotFound,
    EditWindowClosed,
    InvalidTransition,
    ParentUnavailable,
    ToxicComment,
)
from service.comments.models import CommentSort
from service.comments.page_cache import PublicPages, Rendered
from service.comments.posting import CommentWriter
from service.comments.reactions import OwnComment
from service.comments.schemas import (
    CommentCount,
    CommentCreate,
    CommentEdit,
    CommentPage,
    CommentPublic,
    ReactionPublic,
    ReactionPut,
    TopArticles,
)
from service.comments.service import Listing
from service.comments.top import TOP_FRESHNESS, TopWindow
from service.core.deps import DatabaseDep, LimitsDep, ScoringDep, SessionDep, SettingsDep
from service.core.errors import Forbidden, NotAuthenticated, Unprocessable, error_responses
from service.core.pagination import Cursor, InvalidCursor, Limit
from service.core.ratelimit import RateLimited
from service.core.schemas import Id, plain_digits
from service.idempotency.service import IdempotencyKey, IdempotencyKeyReused, RetryRequest
from service.policy.deps import PolicyDep
from service.policy.service import CommentingDisabled

router = APIRouter(prefix="/v1", tags=["comments"])


async def get_writer(
    database: DatabaseDep,
    scoring: ScoringDep,
    policy: PolicyDep,
    limits: LimitsDep,
    screening: ScreeningDep,
) -> CommentWriter:
    """Async although it awaits nothing: FastAPI runs a plain `def` dependency in a worker
    thread, a hop per request for nothing."""
    return CommentWriter(database, scoring, policy, limits, screening)


Writer = Annotated[CommentWriter, Depends(get_writer)]


@router.post(
    "/articles/{article_id}/comments",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(
        *AUTHENTICATION_ERRORS,
        UserBanned,
        UserSuspended,
        ArticleClosed,
        ParentUnavailable,
        Unprocessable,
        *TEXT_RULE_ERRORS,
        ToxicComment,
        IdempotencyKeyReused,
        RateLimited,
        CommentingDisabled,
        DuplicateComment,
        DailyLimitReached,
        AccountTooNew,
    ),
)
async def post_comment(
    article_id: ArticleId,
    payload: CommentCreate,
    caller: DeferredCaller,
    writer: Writer,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> CommentPublic:
    """Scores the comment and answers `published`, `held` (for review) or `rejected`, with the
    reason for the author. A toxic comment first gets 422 `toxic_comment` (the nudge). Only
    comments that get stored count towards the writer's rate limit and daily caps
    (moderators have neither). The same text twice from one account within the repeat window
    is 409 `duplicate_comment`; an account younger than the site's cool-down gets 403
    `account_too_new`. Send an `Idempotency-Key` to retry safely."""
    return await writer.post(
        caller=caller,
        article_id=article_id,
        draft=payload,
        asked=RetryRequest.of(request, key=idempotency_key, payload=payload),
    )


@router.patch(
    "/comments/{comment_id}",
    responses=error_responses(
        *AUTHENTICATION_ERRORS,
        Forbidden,
        UserBanned,
        UserSuspended,
        CommentNotFound,
        ArticleClosed,
        InvalidTransition,
        EditWindowClosed,
        Unprocessable,
        *TEXT_RULE_ERRORS,
        ToxicComment,
        CommentingDisabled,
        DuplicateComment,
    ),
)
async def edit_comment(
    comment_id: Id, payload: CommentEdit, user: CurrentUser, writer: Writer, settings: SettingsDep
) -> CommentPublic:
    """Within the edit window; the edit is checked and scored again and the old text kept."""
    comment = await writer.edit(
        author=user,
        comment_id=comment_id,
        edit=payload,
        edit_window=timedelta(seconds=settings.edit_window),
    )
    return CommentPublic.for_author(comment, user)


async def get_public_pages(request: Request, database: DatabaseDep) -> PublicPages:
    """This worker's anonymous answers; built on the database (503 when it is unavailable)."""
    pages: PublicPages = request.app.state.public_pages
    assert pages.database is database
    return pages


PublicPagesDep = Annotated[PublicPages, Depends(get_public_pages)]

NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the `ETag` sent in `If-None-Match` is still current."}
}
PRIVATE = "private, no-store"


def _send(rendered: Rendered, request: Request, cache_control: str) -> Response:
    """The answer, or 304 when the caller holds it already; cacheable as `cache_control`
    says (the `Vary` headers are `SecurityHeaders`')."""
    headers = {"ETag": rendered.etag, "Cache-Control": cache_control}
    if rendered.matches(request.headers.get("if-none-match")):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(rendered.body, media_type="application/json", headers=headers)


SORT_HELP = (
    "`newest` (default) or `oldest` first; `best`: most liked first, by the lower bound of "
    "the share of likes (Wilson, 95 %), from accounts that count toward ranking; `replies`: "
    "most answered first. Newest first among equals."
)


@router.get(
    "/articles/{article_id}/comments",
    response_model=CommentPage,
    responses={**NOT_MODIFIED, **error_responses(Unprocessable, InvalidCursor)},
)
async def list_comments(
    article_id: ArticleId,
    request: Request,
    presented: CredentialsDep,
    pages: PublicPagesDep,
    settings: SettingsDep,
    limit: Limit = 20,
    cursor: Cursor = None,
    sort: Annotated[CommentSort, Query(description=SORT_HELP)] = CommentSort.NEWEST,
    featured: Annotated[bool, Query(description="`true`: only the editors' picks.")] = False,
    top_level: Annotated[
        bool,
        Query(
            description="`true`: only comments that start a conversation (their replies: "
            "`GET /v1/comments/{id}/replies`)."
        ),
    ] = False,
) -> Response:
    """Published comments in the order asked (newest first by default), with reply counts
    for threading; a signed-in author also sees their own held and rejected ones, with the
    reason. Anonymous first pages are served from memory and may be cached for a second
    (`Cache-Control`); send the `ETag` back in `If-None-Match` to get 304 when nothing
    changed. Keep `sort` the same from page to page: a cursor continues the order it came
    from. The comment the moderators pinned leads the first page (besides `limit`), `pinned`
    true, and is not repeated in its place."""
    listing = Listing(sort=sort, featured_only=featured, top_level=top_level)
    if not presented.token and cursor is None:
        rendered = await pages.page(article_id, limit, listing)
        return _send(rendered, request, settings.public_cache_control)
    database = pages.database
    viewer = await anyio.to_thread.run_sync(optional_user, request, database, settings, presented)
    viewer_id = viewer.id if viewer else None
    page = await database.run(
        lambda session: service.article_page(
            session,
            article_id=article_id,
            viewer_id=viewer_id,
            limit=limit,
            cursor=cursor,
            listing=listing,
        )
    )
    body = CommentPage.of(page, viewer_id).model_dump_json().encode()
    return _send(Rendered.of(body), request, PRIVATE if viewer else settings.public_cache_control)


@router.get(
    "/comments/{comment_id}/replies",
    response_model=CommentPage,
    responses=error_responses(CommentNotFound, Unprocessable, InvalidCursor),
)
async def list_replies(
    comment_id: Id,
    request: Request,
    presented: CredentialsDep,
    database: DatabaseDep,
    settings: SettingsDep,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Response:
    """A comment's replies, oldest first, as the article page shows comments (a signed-in
    author also sees their own held and rejected replies; muted authors are left out). 404
    for a comment the caller may not see (a deleted one with published replies still lists
    them)."""
    viewer = await anyio.to_thread.run_sync(optional_user, request, database, settings, presented)
    viewer_id = viewer.id if viewer else None
    page = await database.run(
        lambda session: service.replies_page(
            session, parent_id=comment_id, viewer_id=viewer_id, limit=limit, cursor=cursor
        )
    )
    body = CommentPage.of(page, viewer_id).model_dump_json().encode()
    return _send(Rendered.of(body), request, PRIVATE if viewer else settings.public_cache_control)


@router.get(
    "/articles/top",
    response_model=TopArticles,
    responses={**NOT_MODIFIED, **error_responses(Unprocessable)},
)
async def top_articles(
    request: Request,
    pages: PublicPagesDep,
    window: Annotated[
        TopWindow, Query(description="How far back comments count: `1h` … `7d`.")
    ] = TopWindow.DAY,
    limit: Annotated[int, Ge(1), Le(50), BeforeValidator(plain_digits)] = 10,
) -> Response:
    """The most-commented articles of the window, for the home page: published comments
    written in the window per article, most first, with the article's URL, title and total.
    The same for every reader; each worker keeps it for 30 seconds (`Cache-Control` too)."""
    rendered = await pages.top(window, limit)
    return _send(rendered, request, f"public, max-age={int(TOP_FRESHNESS)}")


@router.get(
    "/articles/{article_id}/comments/count",
    response_model=CommentCount,
    responses={**NOT_MODIFIED, **error_responses(Unprocessable)},
)
async def count_comments(
    article_id: ArticleId, request: Request, pages: PublicPagesDep, settings: SettingsDep
) -> Response:
    """The article's published comments, for the badge: the same for every reader."""
    rendered = await pages.count(article_id)
    return _send(rendered, request, settings.public_cache_control)


@router.get(
    "/me/comments", responses=error_responses(NotAuthenticated, Unprocessable, InvalidCursor)
)
def my_comments(
    user: CurrentUser, session: SessionDep, limit: Limit = 20, cursor: Cursor = None
) -> CommentPage:
    """The signed-in reader's comments on every article, with their statuses and reasons."""
    return CommentPage.of(
        service.own_comments(session, author=user, limit=limit, cursor=cursor), user.id
    )


@router.delete(
    "/comments/{comment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(
        *AUTHENTICATION_ERRORS, Forbidden, CommentNotFound, InvalidTransition, Unprocessable
    ),
)
def delete_comment(comment_id: Id, user: CurrentUser, session: SessionDep) -> None:
    service.delete_comment(session, comment_id=comment_id, user=user)


REACTION_ERRORS = (*AUTHENTICATION_ERRORS, CommentNotFound, OwnComment, Unprocessable)


@router.put(
    "/comments/{comment_id}/reaction",
    responses=error_responses(*REACTION_ERRORS, UserBanned, UserSuspended, DailyLimitReached),
)
def react(
    comment_id: Id,
    payload: ReactionPut,
    user: CurrentUser,
    session: SessionDep,
    policy: PolicyDep,
    settings: SettingsDep,
) -> ReactionPublic:
    """Likes or dislikes a published comment of another reader: one reaction per reader per
    comment (again the same way changes nothing; the other way changes it). New reactions
    count against the site's daily cap (`daily_caps.reactions`; moderators have none):
    429 `daily_limit_reached` with `scope` `reactions`. Banned and suspended readers cannot
    react."""
    state = reactions.react(
        session,
        comment_id=comment_id,
        reader=user,
        kind=payload.kind,
        settings=policy.current(session).settings,
        zone=settings.site_timezone,
    )
    return ReactionPublic.of(state)


@router.delete("/comments/{comment_id}/reaction", responses=error_responses(*REACTION_ERRORS))
def take_back_reaction(comment_id: Id, user: CurrentUser, session: SessionDep) -> ReactionPublic:
    """Takes your reaction back (none there: nothing changes); the place it took under the
    daily cap is not given back."""
    return ReactionPublic.of(reactions.take_back(session, comment_id=comment_id, reader=user))
