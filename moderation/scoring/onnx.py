"""Detoxify served by ONNX Runtime from a folder `commentmod scorer export` wrote: the int8 model,
the fast tokenizer and a manifest. No PyTorch at run time: a worker then takes about half the
memory, and scores several times faster on a CPU."""

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from moderation.scoring.explanations import Explanation, occlusion_spans
from moderation.scoring.passes import MAX_PADDING, MAX_TOKENS_PER_PASS, in_passes
from moderation.scoring.scorers import ScorerUnavailable, Scores, SingleModel

MANIFEST = "manifest.json"
INT8_MODEL = "model.int8.onnx"
FP32_MODEL = "model.onnx"
TOKENIZER = "tokenizer.json"
INPUTS = ("input_ids", "attention_mask")
"""What the exported graph takes; a single-sequence BERT or ALBERT gets all-zero token types by
default, which is what Detoxify's tokenizer would have passed."""


@dataclass(frozen=True)
class Manifest:
    """What an export folder holds and how it was checked (see `moderation.scoring.export`)."""

    source_model_id: str
    """The Detoxify model it came from, as `DetoxifyScorer.model_id` names it."""
    checkpoint_sha256: str
    classes: list[str]
    max_length: int
    pad_token_id: int
    quantization: str
    max_drift: float
    """The largest difference from fp32 Detoxify on any attribute of the calibration sample."""
    drift_attribute: str
    calibration_texts: int
    opset: int
    model_file: str = INT8_MODEL
    """The model served: the int8 one, or the fp32 one when exported with `precision="fp32"`
    (exports from before this field serve int8)."""

    @classmethod
    def read(cls, folder: Path) -> "Manifest":
        try:
            document = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            # A field missing from an older export takes its default; without one, TypeError.
            manifest = cls(
                **{name: document[name] for name in cls.__dataclass_fields__ if name in document}
            )
            if manifest.model_file not in (INT8_MODEL, FP32_MODEL):
                raise ValueError(f"model_file {manifest.model_file!r} is neither export's")
            return manifest
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ScorerUnavailable(
                f"{folder} is not an exported model folder ({MANIFEST} missing or unreadable: "
                f"{type(exc).__name__}: {exc}); run `commentmod scorer export`"
            ) from exc

    def write(self, folder: Path) -> None:
        document = json.dumps(asdict(self), indent=2, ensure_ascii=False)
        (folder / MANIFEST).write_text(document + "\n", encoding="utf-8")


def onnx_model_available(folder: Path | None) -> bool:
    return (
        folder is not None
        and (folder / MANIFEST).is_file()
        and any((folder / model).is_file() for model in (INT8_MODEL, FP32_MODEL))
    )


class OnnxScorer(SingleModel):
    """One ONNX Runtime session over the exported model; texts are tokenized by the `tokenizers`
    library (the Rust tokenizer transformers' fast tokenizers wrap), truncated at the model's
    maximum, and run in passes of similar length (`length_groups`). It serves the model the
    manifest names unless `model_file` says which.

    `threads` passes run at once, each on one core: ONNX Runtime splits one pass of a few short
    comments across cores poorly (measured at BERT-base size on 2 cores: two threads on one pass
    score 1.35x what one does, two one-thread passes side by side 2x), and a session may run
    from several threads at once."""

    def __init__(
        self,
        folder: Path,
        *,
        model_file: str | None = None,
        threads: int = 1,
        max_tokens: int = MAX_TOKENS_PER_PASS,
        max_padding: float = MAX_PADDING,
    ) -> None:
        import numpy as np
        import onnxruntime
        from tokenizers import Tokenizer

        self.manifest = Manifest.read(folder)
        try:
            tokenizer = Tokenizer.from_file(str(folder / TOKENIZER))
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            model_file = model_file or self.manifest.model_file
            session = onnxruntime.InferenceSession(
                str(folder / model_file), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own classes, not OSError
            raise ScorerUnavailable(
                f"the exported model in {folder} could not be loaded: {type(exc).__name__}: {exc}"
            ) from exc
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=self.manifest.max_length)
        self._tokenizer = tokenizer
        self._session = session
        self.threads = max(1, threads)
        self._passes = (
            ThreadPoolExecutor(self.threads, thread_name_prefix="onnx")
            if self.threads > 1
            else None
        )
        self.max_tokens = max_tokens
        self.max_padding = max_padding
        self._np = np
        runtime = f"onnxruntime-{metadata.version('onnxruntime')}"
        precision = "int8" if model_file == INT8_MODEL else "fp32"
        self.model_id = f"{self.manifest.source_model_id}+{runtime}-{precision}"

    def score_batch(self, texts: Sequence[str]) -> list[Scores]:
        """Every text's scores, in order, from passes of texts of similar length (see
        `moderation.scoring.passes`), `threads` of them at once."""
        token_ids = [encoding.ids for encoding in self._tokenizer.encode_batch(list(texts))]
        return in_passes(
            [len(ids) for ids in token_ids],
            lambda group: self._pass([token_ids[index] for index in group]),
            run=self._passes.map if self._passes else map,
            max_tokens=self.max_tokens,
            max_padding=self.max_padding,
        )

    def explain(self, text: str) -> Explanation:
        """The words whose removal lowers the score most (`occlusion_spans`), as for Detoxify:
        one batch of the text and its variants, scored as `score_batch` scores."""
        return Explanation(self.model_id, occlusion_spans(text, self.score_batch))

    def _pass(self, token_ids: list[list[int]]) -> list[Scores]:
        np = self._np
        longest = max(len(ids) for ids in token_ids)
        input_ids = np.full((len(token_ids), longest), self.manifest.pad_token_id, dtype=np.int64)
        attention_mask = np.zeros((len(token_ids), longest), dtype=np.int64)
        for row, ids in enumerate(token_ids):
            input_ids[row, : len(ids)] = ids
            attention_mask[row, : len(ids)] = 1
        (logits,) = self._session.run(
            None, {"input_ids": input_ids, "attention_mask": attention_mask}
        )
        probabilities: Any = 1.0 / (1.0 + np.exp(-logits))
        classes = self.manifest.classes
        return [{name: float(row[i]) for i, name in enumerate(classes)} for row in probabilities]
