from fastapi.testclient import TestClient

from service.db import make_engine


def test_health_names_the_scoring_model(client: TestClient) -> None:
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "scorer": {"model_id": client.app.state.scoring.model_id},  # type: ignore[attr-defined]
    }


def test_health_is_503_when_the_database_is_unreachable(client: TestClient) -> None:
    app = client.app
    working = app.state.engine  # type: ignore[attr-defined]
    app.state.engine = make_engine(  # type: ignore[attr-defined]
        "postgresql://nobody@127.0.0.1:9/none?connect_timeout=2"
    )
    try:
        response = client.get("/health")
    finally:
        app.state.engine.dispose()  # type: ignore[attr-defined]
        app.state.engine = working  # type: ignore[attr-defined]

    assert response.status_code == 503
    assert response.json()["error"] == "database_unavailable"
    assert response.json()["database"] == "unavailable"


def test_unknown_routes_answer_in_the_error_format(client: TestClient) -> None:
    response = client.get("/v1/nothing-here")

    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "detail": "Not Found"}
