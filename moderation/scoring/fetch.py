"""`commentmod scorer fetch`: downloads a Detoxify checkpoint and its base model's config and
tokenizer, verifies every file, and exports them for the `auto` scorer.

Everything lands in a staging folder beside the cache first; only when every file verifies is
it swapped in, and only then is anything exported (the export writes its own folder and swaps it
in too). So a file that fails verification, or a cut that outlasts the retries, leaves the cache
and the served model exactly as they were. The cache keeps the verified downloads, so a re-run
downloads nothing it already has.

A mirror (`--mirror`, `COMMENTMOD_SCORER_MIRROR`) serves the same files under one root:
`{mirror}/detoxify/{checkpoint file}` and `{mirror}/huggingface/{base model}/{file}`."""

import hashlib
import http.client
import json
import logging
import os
import re
import shutil
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, TextIO
from urllib.parse import urlsplit

from moderation.scoring.export import MAX_DRIFT, DriftTooLarge, Precision, export_detoxify
from moderation.scoring.onnx import FP32_MODEL, INT8_MODEL, Manifest, onnx_model_available
from moderation.scoring.scorers import ScorerUnavailable

logger = logging.getLogger(__name__)

RELEASES = "https://github.com/unitaryai/detoxify/releases/download/"
HUB = "https://huggingface.co"
CACHE_DIR = Path("var/detoxify")
RECORD = "fetched.json"
CONFIG = "config"
"""The folder in the cache that Detoxify and the export read as the model's configuration."""
TIMEOUT = 5.0
"""Seconds to connect, and to wait for each block: offline, a fetch fails within seconds."""
RETRIES = 3
"""Times a cut transfer is resumed before the fetch gives up."""
RETRY_PAUSE = 0.5
"""Seconds before the first resume (doubled each time), so a blip has passed."""
CHUNK = 1 << 18
MAX_BYTES = 4 << 30
"""The most one file may be: the largest published checkpoint is about 1.1 GB; a server that
sends without end is cut off here instead of filling the disk."""
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
"""Hosts plain http is allowed to: a mirror on this very machine. Anywhere else, a file could be
swapped on the way, and only the checkpoint is checked against a published hash."""
MAX_LENGTH = 512
"""Tokens the four base models' position embeddings allow; a tokenizer without this limit
passes longer input through and the model crashes on it."""

HUB_FILES: dict[str, tuple[str, ...]] = {
    "bert-base-uncased": ("config.json", "vocab.txt", "tokenizer_config.json", "tokenizer.json"),
    "roberta-base": ("config.json", "vocab.json", "merges.txt", "tokenizer.json"),
    "xlm-roberta-base": ("config.json", "sentencepiece.bpe.model", "tokenizer.json"),
    "albert-base-v2": ("config.json", "spiece.model", "tokenizer.json"),
}
"""What each base model's config and tokenizer need from the Hugging Face hub (the weights come
from the checkpoint): its config, the vocabulary files of its tokenizer family, and the fast
tokenizer."""

_NAME_PREFIX = re.compile(r"-([a-f0-9]{8,64})\.")  # torch.hub's `name-<prefix>.ckpt`
_FULL_SHA256 = re.compile(r"[a-f0-9]{64}")


def shown(url: str) -> str:
    """`url` as logs, errors and `fetched.json` show it: no query string, fragment or password,
    where a presigned link keeps its signature."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return f"{parts.scheme}://{netloc}{parts.path}"


class FetchFailed(RuntimeError):
    """A file could not be downloaded, or did not verify; nothing was installed."""

    def __init__(self, url: str, reason: str, *, unreachable: bool = False) -> None:
        super().__init__(f"cannot fetch {shown(url)}: {reason}")
        self.url = shown(url)
        self.reason = reason
        self.unreachable = unreachable
        """No connection at all (offline, or the host is blocked): a mirror may help."""


@dataclass(frozen=True)
class Checkpoint:
    """A Detoxify checkpoint: where it is published, what it must hash to, and the Hugging Face
    model it was fine-tuned from (whose config and tokenizer must lie beside it)."""

    name: str
    """The cache folder's name: the variant, or the file's stem for a newsroom's own."""
    url: str
    base_model: str
    sha256: str = ""
    """The full SHA-256; empty: the hex prefix in the file name, torch.hub's convention."""
    mirrored: bool = True
    """Whether a mirror holds it; a newsroom's own checkpoint is fetched from its URL as given."""

    def __post_init__(self) -> None:
        if self.base_model not in HUB_FILES:
            raise ValueError(f"base model {self.base_model!r} is none of {', '.join(HUB_FILES)}")
        if not self.file_name:
            raise ValueError(f"{self.url} names no file")
        if self.sha256 and not _FULL_SHA256.fullmatch(self.sha256):
            raise ValueError(f"{self.sha256!r} is not a SHA-256 (64 lower-case hex digits)")
        if not self.expected_sha256:
            raise ValueError(f"{self.file_name} carries no hash in its name: give its SHA-256")

    @property
    def file_name(self) -> str:
        return PurePosixPath(urlsplit(self.url).path).name

    @property
    def expected_sha256(self) -> str:
        """What the file's SHA-256 must be, or start with."""
        found = _NAME_PREFIX.search(self.file_name)
        return self.sha256 or (found.group(1) if found else "")


