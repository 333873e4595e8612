"""Toxicity scorers: one batch call, texts in, one attribute->probability mapping per text out."""

import importlib.util
import io
import logging
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol, get_args

from moderation.scoring.explanations import Explanation, occlusion_spans, spans_of
from moderation.scoring.passes import in_passes

logger = logging.getLogger(__name__)

Scores = dict[str, float]

DETOXIFY_VARIANT_FILES = {
    "original": "toxic_original-c1212f89.ckpt",
    "unbiased": "toxic_debiased-c7548aa0.ckpt",
    "multilingual": "multilingual_debiased-0b549669.ckpt",
    "original-small": "original-albert-0e1d6498.ckpt",
    "unbiased-small": "unbiased-albert-c8519128.ckpt",
}
"""File names under which detoxify's `torch.hub` download caches each variant (a baked image has
them)."""

ScorerChoice = Literal["auto", "embedded", "detoxify", "onnx"]

ToxicityAttribute = Literal[
    "toxicity",
    "severe_toxicity",
    "obscene",
    "threat",
    "insult",
    "identity_attack",
    "sexual_explicit",
]
"""Every attribute a Detoxify variant reports; a model reports some of them."""
TOXICITY_ATTRIBUTES: tuple[ToxicityAttribute, ...] = get_args(ToxicityAttribute)


class ScorerUnavailable(RuntimeError):
    """The requested model cannot be loaded on this machine (weights missing, no network)."""


class Scorer(Protocol):
    model_id: str
    """Every model this scorer may use (what `/health` names)."""

    def score_batch(self, texts: Sequence[str]) -> list[Scores]:
        """Scores every text; blocking, so callers run it off the event loop."""
        ...

    def model_id_for(self, text: str) -> str:
        """The models that score this text, as stored with it (a router picks by language)."""
        ...


class SingleModel:
    """A scorer that is one model: it scores every text, so every text names it."""

    model_id: str

    def model_id_for(self, text: str) -> str:
        return self.model_id


class ProfanityCheckScorer(SingleModel):
    """alt-profanity-check's linear model, shipped inside its wheel: English only, no download;
    one half of the embedded English model (`moderation.scoring.english.EmbeddedScorer`).

    Its `predict_prob` goes through scikit-learn's calibrated classifier, whose input checks
    cost ten times the arithmetic (about 3 ms a call). The same model is a TF-IDF vector, five
    linear SVMs and their sigmoid calibrations, averaged: computed directly here, with the same
    results (checked at load on known texts; scikit-learn's path is kept if they differ). A
    comment has a few dozen words, so its vector is built from the vocabulary in a dictionary
    rather than as a sparse matrix, which costs more to set up than to multiply."""

    def __init__(self) -> None:
        from profanity_check import predict_prob, profanity_check

        self._predict_prob = predict_prob
        self._linear = _CalibratedLinear.of(profanity_check.vectorizer, profanity_check.model)
        if self._linear is not None and not self._linear.agrees_with(predict_prob):
            logger.warning("embedded scorer: direct computation differs; using scikit-learn's")
            self._linear = None
        self.model_id = f"alt-profanity-check-{metadata.version('alt-profanity-check')}"

    def score_batch(self, texts: Sequence[str]) -> list[Scores]:
        if not texts:
            return []
        probabilities = (
            self._linear.predict_prob(texts)
            if self._linear is not None
            else self._predict_prob(list(texts))
        )
        return [{"toxicity": float(p)} for p in probabilities]

    def explain(self, text: str) -> Explanation | None:
        """The words that pushed the score up most; None where the package's model is not the
        linear one this module reads."""
        pieces = self.pieces(text)
        return None if pieces is None else Explanation(self.model_id, spans_of(text, pieces))

    def pieces(self, text: str) -> list[tuple[str, float]] | None:
        """Each known word's share of the margin (see `spans_of` for the spaces around it)."""
        return None if self._linear is None else self._linear.contributions(text)


