"""`commentmod scorer export` (what it prints, its exit status when it refuses; the export itself
is tested in tests/moderation/scoring/test_onnx.py) and `commentmod score`."""

import hashlib
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from moderation.scoring.export import MAX_DRIFT
from moderation.scoring.onnx import MANIFEST, OnnxScorer
from moderation.scoring.scorers import build_scorer
from service.cli import main
from service.core.settings import Settings, get_settings
from tests.support.mirror import Mirror, closed_port, hub_files
from tests.support.tiny_detoxify import TinyDetoxify, build_tiny_detoxify


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> TinyDetoxify:
    return build_tiny_detoxify(tmp_path_factory.mktemp("detoxify"), classifier_scale=100.0)


def test_the_cli_exports_and_says_what_it_measured(
    tiny: TinyDetoxify, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "model"
    args = ["scorer", "export", "--checkpoint", str(tiny.checkpoint)]
    main([*args, "--config-dir", str(tiny.config_dir), "--out", str(out)])

    printed = capsys.readouterr().out
    assert f"exported detoxify-0.5.4:tiny-detoxify to {out}: int8, max drift" in printed
    assert json.loads((out / MANIFEST).read_text())["max_drift"] <= MAX_DRIFT


def test_the_cli_exits_1_with_the_reason_when_the_export_drifts(
    tiny: TinyDetoxify, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["scorer", "export", "--checkpoint", str(tiny.checkpoint)]
    args += ["--config-dir", str(tiny.config_dir), "--out", str(tmp_path / "m")]
    with pytest.raises(SystemExit) as exited:
        main([*args, "--max-drift", "1e-9"])
    assert exited.value.code == 1
    assert "error: the int8 model drifts by" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()

    main([*args, "--max-drift", "1e-3", "--precision", "fp32"])
    assert ": fp32, max drift" in capsys.readouterr().out
    assert json.loads((tmp_path / "m" / MANIFEST).read_text())["model_file"] == "model.onnx"


def test_the_cli_will_not_write_over_a_folder_of_something_else(
    tiny: TinyDetoxify, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "keep.txt").write_text("not a model")
    args = ["scorer", "export", "--checkpoint", str(tiny.checkpoint)]
    with pytest.raises(SystemExit) as exited:
        main([*args, "--config-dir", str(tiny.config_dir), "--out", str(tmp_path)])
    assert exited.value.code == 1
    assert "is not an exported model folder" in capsys.readouterr().err
    assert (tmp_path / "keep.txt").read_text() == "not a model"


def test_the_cli_exits_1_when_there_is_nothing_to_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["scorer", "export", "--checkpoint", str(tmp_path / "missing.ckpt")])
    assert exited.value.code == 1
    assert "missing.ckpt" in capsys.readouterr().err


@pytest.fixture
def scorer_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Settings read afresh from the environment this test sets."""
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def scored(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, Any]]:
    main(["score", *argv])
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_score_prints_one_json_object_per_comment_in_order(
    scorer_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    scorer_env.setenv("COMMENTMOD_SCORER", "embedded")
    scorer_env.setenv("COMMENTMOD_SCORING_BATCH_SIZE", "2")  # 3 batches for 5 comments
    texts = [
        "Thanks for the clear report.",
        "You are a pathetic idiot",
        "Good piece.",
        "what the hell is this shit",
        "I read this twice.",
    ]

    lines = scored(capsys, *texts)

    assert [set(line) for line in lines] == [{"scores", "model_id"}] * 5
    assert lines[0]["model_id"].startswith("english-ngrams-")
    toxicity = [line["scores"]["toxicity"] for line in lines]
    assert [value > 0.5 for value in toxicity] == [False, True, False, True, False]
    assert toxicity == [scored(capsys, text)[0]["scores"]["toxicity"] for text in texts]


def test_score_routes_korean_and_mixed_comments_and_names_their_models(
    scorer_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    scorer_env.setenv("COMMENTMOD_SCORER", "embedded")

    korean, mixed, civil = scored(
        capsys, "닥쳐 병신아", "You pathetic idiot, 닥쳐 병신아", "좋은 기사 감사합니다"
    )

    assert korean["model_id"].startswith("korean-char-ngrams-")
    assert mixed["model_id"].split(";")[0].startswith("english-ngrams-")
    assert mixed["model_id"].split(";")[1] == korean["model_id"]
    assert korean["scores"]["toxicity"] >= 0.8
    assert mixed["scores"]["toxicity"] >= 0.8
    assert civil["scores"]["toxicity"] < 0.5


def test_score_reads_a_file_or_standard_input_one_comment_a_line(
    scorer_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    scorer_env.setenv("COMMENTMOD_SCORER", "embedded")
    comments = tmp_path / "comments.txt"
    comments.write_text("Good piece.\n\n   \nYou are a pathetic idiot\n", encoding="utf-8")

    assert len(scored(capsys, "--file", str(comments))) == 2  # blank lines are not comments
    scorer_env.setattr("sys.stdin", io.StringIO("정말 좋은 기사입니다\n"))
    assert len(scored(capsys, "--file", "-")) == 1


def test_score_uses_the_configured_onnx_export(
    scorer_env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tiny: TinyDetoxify,
    tmp_path: Path,
) -> None:
    out = tmp_path / "model"
    scorer_env.setenv("COMMENTMOD_SCORER", "onnx")
    scorer_env.setenv("COMMENTMOD_ONNX_MODEL_DIR", str(out))
    args = ["scorer", "export", "--checkpoint", str(tiny.checkpoint)]
    main([*args, "--config-dir", str(tiny.config_dir)])  # to COMMENTMOD_ONNX_MODEL_DIR
    capsys.readouterr()

    (line,) = scored(capsys, "You are a pathetic idiot")

    assert line["model_id"].startswith("detoxify-0.5.4:tiny-detoxify+onnxruntime-")
    assert set(line["scores"]) >= {"toxicity", "insult", "threat"}


def test_score_without_comments_or_with_an_unreadable_file_says_so(
    scorer_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    scorer_env.setenv("COMMENTMOD_SCORER", "embedded")
    with pytest.raises(SystemExit, match="give comments to score"):
        main(["score"])
    with pytest.raises(SystemExit, match="cannot read"):
        main(["score", "--file", str(tmp_path / "missing.txt")])


@pytest.mark.parametrize(("workers", "threads"), [("1", 8), ("2", 4), ("3", 2), ("16", 1)])
def test_the_workers_share_the_cores_for_scoring(
    workers: str, threads: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`commentmod serve` sets COMMENTMOD_WORKERS for the workers it starts."""
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: set(range(8)))
    monkeypatch.setenv("COMMENTMOD_WORKERS", workers)
    assert Settings().scoring_threads == threads


