"""The ONNX export and the scorer that serves it, on a tiny Detoxify checkpoint whose classifier
is widened so its scores spread over 0-1 (a drift check on scores near 0.5 would prove little)."""

import hashlib
import json
import logging
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from moderation.scoring.english import EmbeddedScorer
from moderation.scoring.explanations import MAX_SPANS
from moderation.scoring.export import (
    MAX_DRIFT,
    DriftTooLarge,
    calibration_texts,
    export_detoxify,
    measure_drift,
)
from moderation.scoring.korean import KoreanScorer
from moderation.scoring.onnx import (
    FP32_MODEL,
    INT8_MODEL,
    MANIFEST,
    Manifest,
    OnnxScorer,
)
from moderation.scoring.passes import length_groups
from moderation.scoring.routing import RoutedScorer
from moderation.scoring.scorers import (
    DetoxifyScorer,
    Scorer,
    ScorerUnavailable,
    Scores,
    build_scorer,
)
from tests.support.tiny_detoxify import Architecture, TinyDetoxify, build_tiny_detoxify

SPREAD = 100.0


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> TinyDetoxify:
    return build_tiny_detoxify(tmp_path_factory.mktemp("detoxify"), classifier_scale=SPREAD)


@pytest.fixture(scope="module")
def detoxify(tiny: TinyDetoxify) -> DetoxifyScorer:
    return DetoxifyScorer(checkpoint=tiny.checkpoint, config_dir=tiny.config_dir)


