"""Comments of nothing a reader sees, and words hidden with characters that draw nothing
(Hangul fillers, braille blanks, joiners, variation selectors), through the API."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from service.comments.models import Comment
from tests.support.factories import SignedIn, count_rows, post

HEART = "\u2764\ufe0f"
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
KOREAN_FLAG = "\U0001f1f0\U0001f1f7"
KEYCAP_ONE = "1\ufe0f\u20e3"


@pytest.mark.parametrize(
    "body",
    [
        "\u3164" * 5,  # Hangul filler
        "\u115f",
        "\u1160",
        "\uffa0",
        "\u2800",  # braille blank
        "\u034f",  # combining grapheme joiner
        "\ufe0f",  # VS16 alone
        "\U000e0100",
        " \u3164\n\u2800 \ufe0f\u3000",
    ],
)
def test_a_comment_of_nothing_visible_is_empty_and_not_stored(
    client: TestClient, reader: SignedIn, engine: Engine, body: str
) -> None:
    response = post(client, reader, body)

    assert response.status_code == 422, response.text
    assert response.json()["error"] == "comment_empty"
    assert count_rows(engine, Comment) == 0


@pytest.mark.parametrize(
    "body",
    [
        f"Great analysis {HEART}",
        f"Our family {FAMILY} reads this every morning",
        f"{KOREAN_FLAG} 좋은 기사 감사합니다",
        f"Point {KEYCAP_ONE} is the one that matters",
    ],
)
def test_emoji_keep_their_selectors_and_joiners(
    client: TestClient, reader: SignedIn, body: str
) -> None:
    response = post(client, reader, body)

    assert response.status_code == 201, response.text
    assert response.json()["body"] == body


def test_a_filler_beside_visible_text_is_published_without_it(
    client: TestClient, reader: SignedIn
) -> None:
    response = post(client, reader, "\u3164좋은\u3164 기사\u2800 감사합니다\u3164")

    assert response.status_code == 201, response.text
    assert response.json()["body"] == "좋은 기사 감사합니다"


@pytest.mark.parametrize(
    ("body", "stored"),
    [
        ("The minister is a scum\u3164bag", "The minister is a scumbag"),
        ("The minister is a s\u2800cumbag", "The minister is a scumbag"),
        ("The minister is a scu\u034fmbag", "The minister is a scu\u034fmbag"),
        ("The minister is a scumbag\ufe0f", "The minister is a scumbag\ufe0f"),
    ],
)
def test_a_banned_word_hidden_with_invisible_characters_is_rejected(
    client: TestClient, reader: SignedIn, admin: SignedIn, engine: Engine, body: str, stored: str
) -> None:
    client.post("/v1/admin/wordlists/banned", json={"words": ["scumbag"]}, headers=admin.headers)

    response = post(client, reader, body)

    assert response.status_code == 201, response.text
    assert (response.json()["status"], response.json()["status_reason"]) == (
        "rejected",
        "banned_word",
    )
    with Session(engine) as session:
        assert session.exec(select(Comment.body)).one() == stored


def test_a_zero_width_space_inside_a_word_is_refused(
    client: TestClient, reader: SignedIn, admin: SignedIn, engine: Engine
) -> None:
    client.post("/v1/admin/wordlists/banned", json={"words": ["scumbag"]}, headers=admin.headers)

    response = post(client, reader, "The minister is a scum\u200bbag")

    assert response.status_code == 422
    assert response.json()["error"] == "comment_invalid_characters"
    assert count_rows(engine, Comment) == 0
