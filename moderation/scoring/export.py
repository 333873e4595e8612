"""`commentmod scorer export`: a Detoxify model as ONNX, its int8 twin, the fast tokenizer and a
manifest, written only when the model to be served (int8, or fp32 on request) scores the shipped
calibration sample like fp32 Detoxify does (no attribute of any comment further apart than
`max_drift`)."""

import hashlib
import logging
import shutil
import tempfile
import warnings
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Literal

from moderation.scoring.onnx import (
    FP32_MODEL,
    INPUTS,
    INT8_MODEL,
    MANIFEST,
    Manifest,
    OnnxScorer,
)
from moderation.scoring.scorers import DetoxifyScorer, Scores

logger = logging.getLogger(__name__)

MAX_DRIFT = 0.02
Precision = Literal["int8", "fp32"]
QUANTIZATION: dict[Precision, str] = {
    "int8": "dynamic int8 weights (onnxruntime.quantization.quantize_dynamic)",
    "fp32": "none (fp32)",
}
OPSET = 17
BATCH = 8
"""Calibration texts scored together, so padding is part of what the check compares."""


class DriftTooLarge(RuntimeError):
    """The exported model does not score like the model it came from; nothing was written."""


@dataclass(frozen=True)
class Drift:
    largest: float
    attribute: str
    text: str


def calibration_texts() -> list[str]:
    """English and Korean, short and long (one past the model's maximum length: truncation)."""
    shipped = resources.files("moderation.scoring").joinpath("calibration.txt")
    return [line for line in shipped.read_text(encoding="utf-8").splitlines() if line.strip()]


def export_detoxify(
    out: Path,
    *,
    variant: str = "original",
    checkpoint: Path | None = None,
    config_dir: Path | None = None,
    max_drift: float = MAX_DRIFT,
    precision: Precision = "int8",
) -> Manifest:
    """Writes the folder `OnnxScorer` serves; raises `DriftTooLarge` (leaving `out` as it was)
    when the model served (int8, or fp32 on request) drifts. Loads the source with the service's
    own offline Detoxify loader, so every variant it loads can be exported."""
    _ensure_replaceable(out)  # before minutes of work, not after
    source = DetoxifyScorer(variant, checkpoint=checkpoint, config_dir=config_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}-"))
    folder.chmod(0o755)  # mkdtemp's is private; the service may run as another user
    try:
        _write_onnx(source, folder, quantize=precision == "int8")
        tokenizer = source.tokenizer
        tokenizer.save_pretrained(folder)
        texts = calibration_texts()
        manifest = Manifest(
            source_model_id=source.model_id,
            checkpoint_sha256=_sha256(checkpoint) if checkpoint else "",
            classes=list(source.class_names),
            max_length=int(tokenizer.model_max_length),
            pad_token_id=int(tokenizer.pad_token_id or 0),
            quantization=QUANTIZATION[precision],
            max_drift=0.0,  # measured next, on the files written here
            drift_attribute="",
            calibration_texts=len(texts),
            opset=OPSET,
            model_file=INT8_MODEL if precision == "int8" else FP32_MODEL,
        )
        manifest.write(folder)
        drift = measure_drift(source, OnnxScorer(folder, threads=1), texts)
        if drift.largest > max_drift:
            hint = (
                "; `--precision fp32` exports it unquantized (no PyTorch either, about a third "
                "of int8's speed)"
                if precision == "int8"
                else ""
            )
            raise DriftTooLarge(
                f"the {precision} model drifts by {drift.largest:.4f} on {drift.attribute!r} "
                f"(limit {max_drift}) for the calibration text {drift.text[:60]!r}; nothing was "
                f"written{hint}"
            )
        manifest = replace(manifest, max_drift=drift.largest, drift_attribute=drift.attribute)
        manifest.write(folder)
        _replace(out, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # gone already when it became `out`
    logger.info("exported %s to %s (max drift %.4f)", source.model_id, out, drift.largest)
    return manifest


def measure_drift(reference: DetoxifyScorer, exported: OnnxScorer, texts: list[str]) -> Drift:
    largest = Drift(0.0, "", "")
    for start in range(0, len(texts), BATCH):
        batch = texts[start : start + BATCH]
        expected: list[Scores] = reference.score_batch(batch)
        for text, want, got in zip(batch, expected, exported.score_batch(batch), strict=True):
            for attribute, value in want.items():
                gap = abs(got[attribute] - value)
                if gap > largest.largest:
                    largest = Drift(gap, attribute, text)
    return largest


def _write_onnx(source: DetoxifyScorer, folder: Path, *, quantize: bool) -> None:
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = source.model.eval()
    sample = source.tokenizer(["a comment", "another comment"], return_tensors="pt", padding=True)
    dynamic = {0: "batch", 1: "tokens"}
    # The tracer warns that data-dependent branches become constants; the drift check, over
    # batches of varied lengths, is what shows the traced graph scores like the model.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"transformers(\.|$)")
        warnings.filterwarnings("ignore", message="Exporting aten::index operator")
        torch.onnx.export(
            model,
            tuple(sample[name] for name in INPUTS),
            str(folder / FP32_MODEL),
            input_names=list(INPUTS),
            output_names=["logits"],
            dynamic_axes={**dict.fromkeys(INPUTS, dynamic), "logits": {0: "batch"}},
            opset_version=OPSET,
            dynamo=False,  # the TorchScript exporter: the dynamo one needs onnxscript
        )
    if quantize:
        quantize_dynamic(folder / FP32_MODEL, folder / INT8_MODEL, weight_type=QuantType.QInt8)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _ensure_replaceable(out: Path) -> None:
    """`out` may be missing, empty, or an earlier export; anything else is someone's files."""
    if out.exists() and not (out / MANIFEST).is_file() and any(out.iterdir()):
        raise FileExistsError(f"{out} exists and is not an exported model folder")


def _replace(out: Path, folder: Path) -> None:
    """The new folder takes `out`'s place; an earlier export there is removed first."""
    _ensure_replaceable(out)
    if out.exists():
        shutil.rmtree(out)
    folder.rename(out)
