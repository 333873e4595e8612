"""Admins changing the policy at the same moment: no 500, and on PostgreSQL (row lock) every
change kept; SQLite, which writes one transaction at a time, may ask one of them to retry."""

from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from moderation.scoring.scorers import TOXICITY_ATTRIBUTES
from tests.support.app import POSTGRES_URL
from tests.support.factories import SignedIn

ACCEPTED = {200} if POSTGRES_URL is not None else {200, 503}


def test_the_same_word_added_by_many_at_once(client: TestClient, admin: SignedIn) -> None:
    def add(_: int) -> int:
        return client.post(
            "/v1/admin/wordlists/banned", json={"words": ["scumbag"]}, headers=admin.headers
        ).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = set(pool.map(add, range(8)))

    assert statuses <= ACCEPTED
    listed = client.get("/v1/admin/wordlists/banned", headers=admin.headers).json()
    assert listed == {"words": ["scumbag"]}


def test_settings_changed_by_many_at_once_keep_every_change(
    client: TestClient, admin: SignedIn
) -> None:
    def change(attribute: str) -> int:
        return client.put(
            "/v1/admin/settings",
            json={"hold_thresholds": {attribute: 0.5}},
            headers=admin.headers,
        ).status_code

    with ThreadPoolExecutor(max_workers=len(TOXICITY_ATTRIBUTES)) as pool:
        statuses = list(pool.map(change, TOXICITY_ATTRIBUTES))

    assert set(statuses) <= ACCEPTED
    thresholds = client.get("/v1/admin/settings", headers=admin.headers).json()["hold_thresholds"]
    changed = [a for a, status in zip(TOXICITY_ATTRIBUTES, statuses, strict=True) if status == 200]
    assert all(thresholds[attribute] == 0.5 for attribute in changed)
    assert len(changed) >= 1