class _CalibratedLinear:
    """A binary `CalibratedClassifierCV(method="sigmoid")` over linear models, as matrices."""

    CHECK_TEXTS = (
        "Thanks for the clear report on the trilateral statement.",
        "You are a pathetic idiot and everyone hates you",
        "what the hell is this shit",
        "",
        "정말 좋은 기사입니다",
    )
    TF_IDF: ClassVar[Mapping[str, object]] = {
        "norm": "l2",
        "use_idf": True,
        "sublinear_tf": False,
        "binary": False,
    }
    """The vectorizer settings `_decision` computes; any other falls back to scikit-learn."""

    def __init__(self, vectorizer: Any, weights: Any, intercepts: Any, a: Any, b: Any) -> None:
        self.analyze: Callable[[str], list[str]] = vectorizer.build_analyzer()
        self.vocabulary: dict[str, int] = vectorizer.vocabulary_
        self.idf = vectorizer.idf_
        self.idf_weights = vectorizer.idf_[:, None] * weights  # one column per fold
        self.intercepts, self.a, self.b = intercepts, a, b

    @classmethod
    def of(cls, vectorizer: Any, model: Any) -> "_CalibratedLinear | None":
        """None when the model is not of that shape (a future release of the package)."""
        import numpy as np

        try:
            folds = model.calibrated_classifiers_
            binary = list(model.classes_) == [0, 1] and model.method == "sigmoid"
            if not binary or any(len(fold.calibrators) != 1 for fold in folds):
                return None
            params = vectorizer.get_params()
            if any(params.get(name) != value for name, value in cls.TF_IDF.items()):
                return None
            return cls(
                vectorizer,
                np.stack([fold.estimator.coef_.ravel() for fold in folds], axis=1),
                np.array([fold.estimator.intercept_[0] for fold in folds]),
                np.array([fold.calibrators[0].a_ for fold in folds]),
                np.array([fold.calibrators[0].b_ for fold in folds]),
            )
        except (AttributeError, IndexError, TypeError, ValueError):
            return None

    def predict_prob(self, texts: Sequence[str]) -> Any:
        import numpy as np

        decisions = np.array([self._decision(text) for text in texts]) + self.intercepts
        with np.errstate(over="ignore"):  # exp overflowing to inf is a probability of 0
            return (1.0 / (1.0 + np.exp(self.a * decisions + self.b))).mean(axis=1)

    def _decision(self, text: str) -> Any:
        """Each fold's SVM margin for the L2-normalised TF-IDF vector of `text` (intercept
        aside)."""
        import numpy as np

        known = (self.vocabulary.get(token) for token in self.analyze(text))
        counts = Counter(index for index in known if index is not None)
        if not counts:
            return np.zeros(self.idf_weights.shape[1])
        indices = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        frequencies = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        tf_idf = frequencies * self.idf[indices]
        return (frequencies @ self.idf_weights[indices]) / np.sqrt(tf_idf @ tf_idf)

    def contributions(self, text: str) -> list[tuple[str, float]]:
        """Each known token's share of the margin, averaged over the folds and signed so that
        positive pushes the probability up (the calibration's slope `a` is negative)."""
        known = [token for token in self.analyze(text) if token in self.vocabulary]
        counts = Counter(known)
        if not counts:
            return []
        indices = [self.vocabulary[token] for token in counts]
        frequencies = list(counts.values())
        norm = sum((f * float(self.idf[i])) ** 2 for f, i in zip(frequencies, indices, strict=True))
        toward_toxic = -(self.idf_weights[indices] * self.a).mean(axis=1)
        return [
            (f" {token} ", float(f * weight) / norm**0.5)  # spaces: a whole word (`spans_of`)
            for token, f, weight in zip(counts, frequencies, toward_toxic, strict=True)
        ]

    def agrees_with(self, predict_prob: Any) -> bool:
        import numpy as np

        texts = list(self.CHECK_TEXTS)
        return bool(np.allclose(self.predict_prob(texts), predict_prob(texts), atol=1e-9))


