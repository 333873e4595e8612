"""The domain tests need no app and no database: only a loaded model, once per run."""

import pytest

from moderation.scoring.english import EmbeddedScorer


@pytest.fixture(scope="session")
def embedded_scorer() -> EmbeddedScorer:
    return EmbeddedScorer()
