"""The reader-facing contract, end to end through the ASGI app."""

import unicodedata

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlmodel import Session, select

from moderation.scoring.scorers import Scorer
from service.audit.models import AuditEvent
from service.comments.models import Comment
from tests.support.factories import ARTICLE, CIVIL, TOXIC, SignedIn, count_rows, post
from tests.support.scorers import ScriptedScorer


def test_a_civil_comment_is_published(client: TestClient, reader: SignedIn) -> None:
    response = post(client, reader, CIVIL)

    assert response.status_code == 201
    comment = response.json()
    assert comment["status"] == "published"
    assert comment["body"] == CIVIL
    assert comment["article_id"] == ARTICLE
    assert comment["parent_id"] is None
    assert comment["author"] == {
        "id": reader.id,
        "display_name": "Min-jun Reader",
        "deleted": False,
        "badge": None,
    }
    assert set(comment) == {
        "id",
        "article_id",
        "parent_id",
        "author",
        "body",
        "status",
        "status_reason",
        "statement_id",
        "reply_count",
        "likes",
        "dislikes",
        "my_reaction",
        "featured",
        "pinned",
        "created_at",
        "edited_at",
    }
    assert comment["status_reason"] is None


def test_a_toxic_comment_is_nudged_first_and_nothing_is_stored(
    client: TestClient, reader: SignedIn, engine: Engine
) -> None:
    response = post(client, reader, TOXIC)

    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "toxic_comment"
    assert body["detail"].startswith("The language in this comment might violate")
    assert body["scores"]["toxicity"] >= 0.8
    assert count_rows(engine, Comment) == 0


def test_a_toxic_comment_posted_after_the_warning_is_held_for_review(
    client: TestClient, reader: SignedIn
) -> None:
    response = post(client, reader, TOXIC, acknowledge_toxicity=True)

    assert response.status_code == 201
    assert response.json()["status"] == "held"
    assert response.json()["status_reason"] == "toxic"


@pytest.mark.parametrize(
    ("text", "models"),
    [
        ("이 기자 진짜 멍청한 새끼네", ["korean-char-ngrams-"]),
        ("You pathetic idiot, 닥쳐 병신아", ["english-ngrams-", "korean-char-ngrams-"]),
    ],
)
def test_korean_abuse_is_nudged_then_held_and_names_its_models(
    client: TestClient, reader: SignedIn, moderator: SignedIn, text: str, models: list[str]
) -> None:
    """The README walkthrough without Detoxify weights: Korean and mixed abuse is caught."""
    nudged = post(client, reader, text)
    assert (nudged.status_code, nudged.json()["error"]) == (422, "toxic_comment")

    posted = post(client, reader, text, acknowledge_toxicity=True)
    assert (posted.json()["status"], posted.json()["status_reason"]) == ("held", "toxic")
    stored = client.get(f"/v1/admin/comments/{posted.json()['id']}", headers=moderator.headers)
    model_ids = stored.json()["model_id"].split(";")
    assert len(model_ids) == len(models)
    assert all(found.startswith(model) for found, model in zip(model_ids, models, strict=True))
    # Why: each model's strongest spans, pointing into the text the moderator reads.
    explanation = stored.json()["explanation"]
    assert [part["model_id"] for part in explanation] == model_ids
    for part in explanation:
        assert part["spans"], part
        for span in part["spans"]:
            assert text[span["start"] : span["end"]] == span["text"]
            assert span["weight"] > 0


class TestAModelThatCannotSayWhy:
    @pytest.fixture
    def scorer(self, scripted_scorer: ScriptedScorer) -> Scorer:
        return scripted_scorer

    def test_its_comments_have_no_explanation(
        self, client: TestClient, reader: SignedIn, moderator: SignedIn
    ) -> None:
        held_id = post(client, reader, TOXIC, acknowledge_toxicity=True).json()["id"]
        detail = client.get(f"/v1/admin/comments/{held_id}", headers=moderator.headers).json()
        assert detail["model_id"] == ScriptedScorer.model_id
        assert detail["explanation"] == []


@pytest.mark.parametrize(
    "text", ["좋은 기사 감사합니다. 잘 읽었습니다.", "Great report, 감사합니다"]
)
def test_civil_korean_and_mixed_comments_are_published(
    client: TestClient, reader: SignedIn, text: str
) -> None:
    response = post(client, reader, text)
    assert (response.status_code, response.json()["status"]) == (201, "published")


class TestWithoutTheNudge:
    @pytest.fixture
    def settings(self, settings):  # type: ignore[no-untyped-def]
        return settings.model_copy(update={"nudge": False})

    def test_a_toxic_comment_is_held_at_once(self, client: TestClient, reader: SignedIn) -> None:
        response = post(client, reader, TOXIC)

        assert response.status_code == 201
        assert response.json()["status"] == "held"


