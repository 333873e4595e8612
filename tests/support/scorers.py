"""A scorer the tests can steer: fixed scores per word, failures and slowness on demand."""

import threading
import time
from collections.abc import Sequence

from moderation.scoring.scorers import Scores, SingleModel


class ScriptedScorer(SingleModel):
    """Scores a text 0.95 when it contains a word from `toxic_words`, else 0.05."""

    model_id = "scripted-test-scorer"

    def __init__(self, toxic_words: Sequence[str] = ("idiot",)) -> None:
        self.toxic_words = tuple(toxic_words)
        self.fail = False
        self.delay = 0.0
        self.batches: list[list[str]] = []
        self._lock = threading.Lock()

    def score_batch(self, texts: Sequence[str]) -> list[Scores]:
        with self._lock:
            self.batches.append(list(texts))
        if self.delay:
            time.sleep(self.delay)
        if self.fail:
            raise RuntimeError("model crashed")
        return [
            {"toxicity": 0.95 if any(w in t.lower() for w in self.toxic_words) else 0.05}
            for t in texts
        ]