class DetoxifyScorer(SingleModel):
    """Wraps `detoxify.Detoxify`, loading either a named variant or a local checkpoint offline."""

    def __init__(
        self,
        variant: str = "original",
        *,
        checkpoint: Path | None = None,
        config_dir: Path | None = None,
    ) -> None:
        from detoxify import Detoxify

        version = metadata.version("detoxify")
        if checkpoint is None:
            with _unusable(f"the Detoxify variant {variant!r} (torch.hub and Hugging Face cache)"):
                self._model = Detoxify(model_type=variant)
            self.model_id = f"detoxify-{version}:{variant}"
        else:
            source: Path | io.BytesIO = checkpoint
            if config_dir is not None:
                source = _checkpoint_pointing_at(checkpoint, config_dir=config_dir)
            with _unusable(
                f"the Detoxify checkpoint {checkpoint} with the model configuration in "
                f"{config_dir or 'the checkpoint'}"
            ):
                self._model = Detoxify(
                    checkpoint=source,
                    huggingface_config_path=str(config_dir) if config_dir else None,
                )
            self.model_id = f"detoxify-{version}:{checkpoint.stem}"
        _cap_tokenizer_length(self._model)
        self._one_at_a_time = threading.RLock()

    @property
    def model(self) -> Any:
        """The transformers model inside (the export step traces it)."""
        return self._model.model

    @property
    def tokenizer(self) -> Any:
        return self._model.tokenizer

    @property
    def class_names(self) -> list[str]:
        """The attributes in the model's output order, as Detoxify names them."""
        return list(self._model.class_names)

    def score_batch(self, texts: Sequence[str]) -> list[Scores]:
        """Every text's scores, in order, from passes of texts of similar token length (see
        `moderation.scoring.passes`). One call at a time: the tokenizer switches its shared
        padding setting on each call, so an explanation (another thread) scoring at the same
        time as the comments would break their batch."""
        if not texts:
            return []
        with self._one_at_a_time:
            token_ids = self.tokenizer(list(texts), truncation=True)["input_ids"]
            return in_passes(
                [len(ids) for ids in token_ids],
                lambda group: self.predict([texts[i] for i in group]),
            )

    def explain(self, text: str) -> Explanation:
        """The words whose removal lowers the score most (`occlusion_spans`): the model has no
        weights per word to read, so it is asked, in one batch of the text and its variants."""
        return Explanation(self.model_id, occlusion_spans(text, self.score_batch))

    def predict(self, texts: Sequence[str]) -> list[Scores]:
        """One `Detoxify.predict` call: every text padded to the longest."""
        if not texts:
            return []
        with self._one_at_a_time:
            columns: Mapping[str, Any] = self._model.predict(list(texts))
        # detoxify squeezes a batch of one into bare floats instead of one-element lists.
        per_class = {
            name: values if isinstance(values, list) else [values]
            for name, values in columns.items()
        }
        return [
            {name: float(values[i]) for name, values in per_class.items()}
            for i in range(len(texts))
        ]


def _checkpoint_pointing_at(checkpoint: Path, *, config_dir: Path) -> io.BytesIO:
    """detoxify 0.5.4 calls `from_pretrained(model_type)` with the hub name saved in the checkpoint
    even when a local config folder is given, which needs the network; point it at the folder."""
    import torch

    try:
        # tensors and plain values only: a checkpoint that carries code is refused, not run
        loaded = torch.load(checkpoint, map_location="cpu", weights_only=True)
    except Exception as exc:  # a damaged pickle raises KeyError, EOFError, RuntimeError, ...
        raise ScorerUnavailable(
            f"{checkpoint} is not a Detoxify checkpoint (it cannot be read as one: "
            f"{_first_line(exc)}); is the file complete?"
        ) from exc
    try:
        loaded["config"]["arch"]["args"]["model_type"] = str(config_dir)
    except (KeyError, TypeError) as exc:
        raise ScorerUnavailable(
            f"{checkpoint} is not a Detoxify checkpoint (no config.arch.args inside)"
        ) from exc
    buffer = io.BytesIO()
    torch.save(loaded, buffer)
    buffer.seek(0)
    return buffer


@contextmanager
def _unusable(what: str) -> Iterator[None]:
    """Turns whatever detoxify, transformers or torch raise while loading into one clear
    start-up error naming what was being loaded."""
    try:
        yield
    except (RuntimeError, OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ScorerUnavailable(f"{what} could not be loaded: {_first_line(exc)}") from exc


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0] if lines else ''}"