DEFAULT_VARIANT = "unbiased"
"""Trained on Civil Comments, comments from news sites, with a loss that lowers scores that rise
for the mere mention of an identity ("gay", "Muslim", "black"): the readers of a news site."""

CATALOGUE: dict[str, Checkpoint] = {
    "unbiased": Checkpoint(
        "unbiased", RELEASES + "v0.3-alpha/toxic_debiased-c7548aa0.ckpt", "roberta-base"
    ),
    "original": Checkpoint(
        "original",
        RELEASES + "v0.1-alpha/toxic_original-c1212f89.ckpt",
        "bert-base-uncased",
        sha256="c1212f89ac23307ab33932ce29dc446a6e030fb3f384a500890bbe662b7b544a",  # 438,021,897 B
    ),
    "multilingual": Checkpoint(
        "multilingual",
        RELEASES + "v0.4-alpha/multilingual_debiased-0b549669.ckpt",
        "xlm-roberta-base",
    ),
    "original-small": Checkpoint(
        "original-small", RELEASES + "v0.1.2/original-albert-0e1d6498.ckpt", "albert-base-v2"
    ),
    "unbiased-small": Checkpoint(
        "unbiased-small", RELEASES + "v0.1.2/unbiased-albert-c8519128.ckpt", "albert-base-v2"
    ),
}
"""The checkpoints detoxify 0.5.4 publishes (its `MODEL_URLS`), with their base models."""


@dataclass(frozen=True)
class Fetched:
    """What a fetch did, for its one-line summary."""

    checkpoint: Checkpoint
    cache: Path
    checkpoint_sha256: str
    downloaded: int
    """Bytes downloaded this time; 0 when the cache held every file."""
    out: Path
    manifest: Manifest
    exported: bool
    """False when `out` already served this checkpoint."""
    note: str = ""

    def summary(self) -> str:
        precision = "int8" if self.manifest.model_file == INT8_MODEL else "fp32"
        fetched = f"{self.downloaded / 1e6:.1f} MB downloaded" if self.downloaded else "cached"
        if not self.exported:
            return (
                f"{self.checkpoint.name}: {self.out} already serves "
                f"{self.manifest.source_model_id} ({precision}); "
                + (f"{fetched} to {self.cache}" if self.downloaded else "nothing fetched")
            )
        return (
            f"fetched {self.checkpoint.name} ({fetched}, sha256 {self.checkpoint_sha256[:16]}) "
            f"and exported {self.manifest.source_model_id} to {self.out}: {precision}, max drift "
            f"{self.manifest.max_drift:.4f}" + (f"; {self.note}" if self.note else "")
        )


