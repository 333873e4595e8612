"""`commentmod scorer fetch` without the internet: a tiny Detoxify checkpoint and its BERT files
served by a local mirror (tests/support/mirror.py), as catalogue entries the tests make, since
the real checkpoints' hashes are pinned in the catalogue."""

import hashlib
import io
import json
import shutil
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import detoxify.detoxify
import pytest

from moderation.scoring import fetch
from moderation.scoring.fetch import (
    CATALOGUE,
    DEFAULT_VARIANT,
    HUB_FILES,
    RECORD,
    RETRIES,
    Checkpoint,
    Fetched,
    FetchFailed,
    download,
    fetch_detoxify,
)
from moderation.scoring.onnx import FP32_MODEL, INT8_MODEL, MANIFEST, Manifest, OnnxScorer
from moderation.scoring.scorers import DETOXIFY_VARIANT_FILES, build_scorer
from tests.support.mirror import Mirror, closed_port, hub_files
from tests.support.tiny_detoxify import TinyDetoxify, build_tiny_detoxify

BERT = "bert-base-uncased"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> TinyDetoxify:
    """Its tokenizer config has no length limit, as roberta-base's on the hub has none."""
    folder = tmp_path_factory.mktemp("detoxify")
    return build_tiny_detoxify(folder, classifier_scale=100.0, write_max_length=False)