SLIM_IMAGE_PROGRAM = """
import importlib.machinery
import sys

ABSENT = {"torch", "transformers", "detoxify", "onnx", "sympy", "mpmath", "networkx"}


class WithoutPyTorch(importlib.machinery.PathFinder):
    # What the Dockerfile uninstalls when it bakes an export: import and find_spec see nothing.

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name.partition(".")[0] in ABSENT:
            return None
        return super().find_spec(name, path, target)


sys.meta_path = [
    WithoutPyTorch if finder is importlib.machinery.PathFinder else finder
    for finder in sys.meta_path
]
from fastapi.testclient import TestClient
from moderation.scoring.english import EmbeddedScorer
from moderation.scoring.scorers import build_scorer
from service.app import create_app
from service.cli import main

assert isinstance(build_scorer("auto", onnx_dir=None), EmbeddedScorer)
with TestClient(create_app()) as client:
    print(client.get("/health").json()["scorer"]["model_id"])
main(["score", "You are a pathetic idiot"])
"""


def test_an_image_without_pytorch_serves_and_scores_with_the_export(
    tiny: TinyDetoxify, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The Dockerfile drops PyTorch, transformers and Detoxify when it bakes an export; the app
    must start, report the model and score without them (and fall back loudly without one)."""
    out = tmp_path / "model"
    args = ["scorer", "export", "--checkpoint", str(tiny.checkpoint)]
    main([*args, "--config-dir", str(tiny.config_dir), "--out", str(out)])
    capsys.readouterr()
    environment = {
        **os.environ,
        "COMMENTMOD_ONNX_MODEL_DIR": str(out),
        "COMMENTMOD_DATABASE_URL": f"sqlite:///{tmp_path / 'slim.db'}",
    }
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed program
        [sys.executable, "-c", SLIM_IMAGE_PROGRAM],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    health, scored_line = done.stdout.strip().splitlines()[-2:]
    english, korean = health.split(";")
    assert english.startswith("detoxify-0.5.4:tiny-detoxify+onnxruntime-")
    assert korean.startswith("korean-char-ngrams-")
    assert json.loads(scored_line)["model_id"] == english  # an English comment
    assert "PyTorch and Detoxify are not installed" in done.stderr


@pytest.fixture
def fetch_env(scorer_env: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The settings `make run` has on a first run: `auto`, no checkpoint, no mirror."""
    for name in ("SCORER", "DETOXIFY_CHECKPOINT", "SCORER_MIRROR"):
        scorer_env.delenv(f"COMMENTMOD_{name}", raising=False)
    return scorer_env


def test_fetch_of_a_newsrooms_own_checkpoint_exports_it_in_one_line(
    fetch_env: pytest.MonkeyPatch,
    tiny: TinyDetoxify,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`--url` as given for the checkpoint, the mirror for its base model's files."""
    mirror = Mirror()
    mirror.files.update(hub_files(tiny.config_dir))
    mirror.files["/own/newsroom-toxic.ckpt"] = tiny.checkpoint.read_bytes()
    sha256 = hashlib.sha256(mirror.files["/own/newsroom-toxic.ckpt"]).hexdigest()
    out = tmp_path / "onnx-model"
    own = ["--url", f"{mirror.url}/own/newsroom-toxic.ckpt", "--sha256", sha256.upper()]
    places = ["--mirror", mirror.url, "--out", str(out), "--cache-dir", str(tmp_path / "cache")]
    try:
        main(["scorer", "fetch", *own, "--base-model", "bert-base-uncased", *places])
    finally:
        mirror.close()

    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith(f"fetched newsroom-toxic-{sha256[:8]} (")
    assert f"to {out}: int8, max drift" in line
    assert mirror.asked_for("/own/newsroom-toxic.ckpt") == [None]
    assert isinstance(build_scorer("auto", onnx_dir=out), OnnxScorer)


def test_fetch_offline_says_so_in_one_line_and_exits_1_within_seconds(
    fetch_env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What `make run` calls first: it goes on (`|| true`) to serve the embedded models."""
    mirror = f"http://127.0.0.1:{closed_port()}"
    fetch_env.setenv("COMMENTMOD_SCORER_MIRROR", mirror)
    fetch_env.setenv("COMMENTMOD_ONNX_MODEL_DIR", str(tmp_path / "onnx-model"))
    started = time.monotonic()

    with pytest.raises(SystemExit) as exited:
        main(["scorer", "fetch", "--if-missing", "--cache-dir", str(tmp_path / "cache")])

    assert time.monotonic() - started < 10
    assert exited.value.code == 1
    printed = capsys.readouterr()
    assert printed.out == ""
    (line,) = printed.err.splitlines()
    assert line.startswith(f"error: cannot fetch {mirror}/detoxify/toxic_debiased-c7548aa0.ckpt")
    assert "cannot connect" in line
    assert not (tmp_path / "onnx-model").exists()


@pytest.mark.parametrize("in_place", ["embedded", "checkpoint", "export", "torch-hub-cache"])
def test_fetch_if_missing_does_nothing_when_a_model_is_in_place(
    in_place: str,
    fetch_env: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "onnx-model"
    fetch_env.setenv("COMMENTMOD_SCORER_MIRROR", f"http://127.0.0.1:{closed_port()}")
    if in_place == "embedded":
        fetch_env.setenv("COMMENTMOD_SCORER", "embedded")  # what `SCORER=embedded make run` sets
    elif in_place == "checkpoint":
        fetch_env.setenv("COMMENTMOD_DETOXIFY_CHECKPOINT", str(tmp_path / "own.ckpt"))
    elif in_place == "torch-hub-cache":  # a deployment serving Detoxify keeps its model
        fetch_env.setenv("TORCH_HOME", str(tmp_path / "torch"))
        cached = tmp_path / "torch" / "hub" / "checkpoints" / "toxic_original-c1212f89.ckpt"
        cached.parent.mkdir(parents=True)
        cached.write_bytes(b"")
    else:
        out.mkdir()
        (out / MANIFEST).write_text("{}")
        (out / "model.int8.onnx").write_bytes(b"")

    main(["scorer", "fetch", "--if-missing", "--out", str(out)])

    (line,) = capsys.readouterr().out.splitlines()
    assert line.endswith("; nothing fetched")


OWN = ["--url", "https://example.invalid/own.ckpt"]


@pytest.mark.parametrize(
    ("arguments", "refusal"),
    [
        (OWN, "--url needs --sha256"),
        (["--sha256", "0" * 64], "go with --url"),
        (["original", *OWN], "VARIANT or --url"),
        ([*OWN, "--sha256", "c1212f89", "--base-model", "bert-base-uncased"], "not a SHA-256"),
    ],
)
def test_fetch_refuses_arguments_that_do_not_go_together(
    arguments: list[str], refusal: str, fetch_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with pytest.raises(SystemExit, match=refusal):
        main(["scorer", "fetch", "--out", str(tmp_path / "onnx-model"), *arguments])


FAKE_COMMENTMOD = """#!/bin/sh
echo "${COMMENTMOD_SCORER:-unset} $*" >> "$FAKE_LOG"
[ "$1" != scorer ]
"""


@pytest.mark.parametrize(("scorer", "exported"), [(None, "unset"), ("embedded", "embedded")])
def test_make_run_fetches_first_and_serves_even_when_the_fetch_fails(
    scorer: str | None, exported: str, tmp_path: Path
) -> None:
    """The Makefile's wiring, with a stand-in `commentmod` whose `scorer fetch` fails."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    for name, text in [("python", ""), ("commentmod", FAKE_COMMENTMOD)]:
        (venv / "bin" / name).write_text(text)
        (venv / "bin" / name).chmod(0o755)
    (venv / ".installed").touch()
    os.utime(venv / ".installed", (2**32, 2**32))  # newer than pyproject.toml: nothing to install
    log = tmp_path / "log"
    environment = {k: v for k, v in os.environ.items() if k not in ("SCORER", "COMMENTMOD_SCORER")}
    arguments = ["make", "--no-print-directory", "-s", "run", f"VENV={venv}"]
    done = subprocess.run(  # noqa: S603 - make, on this repository's Makefile
        arguments + ([f"SCORER={scorer}"] if scorer else []),
        cwd=Path(__file__).parents[2],
        env={**environment, "FAKE_LOG": str(log)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert log.read_text().splitlines() == [
        f"{exported} scorer fetch --if-missing",
        f"{exported} migrate",
        f"{exported} serve --host 127.0.0.1 --port 8000",
    ]
