"""A legal notice's free texts follow the plain-text rule of every stored text, and its e-mail
address is read by `email-validator`: through the API and in the OpenAPI document."""

from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from service.core.schemas import LINE
from service.core.settings import Settings
from service.notices.models import Notice
from tests.support.factories import SignedIn, count_rows, published

NOTICE = {
    "kind": "illegal_content",
    "explanation": "This comment names me and says I took bribes, which is false.",
    "legal_ground": "Criminal Act Art. 307 (defamation)",
    "notifier_name": "Kim Min-seo",
    "notifier_email": "minseo@example.kr",
    "good_faith": True,
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No limit on notices: these tests file many from one address."""
    return settings.model_copy(update={"notice_rate_limits": ""})


def notice(client: TestClient, comment_id: int, **fields: Any) -> httpx2.Response:
    return client.post(f"/v1/comments/{comment_id}/notices", json={**NOTICE, **fields})


def stored_email(engine: Engine) -> str:
    with Session(engine) as session:
        return session.exec(select(Notice.notifier_email)).one()


@pytest.mark.parametrize(
    "field", ["notifier_name", "notifier_email", "explanation", "legal_ground"]
)
@pytest.mark.parametrize(
    "hidden",
    [
        "\u202e",  # right-to-left override
        "\u200b",  # zero-width space
        "\u2066",  # left-to-right isolate
        "\ufeff",
        "\x00",
        "\x1b",
    ],
)
def test_control_and_format_characters_are_refused_naming_the_field(
    client: TestClient, reader: SignedIn, engine: Engine, field: str, hidden: str
) -> None:
    comment_id = published(client, reader)
    value = str(NOTICE[field])
    at = value.index("@") if "@" in value else 3

    refused = notice(client, comment_id, **{field: value[:at] + hidden + value[at:]})

    assert refused.status_code == 422, refused.text
    assert refused.json()["error"] == "validation_error"
    assert refused.json()["detail"].startswith(f"{field}:")
    assert count_rows(engine, Notice) == 0


@pytest.mark.parametrize("field", ["notifier_name", "explanation"])
def test_a_required_text_of_fillers_alone_is_refused(
    client: TestClient, reader: SignedIn, engine: Engine, field: str
) -> None:
    comment_id = published(client, reader)

    refused = notice(client, comment_id, **{field: "\u3164" * 25 + "\u2800"})

    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"].startswith(f"{field}:")
    assert count_rows(engine, Notice) == 0


@pytest.mark.parametrize(
    "address",
    [
        "not an address",
        "minseo@",
        "@example.kr",
        "minseo@example",  # no top-level domain
        "min..seo@example.kr",
        "min seo@example.kr",
        "minseo@@example.kr",
        "minseo@localhost",
        "minseo@[127.0.0.1]",
        '"min seo"@example.kr',
        "minseo@exa_mple.kr",
        "minseo\u3164@example.kr",  # a Hangul filler nobody could read back
        "minseo@example.kr\u2800",
        "minseo@example..kr",
        "minseo@-example.kr",
    ],
)
def test_a_bad_email_address_is_refused_naming_the_field(
    client: TestClient, reader: SignedIn, engine: Engine, address: str
) -> None:
    comment_id = published(client, reader)

    refused = notice(client, comment_id, notifier_email=address)

    assert refused.status_code == 422, refused.text
    # the plain-text rule's refusal, or the library's, which has a code of its own
    assert refused.json()["error"] in {"validation_error", "invalid_email"}
    assert refused.json()["detail"].startswith("notifier_email:")
    assert count_rows(engine, Notice) == 0


@pytest.mark.parametrize(
    ("address", "stored"),
    [
        ("minseo@example.kr", "minseo@example.kr"),
        ("Min.Seo+news@EXAMPLE.KR", "Min.Seo+news@example.kr"),
        ("  minseo@example.kr ", "minseo@example.kr"),
        ("민서@예시.한국", "민서@예시.한국"),
        ("minseo@xn--bcher-kva.ch", "minseo@bücher.ch"),
    ],
)
def test_a_good_email_address_is_accepted_as_the_library_normalises_it(
    client: TestClient, reader: SignedIn, engine: Engine, address: str, stored: str
) -> None:
    comment_id = published(client, reader)

    filed = notice(client, comment_id, notifier_email=address)

    assert filed.status_code == 201, filed.text
    assert stored_email(engine) == stored


def test_the_document_shows_the_rules(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    notice_create = schemas["NoticeCreate"]["properties"]

    assert notice_create["notifier_email"]["format"] == "email"
    assert notice_create["notifier_email"]["pattern"] == LINE
    for name in ("NoticeCreate", "NoticeDecisionCreate", "ObjectionCreate"):
        for field, shape in schemas[name]["properties"].items():
            texts = [shape, *shape.get("anyOf", ())]
            for text in (option for option in texts if option.get("type") == "string"):
                if "enum" not in text and "$ref" not in text:
                    assert "pattern" in text, f"{name}.{field}"
