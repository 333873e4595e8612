from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from moderation.scoring.scorers import ScorerUnavailable
from service.app import create_app, load_scorer
from service.core.db import Database
from service.core.settings import Settings
from tests.support.factories import sign_in
from tests.support.stalled import closed_port_url
from tests.support.tiny_detoxify import build_tiny_detoxify


def test_health_names_the_scoring_model(client: TestClient) -> None:
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "scorer": {
            "model_id": client.app.state.scoring.model_id,  # type: ignore[attr-defined]
            "shadow": None,  # no model on trial (tests/service/quality/test_shadow.py)
        },
    }


def test_health_is_503_when_the_database_is_unreachable(client: TestClient) -> None:
    app = client.app
    working = app.state.database  # type: ignore[attr-defined]
    app.state.database = Database.connect(closed_port_url())  # type: ignore[attr-defined]
    try:
        response = client.get("/health")
    finally:
        app.state.database.dispose()  # type: ignore[attr-defined]
        app.state.database = working  # type: ignore[attr-defined]

    assert response.status_code == 503
    assert response.json()["error"] == "database_unavailable"
    assert response.json()["database"] == "unavailable"


def test_unknown_routes_answer_in_the_error_format(client: TestClient) -> None:
    response = client.get("/v1/nothing-here")

    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "detail": "Not Found"}


def test_a_huge_body_is_refused_before_it_is_read(client: TestClient) -> None:
    response = client.post(
        "/v1/articles/a-1/comments",
        content=b'{"body": "' + b"a" * 100_000 + b'"}',
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"


def test_a_huge_streamed_body_is_refused(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"body": "'
        for _ in range(100):
            yield b"a" * 1024
        yield b'"}'

    response = client.post(
        "/v1/articles/a-1/comments", content=chunks(), headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"


def test_the_openapi_document_describes_every_route_and_its_errors(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()

    post_comment = spec["paths"]["/v1/articles/{article_id}/comments"]["post"]
    assert {"201", "401", "403", "409", "422", "429", "503"} <= set(post_comment["responses"])
    assert "/v1/admin/comments:bulk" in spec["paths"]
    assert "/v1/auth/{provider}/callback" in spec["paths"]


def test_the_service_loads_detoxify_from_its_settings(settings: Settings, tmp_path: Path) -> None:
    """The production path: settings name a local checkpoint and config folder; the lifespan
    loads them through detoxify's own code, offline, and every score names the model."""
    tiny = build_tiny_detoxify(tmp_path)
    configured = settings.model_copy(
        update={
            "scorer": "detoxify",
            "detoxify_checkpoint": tiny.checkpoint,
            "detoxify_config_dir": tiny.config_dir,
            "hold_thresholds": {},
        }
    )
    with TestClient(create_app(configured)) as client:
        model_id = client.get("/health").json()["scorer"]["model_id"]
        reader = sign_in(client.app.state.database.engine, "Reader")  # type: ignore[attr-defined]
        posted = client.post(
            "/v1/articles/a-1/comments",
            json={"body": "thanks for the clear report", "acknowledge_toxicity": True},
            headers=reader.headers,
        )

    english, korean = model_id.split(";")  # Korean text goes to the embedded Korean model
    assert english == "detoxify-0.5.4:tiny-detoxify"
    assert korean.startswith("korean-char-ngrams-")
    assert posted.status_code == 201


def test_the_service_will_not_start_when_its_models_names_do_not_fit_a_comment(
    settings: Settings, tmp_path: Path
) -> None:
    """The names are stored with every comment (200 characters): refused at start, not at the
    first comment."""
    tiny = build_tiny_detoxify(tmp_path)
    renamed = tiny.checkpoint.with_name("x" * 190 + ".ckpt")
    tiny.checkpoint.rename(renamed)
    configured = settings.model_copy(
        update={
            "scorer": "detoxify",
            "detoxify_checkpoint": renamed,
            "detoxify_config_dir": tiny.config_dir,
        }
    )
    with pytest.raises(ScorerUnavailable, match="longer than the 200 characters"):
        load_scorer(configured)


def test_the_service_will_not_start_on_a_damaged_checkpoint(
    settings: Settings, tmp_path: Path
) -> None:
    damaged = tmp_path / "toxic_original.ckpt"
    damaged.write_bytes(b"half a download")
    configured = settings.model_copy(
        update={
            "scorer": "detoxify",
            "detoxify_checkpoint": damaged,
            "detoxify_config_dir": tmp_path,
        }
    )

    with (
        pytest.raises(
            ScorerUnavailable, match=r"toxic_original\.ckpt is not a Detoxify checkpoint"
        ),
        TestClient(create_app(configured)),
    ):
        pass