@pytest.fixture(scope="module")
def exported(tiny: TinyDetoxify, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One export for the tests that only read it."""
    out = tmp_path_factory.mktemp("export") / "model"
    export_detoxify(out, checkpoint=tiny.checkpoint, config_dir=tiny.config_dir)
    return out


def test_the_export_writes_the_model_its_int8_twin_the_tokenizer_and_a_manifest(
    exported: Path, tiny: TinyDetoxify, detoxify: DetoxifyScorer
) -> None:
    assert {FP32_MODEL, INT8_MODEL, MANIFEST, "tokenizer.json"} <= {
        path.name for path in exported.iterdir()
    }
    manifest = Manifest.read(exported)
    assert manifest.source_model_id == "detoxify-0.5.4:tiny-detoxify"
    assert manifest.classes == detoxify.class_names  # Detoxify's names, in output order
    assert manifest.max_length == 512
    assert manifest.calibration_texts == len(calibration_texts())
    assert 0 < manifest.max_drift <= MAX_DRIFT  # int8 moves scores a little, never 0
    assert manifest.checkpoint_sha256 == hashlib.sha256(tiny.checkpoint.read_bytes()).hexdigest()
    assert not list(exported.parent.glob(".model-*")), "the scratch folder is left behind"


def test_the_int8_model_scores_like_detoxify_on_spread_scores(
    exported: Path, detoxify: DetoxifyScorer
) -> None:
    texts = [*calibration_texts(), "You are a pathetic idiot", "정말 좋은 기사입니다", "x"]
    reference = detoxify.score_batch(texts)
    values = [value for scores in reference for value in scores.values()]
    assert min(values) < 0.3, "the tiny model's scores do not spread"
    assert max(values) > 0.7, "the tiny model's scores do not spread"

    drift = measure_drift(detoxify, OnnxScorer(exported, threads=1), texts)

    assert drift.largest <= MAX_DRIFT


def test_a_text_past_the_models_length_is_truncated_as_detoxify_truncates(
    exported: Path, detoxify: DetoxifyScorer
) -> None:
    long_text = "the minister statement thanks " * 400  # far past 512 tokens
    (got,) = OnnxScorer(exported, threads=1).score_batch([long_text])
    (want,) = detoxify.score_batch([long_text])
    assert got.keys() == want.keys()
    assert max(abs(got[name] - want[name]) for name in want) <= MAX_DRIFT


def test_a_text_scores_alike_alone_and_padded_in_a_batch(exported: Path) -> None:
    """Alike, not equal: dynamic int8 quantizes each batch's activations over that batch's range,
    so company moves a score a little (here about 0.001), well inside the drift limit."""
    scorer = OnnxScorer(exported, threads=1)
    texts = ["ok", "Thanks for the clear report on the trilateral statement and the figures."]
    batched = scorer.score_batch(texts)
    for text, in_batch in zip(texts, batched, strict=True):
        (alone,) = scorer.score_batch([text])
        assert alone == pytest.approx(in_batch, abs=MAX_DRIFT / 4)
    assert scorer.score_batch([]) == []


def test_a_manifest_naming_another_file_is_refused(exported: Path, tmp_path: Path) -> None:
    copied = tmp_path / "copied"
    shutil.copytree(exported, copied)
    document = json.loads((copied / MANIFEST).read_text())
    (copied / MANIFEST).write_text(json.dumps({**document, "model_file": "../elsewhere.onnx"}))

    with pytest.raises(ScorerUnavailable, match="neither export"):
        OnnxScorer(copied)


def test_the_model_id_names_the_source_the_runtime_and_the_precision(exported: Path) -> None:
    from importlib import metadata

    runtime = metadata.version("onnxruntime")
    assert OnnxScorer(exported).model_id == (
        f"detoxify-0.5.4:tiny-detoxify+onnxruntime-{runtime}-int8"
    )
    assert OnnxScorer(exported, model_file=FP32_MODEL).model_id.endswith("-fp32")


@pytest.mark.parametrize("architecture", ["roberta", "xlm-roberta", "albert"])
def test_every_detoxify_family_exports_and_scores_as_detoxify(
    architecture: Architecture, tmp_path: Path
) -> None:
    """`unbiased` is RoBERTa, `multilingual` XLM-RoBERTa, the `-small` ones ALBERT: other
    tokenizers, pad ids (RoBERTa's is 1) and position schemes than BERT's. Exported in fp32:
    what differs between families is the graph and its inputs, which fp32 holds to Detoxify's
    arithmetic; int8's drift is a property of trained weights, and these random ones (their
    byte-level BPE merges even tie-break differently from run to run) land over or under the
    limit by luck. int8 within `MAX_DRIFT` is held on the fixed-vocabulary model above."""
    tiny = build_tiny_detoxify(
        tmp_path / "source", architecture=architecture, classifier_scale=SPREAD
    )
    source = DetoxifyScorer(checkpoint=tiny.checkpoint, config_dir=tiny.config_dir)
    out = tmp_path / "model"
    manifest = export_detoxify(
        out, checkpoint=tiny.checkpoint, config_dir=tiny.config_dir, precision="fp32"
    )

    assert manifest.classes == source.class_names
    assert manifest.pad_token_id == source.tokenizer.pad_token_id
    assert manifest.max_drift < 1e-4
    texts = ["ok", "You are a pathetic idiot", "정말 좋은 기사입니다", "the article " * 400]
    unquantized = OnnxScorer(out, model_file=FP32_MODEL, threads=2).score_batch(texts)
    assert unquantized == [pytest.approx(scores, abs=1e-4) for scores in source.score_batch(texts)]


def test_a_drifting_export_is_refused_and_writes_nothing(
    tiny: TinyDetoxify, tmp_path: Path
) -> None:
    out = tmp_path / "model"
    with pytest.raises(DriftTooLarge, match="drifts by"):
        export_detoxify(out, checkpoint=tiny.checkpoint, config_dir=tiny.config_dir, max_drift=1e-9)
    assert list(tmp_path.iterdir()) == []


def test_a_drifting_int8_export_names_the_fp32_way_out(tiny: TinyDetoxify, tmp_path: Path) -> None:
    with pytest.raises(DriftTooLarge, match="--precision fp32"):
        export_detoxify(
            tmp_path / "m", checkpoint=tiny.checkpoint, config_dir=tiny.config_dir, max_drift=1e-9
        )


def test_an_fp32_export_is_served_unquantized_and_scores_as_detoxify(
    tiny: TinyDetoxify, detoxify: DetoxifyScorer, tmp_path: Path
) -> None:
    out = tmp_path / "model"
    manifest = export_detoxify(
        out, checkpoint=tiny.checkpoint, config_dir=tiny.config_dir, precision="fp32"
    )

    assert manifest.model_file == FP32_MODEL
    assert manifest.quantization == "none (fp32)"
    assert not (out / INT8_MODEL).exists()
    assert manifest.max_drift < 1e-4  # the same arithmetic, another runtime
    scorer = build_scorer("auto", onnx_dir=out)
    assert isinstance(scorer, OnnxScorer)
    assert scorer.model_id.endswith("-fp32")
    texts = ["You are a pathetic idiot", "정말 좋은 기사입니다"]
    assert scorer.score_batch(texts) == [
        pytest.approx(scores, abs=1e-4) for scores in detoxify.score_batch(texts)
    ]


def test_an_export_from_before_the_precision_field_serves_int8(
    exported: Path, tmp_path: Path
) -> None:
    older = tmp_path / "older"
    shutil.copytree(exported, older)
    document = json.loads((older / MANIFEST).read_text())
    del document["model_file"]
    (older / MANIFEST).write_text(json.dumps(document))

    assert OnnxScorer(older).model_id.endswith("-int8")


def test_an_export_replaces_an_earlier_one_but_not_a_folder_of_something_else(
    tiny: TinyDetoxify, tmp_path: Path
) -> None:
    out = tmp_path / "model"
    export_detoxify(out, checkpoint=tiny.checkpoint, config_dir=tiny.config_dir)
    (out / "stale.txt").write_text("from the earlier export")
    export_detoxify(out, checkpoint=tiny.checkpoint, config_dir=tiny.config_dir)
    assert not (out / "stale.txt").exists()

    other = tmp_path / "notes"
    other.mkdir()
    (other / "keep.txt").write_text("not a model")
    with pytest.raises(FileExistsError, match="not an exported model folder"):
        export_detoxify(other, checkpoint=tiny.checkpoint, config_dir=tiny.config_dir)
    assert (other / "keep.txt").read_text() == "not a model"


def test_auto_prefers_the_exported_model_then_detoxify_then_the_embedded_one(
    exported: Path, tiny: TinyDetoxify, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    detoxify: dict[str, Any] = {"checkpoint": tiny.checkpoint, "config_dir": tiny.config_dir}
    assert isinstance(build_scorer("auto", onnx_dir=exported, **detoxify), OnnxScorer)
    assert isinstance(build_scorer("auto", onnx_dir=tmp_path / "none", **detoxify), DetoxifyScorer)
    assert isinstance(
        build_scorer("auto", onnx_dir=tmp_path / "none", checkpoint=tmp_path / "no.ckpt"),
        EmbeddedScorer,
    )

    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / MANIFEST).write_text((exported / MANIFEST).read_text())
    (broken / INT8_MODEL).write_bytes(b"not a model")
    with caplog.at_level(logging.WARNING):
        scorer = build_scorer("auto", onnx_dir=broken, **detoxify)
    assert isinstance(scorer, DetoxifyScorer)
    assert "could not be loaded" in caplog.text


def test_the_onnx_choice_refuses_to_start_without_an_export(tmp_path: Path) -> None:
    with pytest.raises(ScorerUnavailable, match="scorer export"):
        build_scorer("onnx", onnx_dir=tmp_path)
    with pytest.raises(ScorerUnavailable, match="unset"):
        build_scorer("onnx", onnx_dir=None)


def test_a_folder_without_a_manifest_is_refused_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ScorerUnavailable, match="commentmod scorer export"):
        OnnxScorer(tmp_path)


def test_serving_the_exported_model_does_not_load_pytorch(exported: Path) -> None:
    """The point of the runtime: a worker without PyTorch in memory."""
    program = (
        "import sys\n"
        "from moderation.scoring.scorers import build_scorer\n"
        f"scorer = build_scorer('onnx', onnx_dir=__import__('pathlib').Path({str(exported)!r}))\n"
        "scorer.score_batch(['a comment'])\n"
        "print(sorted(m for m in ('torch', 'transformers', 'detoxify') if m in sys.modules))\n"
    )
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed program
        [sys.executable, "-c", program], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"


def test_length_groups_put_similar_lengths_together_within_the_token_budget() -> None:
    lengths = [5, 100, 6, 7, 3, 40]
    groups = length_groups(lengths, max_tokens=20, max_padding=1.0)

    assert groups == [[4, 0, 2], [3], [5], [1]]  # by length; a text over budget goes alone
    assert sorted(index for group in groups for index in group) == list(range(len(lengths)))
    for group in groups:
        padded = len(group) * max(lengths[index] for index in group)
        assert padded <= 20 or len(group) == 1
    assert length_groups([], max_tokens=20) == []


def test_length_groups_keep_padding_under_its_share() -> None:
    """A 60-token comment does not join ten of 10: the pass would be five-sixths padding."""
    lengths = [10] * 10 + [11, 60, 62]
    groups = length_groups(lengths, max_tokens=4096, max_padding=0.1)

    assert [sorted(lengths[index] for index in group) for group in groups] == [
        [10] * 10 + [11],
        [60, 62],
    ]
    for group in groups:
        padded = len(group) * max(lengths[index] for index in group)
        assert padded - sum(lengths[index] for index in group) <= 0.1 * padded


def test_passes_by_length_give_each_text_its_own_scores_in_order(exported: Path) -> None:
    """fp32, so the passes' company changes nothing: any difference would be a mix-up."""
    texts = [
        "the minister statement thanks " * 30,
        "ok",
        "You are a pathetic idiot and everyone hates you",
        "a",
        "정말 좋은 기사입니다",
        "this article is clear and good",
    ]
    one_pass = OnnxScorer(
        exported, model_file=FP32_MODEL, threads=1, max_tokens=100_000, max_padding=1.0
    )
    small_passes = OnnxScorer(exported, model_file=FP32_MODEL, threads=2, max_tokens=32)

    assert small_passes.score_batch(texts) == [
        pytest.approx(scores, abs=1e-5) for scores in one_pass.score_batch(texts)
    ]


def spied(scorer: Scorer, monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The batches `scorer.score_batch` is asked from now on."""
    batches: list[list[str]] = []
    score_batch = scorer.score_batch

    def spy(texts: Sequence[str]) -> list[Scores]:
        batches.append(list(texts))
        return score_batch(texts)

    monkeypatch.setattr(scorer, "score_batch", spy)
    return batches


@pytest.mark.parametrize(
    "text",
    [
        "You are a pathetic idiot, and everyone hates this article!",
        # The tiny vocabulary has no Hangul: every eojeol is one [UNK] to it, and only the
        # Latin word moves its score.
        "이 기자 진짜 idiot 같네!! 기사 좀 제대로 써라",
    ],
)
@pytest.mark.parametrize("served", ["int8", "fp32", "detoxify"])
def test_occlusion_explains_detoxify_and_its_exports_word_by_word(
    served: str,
    text: str,
    exported: Path,
    detoxify: DetoxifyScorer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each span is a word of the text, weighted by what the test measures itself: the score of
    the text minus the score without that word, on the highest attribute."""
    scorer = (
        detoxify
        if served == "detoxify"
        else OnnxScorer(exported, model_file=FP32_MODEL if served == "fp32" else None)
    )
    words = [piece.strip(",!") for piece in text.split()]
    variants = [
        re.sub(rf"\s*(?<!\w){re.escape(word)}(?!\w)", "", text, count=1).strip() for word in words
    ]
    score_batch = scorer.score_batch
    batches = spied(scorer, monkeypatch)

    explanation = scorer.explain(text)

    assert batches == [[text, *variants]]  # one call: the text and each word left out
    assert explanation.model_id == scorer.model_id
    full, *without_each = score_batch([text, *variants])
    attribute = max(full, key=full.__getitem__)
    drops = [full[attribute] - scores[attribute] for scores in without_each]
    # strongest first; words that move the score equally (int8 steps) in the order of the text
    strongest = sorted(zip(words, drops, strict=True), key=lambda word_drop: -word_drop[1])
    expected = [(word, drop) for word, drop in strongest if drop > 0][:MAX_SPANS]
    assert explanation.spans, "no word lowers the tiny model's score: the test shows nothing"
    assert [span.text for span in explanation.spans] == [word for word, _ in expected]
    assert [span.weight for span in explanation.spans] == pytest.approx(
        [drop for _, drop in expected], abs=1e-6
    )
    for span in explanation.spans:
        assert text[span.start : span.end] == span.text
        assert span.start == 0 or text[span.start - 1] == " "
    assert explanation.spans == sorted(explanation.spans, key=lambda span: -span.weight)


@pytest.mark.parametrize("model_file", [INT8_MODEL, FP32_MODEL])
def test_occlusion_of_an_empty_or_one_word_comment(
    model_file: str, exported: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scorer = OnnxScorer(exported, model_file=model_file)
    score_batch = scorer.score_batch
    batches = spied(scorer, monkeypatch)

    assert scorer.explain("").spans == []
    assert batches == []  # nothing to take out, nothing to ask

    only = scorer.explain("idiot")
    full, empty = score_batch(["idiot", ""])
    attribute = max(full, key=full.__getitem__)
    drop = full[attribute] - empty[attribute]
    assert batches == [["idiot", ""]]
    assert [(span.start, span.end, span.text) for span in only.spans] == (
        [(0, 5, "idiot")] if drop > 0 else []
    )
    assert [span.weight for span in only.spans] == pytest.approx(
        [drop] if drop > 0 else [], abs=1e-6
    )


def test_the_router_explains_with_the_export_as_its_english_model(exported: Path) -> None:
    onnx, korean = OnnxScorer(exported), KoreanScorer()
    router = RoutedScorer(english=onnx, korean=korean)
    text = "You pathetic idiot, 닥쳐 병신아"

    both = router.explain(text, router.model_id_for(text))

    assert [e.model_id for e in both] == [onnx.model_id, korean.model_id]
    assert both[0] == onnx.explain(text)
    one_for_both = RoutedScorer(english=onnx, korean=onnx)  # COMMENTMOD_KOREAN_SCORER=scorer
    assert one_for_both.explain(text, one_for_both.model_id_for(text)) == [both[0]]