def test_the_decision_is_audited_as_a_system_action(
    client: TestClient, reader: SignedIn, engine: Engine
) -> None:
    comment_id = post(client, reader, TOXIC, acknowledge_toxicity=True).json()["id"]

    with Session(engine) as session:
        (action,) = session.exec(
            select(AuditEvent).where(AuditEvent.comment_id == comment_id)
        ).all()
        stored = session.get(Comment, comment_id)
    assert (action.action, action.from_status, action.to_status, action.actor_id) == (
        "created",
        None,
        "held",
        None,
    )
    assert (action.reason, action.subject_user_id) == ("toxic", reader.id)
    assert stored is not None
    assert stored.model_id is not None
    assert stored.model_id.startswith("english-ngrams-")
    assert stored.toxicity is not None
    assert stored.toxicity >= 0.8


def test_251_characters_are_refused_with_the_count(client: TestClient, reader: SignedIn) -> None:
    response = post(client, reader, "가" * 251)

    assert response.status_code == 422
    assert response.json() == {
        "error": "comment_too_long",
        "detail": "The comment is 251 characters long; the limit is 250.",
        "length": 251,
        "limit": 250,
    }


def test_250_hangul_syllables_in_nfd_are_accepted(client: TestClient, reader: SignedIn) -> None:
    body = unicodedata.normalize("NFD", "한국어" * 83 + "뉴")

    response = post(client, reader, body)

    assert response.status_code == 201
    assert response.json()["body"] == "한국어" * 83 + "뉴"


@pytest.mark.parametrize(
    ("body", "code"),
    [("   \n ", "comment_empty"), ("bell\x07", "comment_invalid_characters")],
)
def test_text_rule_errors(client: TestClient, reader: SignedIn, body: str, code: str) -> None:
    response = post(client, reader, body)

    assert response.status_code == 422
    assert response.json()["error"] == code


def test_nothing_is_stored_for_a_refused_comment(
    client: TestClient, reader: SignedIn, engine: Engine
) -> None:
    post(client, reader, "x" * 300)

    assert count_rows(engine, Comment) == 0


@pytest.mark.parametrize(
    "article", ["has space", "a" * 129, "semi;colon", "%F0%9F%98%80", "slash%2Fin"]
)
def test_bad_article_ids_are_422(client: TestClient, reader: SignedIn, article: str) -> None:
    response = post(client, reader, CIVIL, article=article)

    assert response.status_code in (404, 422)  # an encoded slash never reaches the route
    assert set(response.json()) == {"error", "detail"}


def test_article_ids_use_the_cms_alphabet(client: TestClient, reader: SignedIn) -> None:
    article = "news:2026.11-27_A" + "x" * 111

    assert post(client, reader, CIVIL, article=article).status_code == 201


def test_a_body_that_is_not_a_string_is_a_validation_error(
    client: TestClient, reader: SignedIn
) -> None:
    response = client.post(
        f"/v1/articles/{ARTICLE}/comments", json={"body": 42}, headers=reader.headers
    )

    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"
    assert "body" in response.json()["detail"]


def test_posting_needs_a_session(client: TestClient) -> None:
    response = client.post(f"/v1/articles/{ARTICLE}/comments", json={"body": CIVIL})

    assert response.status_code == 401
    assert response.json() == {"error": "not_authenticated", "detail": "Sign in to do this."}


def test_an_unknown_token_is_401(client: TestClient, engine: Engine) -> None:
    response = client.post(
        f"/v1/articles/{ARTICLE}/comments",
        json={"body": CIVIL},
        headers={"Authorization": "Bearer cm_not-a-real-token"},
    )

    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"
    assert count_rows(engine, Comment) == 0


@pytest.mark.parametrize("body", ["   ", "hi\x00there", "x" * 251])
def test_a_stale_token_is_401_whatever_the_comment(
    client: TestClient, engine: Engine, body: str
) -> None:
    """Who is posting is settled before the text rules judge the comment. (A request the
    schema refuses, such as an empty body, is 422 before that: FastAPI validates it before
    the route runs, and the schema is public.)"""
    response = client.post(
        f"/v1/articles/{ARTICLE}/comments",
        json={"body": body},
        headers={"Authorization": "Bearer cm_not-a-real-token"},
    )

    assert (response.status_code, response.json()["error"]) == (401, "not_authenticated")
    assert count_rows(engine, Comment) == 0


def test_a_post_takes_two_short_transactions(client: TestClient, reader: SignedIn) -> None:
    """The token is looked up in the read that prepares the comment, not in one of its own;
    the comment, its audit row and its counters are written in one more."""
    post(client, reader, CIVIL)  # the first one registers the article and records the use
    began: list[object] = []

    def count(connection: object) -> None:
        began.append(connection)

    event.listen(Engine, "begin", count)
    try:
        response = post(client, reader, "A second comment on the same article.")
    finally:
        event.remove(Engine, "begin", count)

    assert response.status_code == 201
    assert len(began) == 2