def fetch_detoxify(
    checkpoint: Checkpoint,
    *,
    out: Path,
    cache_dir: Path = CACHE_DIR,
    mirror: str | None = None,
    timeout: float = TIMEOUT,
    precision: Precision | None = None,
    max_drift: float = MAX_DRIFT,
    progress: TextIO | None = None,
) -> Fetched:
    """Brings `checkpoint` and its base model's files into `cache_dir/<name>` (verified; what is
    there and verifies is not downloaded again), then exports them to `out`, the folder the
    `auto` scorer serves, unless `out` already serves that checkpoint. `precision` None: int8,
    or fp32 when int8 moves scores further than `max_drift`. Raises `FetchFailed` (the cache
    and `out` as they were) or the export's errors. `progress`: a terminal for progress bars."""
    cache, downloaded = _cached(
        checkpoint, cache_dir / checkpoint.name, mirror=mirror, timeout=timeout, progress=progress
    )
    sha256 = _read_record(cache)["files"][checkpoint.file_name]["sha256"]
    served = _serving(out, sha256, precision)
    if served is not None:
        return Fetched(checkpoint, cache, sha256, downloaded, out, served, exported=False)
    if progress is not None:
        progress.write(f"exporting {checkpoint.name} to ONNX and checking its drift...\n")

    def export(chosen: Precision) -> Manifest:
        return export_detoxify(
            out,
            checkpoint=cache / checkpoint.file_name,
            config_dir=cache / CONFIG,
            precision=chosen,
            max_drift=max_drift,
        )

    note = ""
    try:
        manifest = export(precision or "int8")
    except DriftTooLarge:
        if precision is not None:
            raise
        note = f"int8 moved scores more than {max_drift}, so fp32 is served"
        manifest = export("fp32")
    return Fetched(checkpoint, cache, sha256, downloaded, out, manifest, exported=True, note=note)


def download(
    url: str,
    target: Path,
    *,
    timeout: float = TIMEOUT,
    retries: int = RETRIES,
    progress: TextIO | None = None,
) -> int:
    """Streams `url` into `target` through `target.part`, resuming with a Range request after a
    cut (up to `retries` times; a server that answers 200 sends it all again, from the start).
    A first connection that fails is not retried: offline, that is the answer. Returns the
    bytes received."""
    parts = urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOOPBACK):
        raise FetchFailed(url, "only https is fetched (plain http only from this machine)")
    part = target.with_name(target.name + ".part")
    meter = _Meter(progress, target.name)
    cuts = 0
    try:
        while True:
            try:
                _transfer(url, part, timeout=timeout, resuming=cuts > 0, meter=meter)
                break
            except _Cut as cut:
                cuts += 1
                if cuts > retries:
                    raise FetchFailed(url, f"the connection was cut {cuts} times ({cut})") from None
                logger.info("%s: %s; resuming", shown(url), cut)
                time.sleep(RETRY_PAUSE * 2 ** (cuts - 1))
    finally:
        meter.close()
    part.replace(target)
    return meter.received


class _Cut(Exception):
    """A transfer stopped midway: worth resuming."""