@pytest.fixture(scope="module")
def tiny_sha256(tiny: TinyDetoxify) -> str:
    return hashlib.sha256(tiny.checkpoint.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def mirror(tiny: TinyDetoxify, tiny_sha256: str) -> Iterator[Mirror]:
    served = Mirror()
    served.files.update(hub_files(tiny.config_dir))
    body = tiny.checkpoint.read_bytes()
    served.files[f"/detoxify/tiny-{tiny_sha256[:8]}.ckpt"] = body
    served.files["/detoxify/tiny-deadbeef.ckpt"] = body  # the name's hash is not the file's
    served.files["/detoxify/tampered.ckpt"] = body[:-1] + bytes([body[-1] ^ 1])
    yield served
    served.close()


def published(tiny_sha256: str) -> Checkpoint:
    """A catalogue entry as the real ones are: a release URL whose file name carries the hash's
    prefix (`.invalid` never resolves: only the mirror is asked)."""
    url = f"https://releases.invalid/v1/tiny-{tiny_sha256[:8]}.ckpt"
    return Checkpoint("tiny", url, BERT)


@dataclass(frozen=True)
class Install:
    fetched: Fetched
    out: Path
    cache_dir: Path


@pytest.fixture(scope="module")
def install(mirror: Mirror, tiny_sha256: str, tmp_path_factory: pytest.TempPathFactory) -> Install:
    """One fetch for the tests that only read what it left."""
    root = tmp_path_factory.mktemp("fetched")
    out, cache_dir = root / "onnx-model", root / "detoxify"
    fetched = fetch_detoxify(
        published(tiny_sha256), out=out, cache_dir=cache_dir, mirror=mirror.url
    )
    return Install(fetched, out, cache_dir)


def test_the_catalogue_is_what_detoxify_publishes() -> None:
    assert DEFAULT_VARIANT == "unbiased"
    assert {name: c.url for name, c in CATALOGUE.items()} == detoxify.detoxify.MODEL_URLS
    assert {name: c.file_name for name, c in CATALOGUE.items()} == DETOXIFY_VARIANT_FILES
    assert CATALOGUE["original"].expected_sha256 == (
        "c1212f89ac23307ab33932ce29dc446a6e030fb3f384a500890bbe662b7b544a"
    )
    assert CATALOGUE["unbiased"].expected_sha256 == "c7548aa0"  # torch.hub's name-<prefix>
    assert {c.base_model for c in CATALOGUE.values()} == set(HUB_FILES)


def test_a_checkpoint_must_say_what_it_hashes_to() -> None:
    with pytest.raises(ValueError, match="give its SHA-256"):
        Checkpoint("own", "https://example.invalid/own.ckpt", BERT)
    with pytest.raises(ValueError, match="not a SHA-256"):
        Checkpoint("own", "https://example.invalid/own.ckpt", BERT, sha256="c1212f89")
    with pytest.raises(ValueError, match="base model"):
        Checkpoint("own", "https://example.invalid/own-c1212f89.ckpt", "gpt2")


def test_a_fetch_verifies_exports_and_the_auto_scorer_serves_it(
    install: Install, mirror: Mirror, tiny: TinyDetoxify, tiny_sha256: str
) -> None:
    fetched = install.fetched
    assert fetched.exported
    assert fetched.checkpoint_sha256 == tiny_sha256
    served = {f"/huggingface/{BERT}/{name}" for name in HUB_FILES[BERT]}
    served.add(f"/detoxify/tiny-{tiny_sha256[:8]}.ckpt")  # the mirror's layout
    assert {path for path, _ in mirror.requests} >= served
    assert fetched.downloaded == sum(len(mirror.files[path]) for path in served)
    assert fetched.summary().startswith(f"fetched tiny ({fetched.downloaded / 1e6:.1f} MB")

    scorer = build_scorer("auto", onnx_dir=install.out)
    assert isinstance(scorer, OnnxScorer)
    assert scorer.model_id.startswith(f"detoxify-0.5.4:tiny-{tiny_sha256[:8]}+onnxruntime-")
    assert set(scorer.score_batch(["You are a pathetic idiot"])[0]) >= {"toxicity", "insult"}
    manifest = Manifest.read(install.out)
    assert manifest.checkpoint_sha256 == tiny_sha256
    assert manifest.max_length == 512  # written: the hub's tokenizer config had no limit
    assert manifest.model_file == INT8_MODEL

    cache = install.cache_dir / "tiny"
    config = json.loads((cache / "config" / "config.json").read_text())
    assert config["num_labels"] == 6  # the checkpoint's classes; the hub's config has none
    record = json.loads((cache / RECORD).read_text())
    hub_config = f"huggingface/{BERT}/config.json"
    assert (
        record["files"][hub_config]["sha256"]
        == hashlib.sha256(mirror.files["/" + hub_config]).hexdigest()
    )
    assert [path.name for path in install.cache_dir.iterdir()] == ["tiny"]  # no staging left


def test_a_second_fetch_downloads_and_exports_nothing(
    install: Install, mirror: Mirror, tiny_sha256: str
) -> None:
    asked = len(mirror.requests)
    written = (install.out / MANIFEST).stat().st_mtime_ns

    again = fetch_detoxify(
        published(tiny_sha256), out=install.out, cache_dir=install.cache_dir, mirror=mirror.url
    )

    assert len(mirror.requests) == asked
    assert (again.downloaded, again.exported) == (0, False)
    assert (install.out / MANIFEST).stat().st_mtime_ns == written
    assert again.summary().endswith("(int8); nothing fetched")


def test_a_cache_deleted_is_fetched_again_from_the_hub_and_release_urls(
    install: Install,
    mirror: Mirror,
    tiny_sha256: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without a mirror: the checkpoint's own URL and the hub's `resolve/main` URLs. `out` still
    serves that checkpoint, so nothing is exported again."""
    monkeypatch.setattr(fetch, "HUB", f"{mirror.url}/hub")
    for name in HUB_FILES[BERT]:
        mirror.files[f"/hub/{BERT}/resolve/main/{name}"] = mirror.files[
            f"/huggingface/{BERT}/{name}"
        ]
    mirror.files["/releases/tiny-a.ckpt"] = mirror.files[f"/detoxify/tiny-{tiny_sha256[:8]}.ckpt"]
    own = Checkpoint("own", f"{mirror.url}/releases/tiny-a.ckpt", BERT, sha256=tiny_sha256)
    out = tmp_path / "onnx-model"
    shutil.copytree(install.out, out)

    fetched = fetch_detoxify(own, out=out, cache_dir=tmp_path / "cache")

    assert mirror.asked_for("/releases/tiny-a.ckpt") == [None]
    assert mirror.asked_for(f"/hub/{BERT}/resolve/main/config.json") == [None]
    assert not fetched.exported
    assert fetched.summary().endswith(f"MB downloaded to {tmp_path / 'cache' / 'own'}")


def test_a_cut_connection_is_resumed_with_a_range_request(
    mirror: Mirror, tiny_sha256: str, tmp_path: Path
) -> None:
    path = f"/detoxify/tiny-{tiny_sha256[:8]}.ckpt"
    body = mirror.files[path]
    mirror.cuts[path] = 1
    before = len(mirror.asked_for(path))
    bar = io.StringIO()

    received = download(mirror.url + path, tmp_path / "tiny.ckpt", progress=bar)

    assert mirror.asked_for(path)[before:] == [None, f"bytes={len(body) // 2}-"]
    assert (tmp_path / "tiny.ckpt").read_bytes() == body
    assert received == len(body)
    assert not (tmp_path / "tiny.ckpt.part").exists()
    assert "100%" in bar.getvalue()


def test_a_server_that_ignores_range_sends_it_all_again(
    mirror: Mirror, tiny_sha256: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = f"/detoxify/tiny-{tiny_sha256[:8]}.ckpt"
    monkeypatch.setattr(mirror, "ignore_range", True)
    mirror.cuts[path] = 1

    download(mirror.url + path, tmp_path / "tiny.ckpt")

    assert (tmp_path / "tiny.ckpt").read_bytes() == mirror.files[path]


def test_a_part_already_whole_is_kept_when_the_server_answers_416(
    mirror: Mirror, tiny_sha256: str, tmp_path: Path
) -> None:
    path = f"/detoxify/tiny-{tiny_sha256[:8]}.ckpt"
    (tmp_path / "tiny.ckpt.part").write_bytes(mirror.files[path])

    assert download(mirror.url + path, tmp_path / "tiny.ckpt") == 0
    assert mirror.asked_for(path)[-1] == f"bytes={len(mirror.files[path])}-"
    assert (tmp_path / "tiny.ckpt").read_bytes() == mirror.files[path]


def test_a_connection_cut_every_time_gives_up_after_the_retries(
    mirror: Mirror, tiny_sha256: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetch, "RETRY_PAUSE", 0.0)
    path = f"/detoxify/tiny-{tiny_sha256[:8]}.ckpt"
    mirror.cuts[path] = RETRIES + 1

    with pytest.raises(FetchFailed, match=f"cut {RETRIES + 1} times"):
        download(mirror.url + path, tmp_path / "tiny.ckpt")
    assert not (tmp_path / "tiny.ckpt").exists()


@pytest.mark.parametrize(
    ("file_name", "full_sha256"),
    [("tiny-deadbeef.ckpt", False), ("tampered.ckpt", True)],
    ids=["prefix-in-the-name", "full-sha256"],
)
def test_a_file_that_fails_verification_installs_nothing(
    file_name: str,
    full_sha256: bool,
    install: Install,
    mirror: Mirror,
    tiny_sha256: str,
    tmp_path: Path,
) -> None:
    """tiny-deadbeef.ckpt is the real file under a name that says another hash; tampered.ckpt
    has one bit flipped and is checked against the real file's full SHA-256."""
    url = f"https://releases.invalid/{file_name}"
    checkpoint = Checkpoint("tampered", url, BERT, sha256=tiny_sha256 if full_sha256 else "")
    out, cache_dir = tmp_path / "onnx-model", tmp_path / "detoxify"
    shutil.copytree(install.out, out)  # an earlier good install
    before = {path.name: path.read_bytes() for path in out.iterdir()}

    with pytest.raises(FetchFailed, match=r"SHA-256 is [0-9a-f]{64}, not the published") as refused:
        fetch_detoxify(checkpoint, out=out, cache_dir=cache_dir, mirror=mirror.url)

    assert refused.value.url == f"{mirror.url}/detoxify/{checkpoint.file_name}"
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before
    assert list(cache_dir.iterdir()) == []  # the staging folder is gone, nothing cached


def test_int8_that_drifts_too_far_is_served_as_fp32(
    install: Install, mirror: Mirror, tiny_sha256: str, tmp_path: Path
) -> None:
    fetched = fetch_detoxify(
        published(tiny_sha256),
        out=tmp_path / "onnx-model",
        cache_dir=install.cache_dir,  # cached: nothing is downloaded
        mirror=mirror.url,
        max_drift=1e-4,
    )

    assert fetched.downloaded == 0
    assert fetched.manifest.model_file == FP32_MODEL
    assert "so fp32 is served" in fetched.summary()


def test_offline_the_fetch_fails_within_seconds(tmp_path: Path) -> None:
    """A refused connection, and a host that accepts but never answers (the time-out)."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        for mirror_url, timeout in [
            (f"http://127.0.0.1:{closed_port()}", 5.0),
            (f"http://127.0.0.1:{silent.getsockname()[1]}", 0.5),
        ]:
            started = time.monotonic()
            with pytest.raises(FetchFailed, match="cannot connect") as failed:
                fetch_detoxify(
                    CATALOGUE["original"],
                    out=tmp_path / "onnx-model",
                    cache_dir=tmp_path / "detoxify",
                    mirror=mirror_url,
                    timeout=timeout,
                )
            assert time.monotonic() - started < 10
            assert failed.value.unreachable
            assert failed.value.url == f"{mirror_url}/detoxify/toxic_original-c1212f89.ckpt"
    assert not (tmp_path / "onnx-model").exists()
    assert list((tmp_path / "detoxify").iterdir()) == []


def test_a_damaged_cache_downloads_only_the_file_that_no_longer_verifies(
    install: Install, mirror: Mirror, tiny_sha256: str, tmp_path: Path
) -> None:
    cache_dir = tmp_path / "detoxify"
    shutil.copytree(install.cache_dir, cache_dir)
    (cache_dir / "tiny" / "huggingface" / BERT / "vocab.txt").write_text("[PAD]\n")
    asked = len(mirror.requests)

    fetched = fetch_detoxify(
        published(tiny_sha256), out=install.out, cache_dir=cache_dir, mirror=mirror.url
    )

    assert [path for path, _ in mirror.requests[asked:]] == [f"/huggingface/{BERT}/vocab.txt"]
    assert (cache_dir / "tiny" / "config" / "vocab.txt").read_bytes() == mirror.files[
        f"/huggingface/{BERT}/vocab.txt"
    ]
    assert not fetched.exported  # `out` serves that checkpoint already


def test_a_failed_fetch_leaves_the_earlier_cache_as_it_was(
    install: Install, tiny_sha256: str, tmp_path: Path
) -> None:
    cache_dir = tmp_path / "detoxify"
    shutil.copytree(install.cache_dir, cache_dir)
    (cache_dir / "tiny" / "huggingface" / BERT / "vocab.txt").unlink()
    kept = sorted(path.relative_to(cache_dir) for path in cache_dir.rglob("*"))

    with pytest.raises(FetchFailed, match="cannot connect"):
        fetch_detoxify(
            published(tiny_sha256),
            out=tmp_path / "onnx-model",
            cache_dir=cache_dir,
            mirror=f"http://127.0.0.1:{closed_port()}",
        )

    assert sorted(path.relative_to(cache_dir) for path in cache_dir.rglob("*")) == kept


def test_plain_http_is_fetched_only_from_this_machine(tmp_path: Path) -> None:
    """Only the checkpoint is checked against a published hash: a file sent in the clear from
    elsewhere could be swapped on the way."""
    with pytest.raises(FetchFailed, match="only https"):
        download("http://mirror.example.invalid/detoxify/x.ckpt", tmp_path / "x.ckpt")
    assert not (tmp_path / "x.ckpt.part").exists()


def test_a_redirect_from_https_to_http_is_refused() -> None:
    import urllib.error
    import urllib.request

    handler = fetch._NoDowngrade()
    request = urllib.request.Request("https://github.com/owner/release.ckpt")
    with pytest.raises(urllib.error.HTTPError, match="https to http"):
        handler.redirect_request(request, None, 302, "Found", {}, "http://storage.example/x")
    followed = handler.redirect_request(request, None, 302, "Found", {}, "https://cdn.example/x")
    assert followed is not None
    assert followed.full_url == "https://cdn.example/x"


def test_a_file_larger_than_any_checkpoint_is_cut_off(
    mirror: Mirror, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mirror.files["/endless.bin"] = b"x" * 4096
    monkeypatch.setattr(fetch, "MAX_BYTES", 1000)
    monkeypatch.setattr(fetch, "CHUNK", 512)

    with pytest.raises(FetchFailed, match="larger than 1,000 bytes"):
        download(mirror.url + "/endless.bin", tmp_path / "endless.bin")


def test_a_signed_url_is_never_shown_with_its_signature() -> None:
    signed = "https://user:secret@models.example/own.ckpt?X-Amz-Signature=abc#part"

    assert fetch.shown(signed) == "https://models.example/own.ckpt"
    assert "abc" not in str(FetchFailed(signed, "HTTP 403 Forbidden"))


def test_a_checkpoint_that_carries_code_is_refused_not_run(tmp_path: Path) -> None:
    """Read with `weights_only`: the pickle's object is never built, so its code never runs."""
    import pickle

    ran = tmp_path / "the checkpoint ran code"

    class Payload:
        def __reduce__(self) -> tuple[object, tuple[str, str]]:
            return (open, (str(ran), "w"))  # unpickling it creates the file

    path = tmp_path / "evil-00000000.ckpt"
    path.write_bytes(pickle.dumps({"config": Payload()}))
    checkpoint = Checkpoint(
        "evil", "https://models.example/evil-00000000.ckpt", "bert-base-uncased"
    )

    with pytest.raises(FetchFailed, match="not a Detoxify checkpoint"):
        fetch._checkpoint_classes(path, checkpoint, checkpoint.url)
    assert not ran.exists()