def _cap_tokenizer_length(model: Any) -> None:
    """A tokenizer config without `model_max_length` truncates nothing, and long input then crashes
    the model; cap it at what the position embeddings allow."""
    tokenizer = model.tokenizer
    positions = getattr(model.model.config, "max_position_embeddings", 512)
    if tokenizer.model_max_length > positions:
        tokenizer.model_max_length = positions


def detoxify_installed() -> bool:
    """False in an image that serves an ONNX export and left PyTorch out (the Dockerfile)."""
    return all(importlib.util.find_spec(name) for name in ("torch", "transformers", "detoxify"))


def detoxify_weights_available(
    variant: str, *, checkpoint: Path | None, config_dir: Path | None
) -> bool:
    """Whether Detoxify can load with no network: a local checkpoint, or the variant in the
    `torch.hub` cache (then the Hugging Face cache is expected to hold its config too)."""
    if checkpoint is not None:
        return checkpoint.is_file() and (config_dir is None or config_dir.is_dir())
    filename = DETOXIFY_VARIANT_FILES.get(variant)
    if filename is None:
        return False
    import torch.hub

    return (Path(torch.hub.get_dir()) / "checkpoints" / filename).is_file()


def build_scorer(
    choice: ScorerChoice,
    *,
    variant: str = "original",
    checkpoint: Path | None = None,
    config_dir: Path | None = None,
    onnx_dir: Path | None = None,
    onnx_threads: int = 1,
) -> Scorer:
    """`auto` takes the exported ONNX model when `onnx_dir` holds one, else Detoxify when its
    weights are on this machine, else, loudly, the embedded model. `onnx_threads`: the ONNX
    passes run at once, one core each."""
    from moderation.scoring.english import EmbeddedScorer
    from moderation.scoring.onnx import OnnxScorer, onnx_model_available

    if choice == "embedded":
        return EmbeddedScorer()
    if choice == "onnx":
        if not onnx_model_available(onnx_dir):
            raise ScorerUnavailable(
                f"COMMENTMOD_SCORER=onnx but {onnx_dir or 'COMMENTMOD_ONNX_MODEL_DIR (unset)'} "
                "holds no exported model: run `commentmod scorer export` first"
            )
        assert onnx_dir is not None
        return OnnxScorer(onnx_dir, threads=onnx_threads)
    if choice == "auto" and onnx_dir is not None and onnx_model_available(onnx_dir):
        try:
            return OnnxScorer(onnx_dir, threads=onnx_threads)
        except ScorerUnavailable as unusable:
            logger.warning("SCORER FALLBACK: %s; trying Detoxify", unusable)
    if config_dir is not None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if not detoxify_installed():
        if choice == "detoxify":
            raise ScorerUnavailable(
                "COMMENTMOD_SCORER=detoxify but PyTorch, transformers or detoxify is not installed"
            )
        logger.warning(
            "SCORER FALLBACK: PyTorch and Detoxify are not installed here; scoring with the "
            "embedded English models."
        )
        return EmbeddedScorer()
    available = detoxify_weights_available(variant, checkpoint=checkpoint, config_dir=config_dir)
    if choice == "detoxify":
        if not available:
            raise ScorerUnavailable(
                "COMMENTMOD_SCORER=detoxify but no Detoxify weights are on this machine: set "
                "COMMENTMOD_DETOXIFY_CHECKPOINT (and COMMENTMOD_DETOXIFY_CONFIG_DIR) or bake "
                "them into the image"
            )
        return DetoxifyScorer(variant, checkpoint=checkpoint, config_dir=config_dir)
    if not available:
        where = f"no checkpoint at {checkpoint}" if checkpoint else f"{variant!r} not cached"
        logger.warning(
            "SCORER FALLBACK: no Detoxify weights on this machine (%s); scoring with the "
            "embedded English models, which miss threats and identity attacks in polite words. "
            "Run `commentmod scorer fetch` for Detoxify.",
            where,
        )
        return EmbeddedScorer()
    try:
        return DetoxifyScorer(variant, checkpoint=checkpoint, config_dir=config_dir)
    except ScorerUnavailable as unusable:
        logger.warning(
            "SCORER FALLBACK: Detoxify weights were found but cannot be used: %s. Scoring with "
            "the embedded English models.",
            unusable,
        )
        return EmbeddedScorer()