class _Meter:
    """Counts what arrives and, on a terminal, redraws one progress line at most 10 times a
    second (a plain line: no dependency for it)."""

    WIDTH = 24

    def __init__(self, stream: TextIO | None, label: str) -> None:
        self.stream, self.label = stream, label
        self.received = 0
        self._drawn = 0.0

    def add(self, count: int, done: int, total: int | None) -> None:
        self.received += count
        now = time.monotonic()
        if self.stream is None or (now - self._drawn < 0.1 and done != total):
            return
        self._drawn = now
        if total:
            bar = "#" * (self.WIDTH * done // total)
            share = f"/{total / 1e6:.1f} MB {100 * done // total:3d}% [{bar:<{self.WIDTH}}]"
        else:
            share = " MB"
        self.stream.write(f"\r{self.label} {done / 1e6:.1f}{share}")
        self.stream.flush()

    def close(self) -> None:
        if self.stream is not None and self._drawn:
            self.stream.write("\n")
            self.stream.flush()


def _transfer(url: str, part: Path, *, timeout: float, resuming: bool, meter: _Meter) -> None:
    offset = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={offset}-"} if offset else {}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http(s): `download`
    try:
        response = _OPENER.open(request, timeout=timeout)
    except urllib.error.HTTPError as refused:
        refused.close()
        if refused.code == 416 and offset:
            if _content_range(refused.headers.get("Content-Range", ""))[1] == offset:
                return  # the part was whole already
            part.unlink()
            raise _Cut(f"the server cannot resume at byte {offset:,}; starting over") from None
        raise FetchFailed(url, f"HTTP {refused.code} {refused.reason}") from None
    except (OSError, http.client.HTTPException) as failed:
        reason = getattr(failed, "reason", None) or failed
        if resuming:
            raise _Cut(f"reconnecting: {reason}") from None
        raise FetchFailed(url, f"cannot connect ({reason})", unreachable=True) from None
    with response:
        if response.status == 206:
            start, total = _content_range(response.headers.get("Content-Range", ""))
            if start != offset:
                part.unlink()
                raise _Cut(f"the server resumed at byte {start}, not {offset:,}; starting over")
            mode = "ab"
        else:  # the whole file: a first request, or a server that ignores Range
            length = response.headers.get("Content-Length")
            offset, mode, total = 0, "wb", int(length) if length else None
        with part.open(mode) as file:
            while True:
                try:
                    block = response.read(CHUNK)
                except (OSError, http.client.HTTPException) as cut:
                    raise _Cut(f"{type(cut).__name__} after {offset:,} bytes") from None
                if not block:
                    break
                file.write(block)
                offset += len(block)
                if offset > MAX_BYTES:
                    raise FetchFailed(url, f"it is larger than {MAX_BYTES:,} bytes: refused")
                meter.add(len(block), offset, total)
    if total is not None and offset != total:
        raise _Cut(f"the connection closed after {offset:,} of {total:,} bytes")


class _NoDowngrade(urllib.request.HTTPRedirectHandler):
    """Follows redirects (GitHub's releases and the hub redirect to their storage), never from
    https to plain http."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        if urlsplit(req.full_url).scheme == "https" and urlsplit(newurl).scheme != "https":
            raise urllib.error.HTTPError(newurl, code, "a redirect from https to http", headers, fp)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_NoDowngrade)


def _content_range(header: str) -> tuple[int | None, int | None]:
    """`bytes 100-199/200` -> (100, 200); `bytes */200` -> (None, 200)."""
    found = re.fullmatch(r"bytes (?:(\d+)-\d+|\*)/(\d+|\*)", header.strip())
    if found is None:
        return None, None
    start, total = found.groups()
    return (int(start) if start else None), (int(total) if total != "*" else None)


@dataclass(frozen=True)
class _File:
    path: str
    """Where it lies in the cache folder."""
    url: str
    sha256: str
    """The published SHA-256 or its prefix; empty where none is published (the hub's files)."""


def _files(checkpoint: Checkpoint, mirror: str | None) -> list[_File]:
    root = mirror.rstrip("/") if mirror else None
    url = f"{root}/detoxify/{checkpoint.file_name}" if root and checkpoint.mirrored else None
    model = checkpoint.base_model
    hub = f"{root}/huggingface/{model}" if root else f"{HUB}/{model}/resolve/main"
    return [
        _File(checkpoint.file_name, url or checkpoint.url, checkpoint.expected_sha256),
        *(_File(f"huggingface/{model}/{name}", f"{hub}/{name}", "") for name in HUB_FILES[model]),
    ]


def _cached(
    checkpoint: Checkpoint,
    cache: Path,
    *,
    mirror: str | None,
    timeout: float,
    progress: TextIO | None,
) -> tuple[Path, int]:
    """The cache folder with every file verified, and the bytes downloaded for it. A complete
    folder is used as it is; otherwise a new one is staged beside it (files of the old one that
    still verify are linked in, the rest downloaded) and takes its place once all verify."""
    files = _files(checkpoint, mirror)
    recorded: dict[str, Any] = _read_record(cache).get("files", {})
    kept = {file.path for file in files if _still_good(cache, file, recorded.get(file.path))}
    configured = {*HUB_FILES[checkpoint.base_model], "tokenizer_config.json"}
    if len(kept) == len(files) and all((cache / CONFIG / name).is_file() for name in configured):
        return cache, 0
    cache.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=cache.parent, prefix=f".{cache.name}-"))
    staging.chmod(0o755)  # mkdtemp's is private; the service may run as another user
    downloaded = 0
    try:
        entries: dict[str, Any] = {}
        for file in files:
            staged = staging / file.path
            staged.parent.mkdir(parents=True, exist_ok=True)
            if file.path in kept:
                _link(cache / file.path, staged)
                entries[file.path] = recorded[file.path]
                continue
            downloaded += download(file.url, staged, timeout=timeout, progress=progress)
            digest = _sha256(staged)
            if not digest.startswith(file.sha256):
                raise FetchFailed(
                    file.url,
                    f"its SHA-256 is {digest}, not the published {file.sha256}"
                    f"{'' if len(file.sha256) == 64 else '...'}: refused, nothing was installed",
                )
            size = staged.stat().st_size
            logger.info("fetched %s (%d bytes, sha256 %s)", shown(file.url), size, digest)
            entries[file.path] = {"url": shown(file.url), "sha256": digest, "bytes": size}
        classes = _checkpoint_classes(staging / checkpoint.file_name, checkpoint, files[0].url)
        _write_config(staging, checkpoint.base_model, classes, urls={f.path: f.url for f in files})
        record = {"checkpoint": checkpoint.file_name, "base_model": checkpoint.base_model}
        document = json.dumps({**record, "files": entries}, indent=2)
        (staging / RECORD).write_text(document + "\n", encoding="utf-8")
        _swap(staging, cache)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # gone already when it became `cache`
    return cache, downloaded


