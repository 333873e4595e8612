"""`commentmod scorer export`: what it prints, and its exit status when it refuses (the export
itself is tested in tests/moderation/scoring/test_onnx.py)."""

import json
from pathlib import Path

import pytest

from moderation.scoring.export import MAX_DRIFT
from moderation.scoring.onnx import MANIFEST
from service.cli import main
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