def test_the_list_shows_published_newest_first_and_pages_by_cursor(
    client: TestClient, reader: SignedIn
) -> None:
    ids = [post(client, reader, f"Comment number {i}").json()["id"] for i in range(5)]

    first = client.get(f"/v1/articles/{ARTICLE}/comments", params={"limit": 2}).json()
    second = client.get(
        f"/v1/articles/{ARTICLE}/comments", params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    third = client.get(
        f"/v1/articles/{ARTICLE}/comments", params={"limit": 2, "cursor": second["next_cursor"]}
    ).json()

    seen = [c["id"] for page in (first, second, third) for c in page["items"]]
    assert seen == list(reversed(ids))
    assert third["next_cursor"] is None


def test_held_comments_are_shown_only_to_their_author(
    client: TestClient, reader: SignedIn, other_reader: SignedIn
) -> None:
    post(client, reader, CIVIL)
    held_id = post(client, reader, TOXIC, acknowledge_toxicity=True).json()["id"]
    url = f"/v1/articles/{ARTICLE}/comments"

    as_author = client.get(url, headers=reader.headers).json()["items"]
    as_other = client.get(url, headers=other_reader.headers).json()["items"]
    anonymous = client.get(url).json()["items"]

    assert (as_author[0]["id"], as_author[0]["status"]) == (held_id, "held")
    assert held_id not in [c["id"] for c in as_other + anonymous]
    assert len(as_other) == len(anonymous) == 1


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"cursor": "not-a-cursor"}])
def test_bad_paging_parameters_are_422(client: TestClient, params: dict[str, str | int]) -> None:
    response = client.get(f"/v1/articles/{ARTICLE}/comments", params=params)

    assert response.status_code == 422
    assert response.json()["error"] in {"validation_error", "invalid_cursor"}


def test_the_count_is_of_published_comments(client: TestClient, reader: SignedIn) -> None:
    post(client, reader, CIVIL)
    post(client, reader, "Another fair point about the summit.")
    post(client, reader, TOXIC, acknowledge_toxicity=True)

    response = client.get(f"/v1/articles/{ARTICLE}/comments/count")

    assert response.json() == {"article_id": ARTICLE, "count": 2}
    assert client.get("/v1/articles/never-commented/comments/count").json()["count"] == 0


def test_a_reply_keeps_its_parent(client: TestClient, reader: SignedIn) -> None:
    parent_id = post(client, reader, CIVIL).json()["id"]

    reply = post(client, reader, "Agreed.", parent_id=parent_id)

    assert reply.status_code == 201
    assert reply.json()["parent_id"] == parent_id


def test_a_reply_to_another_articles_comment_is_refused(
    client: TestClient, reader: SignedIn
) -> None:
    parent_id = post(client, reader, CIVIL, article="other-article").json()["id"]

    reply = post(client, reader, "Agreed.", parent_id=parent_id)

    assert reply.status_code == 409
    assert reply.json()["error"] == "parent_unavailable"


def test_authors_delete_their_own_comment(client: TestClient, reader: SignedIn) -> None:
    comment_id = post(client, reader, CIVIL).json()["id"]

    assert client.delete(f"/v1/comments/{comment_id}", headers=reader.headers).status_code == 204
    assert client.get(f"/v1/articles/{ARTICLE}/comments").json()["items"] == []
    again = client.delete(f"/v1/comments/{comment_id}", headers=reader.headers)
    assert again.status_code == 404
    assert again.json()["error"] == "comment_not_found"


def test_others_cannot_delete_but_moderators_can(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, moderator: SignedIn
) -> None:
    comment_id = post(client, reader, CIVIL).json()["id"]

    refused = client.delete(f"/v1/comments/{comment_id}", headers=other_reader.headers)
    assert refused.status_code == 403
    assert refused.json()["error"] == "forbidden"

    assert client.delete(f"/v1/comments/{comment_id}", headers=moderator.headers).status_code == 204


class TestWhenTheModelFails:
    @pytest.fixture
    def scorer(self, scripted_scorer: ScriptedScorer) -> Scorer:
        scripted_scorer.fail = True
        return scripted_scorer

    def test_the_comment_is_held_not_lost(
        self, client: TestClient, reader: SignedIn, engine: Engine
    ) -> None:
        response = post(client, reader, CIVIL)

        assert response.status_code == 201
        assert response.json()["status"] == "held"
        with Session(engine) as session:
            stored = session.get(Comment, response.json()["id"])
        assert stored is not None
        assert (stored.status, stored.status_reason, stored.body) == (
            "held",
            "scoring_unavailable",
            CIVIL,
        )
        assert stored.scores is None


class TestWhenTheModelIsTooSlow:
    @pytest.fixture
    def scorer(self, scripted_scorer: ScriptedScorer) -> Scorer:
        scripted_scorer.delay = 1.0
        return scripted_scorer

    @pytest.fixture
    def settings(self, settings):  # type: ignore[no-untyped-def]
        return settings.model_copy(update={"scoring_timeout": 0.2})

    def test_the_comment_is_held_after_the_timeout(
        self, client: TestClient, reader: SignedIn
    ) -> None:
        response = post(client, reader, CIVIL)

        assert response.status_code == 201
        assert response.json()["status"] == "held"