def _read_record(cache: Path) -> dict[str, Any]:
    try:
        record: dict[str, Any] = json.loads((cache / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record


def _still_good(cache: Path, file: _File, entry: dict[str, Any] | None) -> bool:
    """Fetched before, recorded, and its bytes still hash to what was verified then."""
    if not entry or not str(entry.get("sha256", "")).startswith(file.sha256):
        return False
    path = cache / file.path
    return path.is_file() and _sha256(path) == entry["sha256"]


def _checkpoint_classes(path: Path, checkpoint: Checkpoint, url: str) -> int:
    """The classes the checkpoint's classifier outputs: the hub's config.json has no such count,
    and a model built from it would not take the checkpoint's weights. Read with `weights_only`:
    tensors and plain values only, so a checkpoint that carries code is refused, not run (a hash
    prefix of 8 hex digits is no proof against a file made to match it)."""
    import pickle

    import torch

    failures = (pickle.UnpicklingError, EOFError, RuntimeError, LookupError, TypeError, ValueError)
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
        arguments = loaded["config"]["arch"]["args"]
        classes = int(arguments["num_classes"])
    except failures as unreadable:
        reason = f"{type(unreadable).__name__}: {unreadable}"
        raise FetchFailed(url, f"it is not a Detoxify checkpoint ({reason})") from unreadable
    trained_from = arguments.get("model_type")
    if trained_from in HUB_FILES and trained_from != checkpoint.base_model:
        raise FetchFailed(
            url, f"it was fine-tuned from {trained_from}, not from {checkpoint.base_model}"
        )
    return classes


def _write_config(folder: Path, base_model: str, classes: int, *, urls: Mapping[str, str]) -> None:
    """`config/`: the hub's files, with the checkpoint's class count in config.json and a length
    limit in tokenizer_config.json (written when the hub has none)."""
    config = folder / CONFIG
    config.mkdir()
    for name in HUB_FILES[base_model]:
        shutil.copyfile(folder / "huggingface" / base_model / name, config / name)
    model = _json(config / "config.json", urls[f"huggingface/{base_model}/config.json"])
    for key in ("id2label", "label2id"):  # the base model's labels, if any, are not Detoxify's
        model.pop(key, None)
    model["num_labels"] = classes
    (config / "config.json").write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
    tokenizer_config = config / "tokenizer_config.json"
    settings: dict[str, Any] = {}
    if tokenizer_config.exists():
        settings = _json(tokenizer_config, urls[f"huggingface/{base_model}/tokenizer_config.json"])
    settings["model_max_length"] = min(
        int(settings.get("model_max_length", MAX_LENGTH)), MAX_LENGTH
    )
    tokenizer_config.write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")


def _json(path: Path, url: str) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise FetchFailed(url, f"it is not JSON ({exc})") from exc
    if not isinstance(document, dict):
        raise FetchFailed(url, "it is not a JSON object")
    return document


def _serving(out: Path, sha256: str, precision: Precision | None) -> Manifest | None:
    """The manifest of `out` when it already serves this checkpoint (at `precision`, if given)."""
    if not onnx_model_available(out):
        return None
    try:
        manifest = Manifest.read(out)
    except ScorerUnavailable:
        return None
    wanted = {None: manifest.model_file, "int8": INT8_MODEL, "fp32": FP32_MODEL}[precision]
    same = manifest.checkpoint_sha256 == sha256 and manifest.model_file == wanted
    return manifest if same else None


def _link(source: Path, target: Path) -> None:
    """A verified file kept from the old cache folder: a hard link, a copy where links fail."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _swap(staging: Path, cache: Path) -> None:
    if cache.exists():
        old = Path(tempfile.mkdtemp(dir=cache.parent, prefix=f".{cache.name}-old-"))
        cache.rename(old / cache.name)
        staging.rename(cache)
        shutil.rmtree(old)
    else:
        staging.rename(cache)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
