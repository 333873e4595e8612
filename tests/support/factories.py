"""Factories shared by the tests: users with tokens, articles and comments in the database, and
the HTTP calls tests make over and over (posting, reporting, reading queues and the audit)."""

import base64
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx2
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from auth.models import Role, User
from auth.sessions import issue_session
from moderation.statuses import CommentStatus
from service.articles.service import register_article
from service.comments.models import Comment
from service.comments.tallies import count_new

FRONTEND_ORIGIN = "https://www.example-news.kr"
ARTICLE = "AEN20261127000300315"
CIVIL = "Thanks for the clear report on the trilateral statement."
TOXIC = "You are a pathetic idiot and everyone hates you"


@dataclass(frozen=True)
class SignedIn:
    id: int
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def create_user(session: Session, name: str, role: Role = Role.READER) -> User:
    user = User(display_name=name, role=role)
    session.add(user)
    session.flush()
    return user


def sign_in(engine: Engine, name: str, role: Role = Role.READER) -> SignedIn:
    """A user with a day-long session token, as `commentmod tokens issue` makes them."""
    with Session(engine) as session:
        user = create_user(session, name, role)
        token = issue_session(session, user, lifetime=timedelta(days=1))
        session.commit()
        assert user.id is not None
        return SignedIn(user.id, token)


def seed_comments(
    engine: Engine,
    *bodies: str,
    status: CommentStatus = CommentStatus.HELD,
    status_reason: str = "toxic",
    article_id: str = "article-1",
) -> tuple[int, list[int]]:
    """Comments written straight into the database by a new author: (author id, comment ids)."""
    with Session(engine, expire_on_commit=False) as session:
        author = create_user(session, "Author")
        register_article(session, article_id)
        assert author.id is not None
        comments = [
            Comment(
                article_id=article_id,
                author_id=author.id,
                body=body,
                status=status,
                status_reason=status_reason,
            )
            for body in bodies
        ]
        session.add_all(comments)
        session.flush()
        for comment in comments:
            count_new(session, comment)
        session.commit()
        return author.id, [c.id for c in comments if c.id is not None]


def post(
    client: TestClient, who: SignedIn, body: str, article: str = ARTICLE, **extra: object
) -> httpx2.Response:
    return client.post(
        f"/v1/articles/{article}/comments", json={"body": body, **extra}, headers=who.headers
    )


def published(client: TestClient, who: SignedIn, body: str = CIVIL, **extra: Any) -> int:
    response = post(client, who, body, **extra)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "published"
    comment_id: int = response.json()["id"]
    return comment_id


def held(client: TestClient, who: SignedIn, body: str = TOXIC) -> int:
    response = post(client, who, body, acknowledge_toxicity=True)
    assert response.json()["status"] == "held", response.text
    comment_id: int = response.json()["id"]
    return comment_id


def report(
    client: TestClient, who: SignedIn, comment_id: int, reason: str = "abuse"
) -> httpx2.Response:
    return client.post(
        f"/v1/comments/{comment_id}/reports", json={"reason": reason}, headers=who.headers
    )


def queue_ids(client: TestClient, moderator: SignedIn, **params: Any) -> list[int]:
    response = client.get("/v1/admin/queue", params=params, headers=moderator.headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def audit(client: TestClient, moderator: SignedIn, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/v1/admin/audit", params=params, headers=moderator.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def count_rows(engine: Engine, table: type[Any]) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(table)).one()


def forged_cursor(key: object) -> str:
    """A cursor written by hand, the way the API encodes one (URL-safe base64 of JSON)."""
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def sample_path(document: dict[str, Any], path: str, method: str) -> str:
    """`path` of the OpenAPI document with each path parameter filled in as the document allows
    (an enum's first value, else 1): for walking every route, where guards answer first."""
    for parameter in document["paths"][path][method.lower()].get("parameters", []):
        if parameter["in"] != "path":
            continue
        schema = parameter["schema"]
        if "$ref" in schema:
            schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        value = schema["enum"][0] if "enum" in schema else 1
        path = path.replace("{" + parameter["name"] + "}", str(value))
    return path
