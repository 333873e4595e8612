"""Resident memory of `commentmod serve` worker processes, per scorer: what each worker costs.

Run with `.venv/bin/python benchmarks/worker_memory.py` (options: `--scorers`, `--workers`).
For each scorer and worker count it starts the server as an operator would, waits until every
worker has scored a comment posted through the API (so the model has run once in each), then
reads the memory of the supervisor and of each worker from /proc: RSS and peak RSS from
`status`, PSS and USS (private pages) from `smaps_rollup`. Results go to
var/bench/worker-memory.json.

Reading the numbers: RSS counts every page a process maps, shared library code included, so RSS
summed over workers over-counts; PSS splits each shared page between the processes that map it
(the other worker, but also any other process on the machine using the same torch or sklearn
files); USS is what stopping that one process would free. With `--workers 1` uvicorn serves in
the `commentmod` process itself; with more it is a supervisor that spawns the workers (fresh
interpreters, nothing shared copy-on-write) and multiprocessing's resource tracker.

The Detoxify weights are random (no real checkpoint on a build machine) but have BERT-base's
shape, embedding matrix included, which is what memory depends on. `detoxify_variant` plays no
part here: with a checkpoint file set the service loads that file and ignores the variant.
"""

import argparse
import contextlib
import http.client
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench_service import (
    BENCH_DIR,
    ROOT,
    Server,
    create_users,
    run_cli,
    service_env,
    serving,
    write_json,
)

WORK_DIR = BENCH_DIR / "worker-memory"
RESULT_FILE = BENCH_DIR / "worker-memory.json"
ARTICLE_ID = "bench-worker-memory"
MIB = 1024  # /proc reports kB (KiB); the table shows MiB
WARM_UP_WITHIN = 300.0
"""Seconds for every worker to load its model and score one comment (two BERT-sized workers
loading at once on a shared 2-core machine are slow)."""


@dataclass(frozen=True)
class BertShape:
    """The dimensions of the random Detoxify checkpoint; memory depends on nothing else."""

    vocab_size: int
    hidden_size: int = 768
    layers: int = 12
    heads: int = 12
    intermediate_size: int = 3072
    max_positions: int = 512


SCORERS: dict[str, BertShape | None] = {
    "embedded": None,
    "detoxify-bert-base": BertShape(vocab_size=30522),
    # Not run by default: a stand-in with the parameter count of Detoxify `multilingual`
    # (XLM-RoBERTa base: 250,002-token vocabulary, 514 positions), still built as a BERT.
    "detoxify-xlmr-base-size": BertShape(vocab_size=250002, max_positions=514),
}
ONNX_EXPORTS = {
    "onnx-int8-bert-base": ("detoxify-bert-base", "int8"),
    "onnx-fp32-bert-base": ("detoxify-bert-base", "fp32"),
}
"""`commentmod scorer export` of a checkpoint above, served by the `onnx` scorer (no PyTorch)."""
DEFAULT_SCORERS = ("embedded", "detoxify-bert-base", "onnx-int8-bert-base")


# --- the random Detoxify checkpoint ------------------------------------------------------------


def build_checkpoint(folder: Path, shape: BertShape) -> tuple[Path, Path]:
    """A Detoxify-format checkpoint with `shape` and random weights: the tests' tiny one
    (`tests/support/tiny_detoxify.py`, which cannot be given a vocabulary size) laid out first,
    then widened: its WordPiece vocab file padded with `[unusedN]` entries to `vocab_size`
    lines, its config and tokenizer limit set to `shape`, and its weights replaced by random
    ones of that shape (the checkpoint still names a hub model, as real ones do).
    Returns (checkpoint, config folder). Run in a child process (see `prepare_checkpoint`)."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    sys.path.insert(0, str(ROOT))
    from tests.support.tiny_detoxify import build_tiny_detoxify

    tiny = build_tiny_detoxify(folder)
    config_dir = tiny.config_dir
    vocab_file = config_dir / "vocab.txt"
    vocab = vocab_file.read_text(encoding="utf-8").splitlines()
    vocab += [f"[unused{n}]" for n in range(shape.vocab_size - len(vocab))]
    vocab_file.write_text("\n".join(vocab) + "\n", encoding="utf-8")

    config = BertConfig.from_pretrained(config_dir)
    config.update(
        {
            "vocab_size": len(vocab),
            "hidden_size": shape.hidden_size,
            "num_hidden_layers": shape.layers,
            "num_attention_heads": shape.heads,
            "intermediate_size": shape.intermediate_size,
            "max_position_embeddings": shape.max_positions,
        }
    )
    config.save_pretrained(config_dir)
    tokenizer_config = config_dir / "tokenizer_config.json"
    settings = json.loads(tokenizer_config.read_text())
    settings["model_max_length"] = shape.max_positions
    tokenizer_config.write_text(json.dumps(settings))

    torch.manual_seed(0)
    model = BertForSequenceClassification(config)
    saved = torch.load(tiny.checkpoint, weights_only=True)
    saved["state_dict"] = model.state_dict()
    checkpoint = folder / "random-bert.ckpt"
    torch.save(saved, checkpoint)
    tiny.checkpoint.unlink()
    parameters = sum(p.numel() for p in model.parameters())
    (folder / "built.json").write_text(
        json.dumps({"shape": asdict(shape), "parameters": parameters}) + "\n"
    )
    return checkpoint, config_dir


def prepare_export(
    name: str, source: dict[str, Any], precision: str, env: Mapping[str, str]
) -> Path:
    """The checkpoint exported to ONNX, once. Its drift is not this script's business (the
    scoring benchmark's), so no limit is set."""
    out = WORK_DIR / name
    manifest = out / "manifest.json"
    checkpoint = Path(source["checkpoint"])
    if not manifest.is_file() or manifest.stat().st_mtime < checkpoint.stat().st_mtime:
        shutil.rmtree(out, ignore_errors=True)
        args = ["scorer", "export", "--checkpoint", str(checkpoint)]
        args += ["--config-dir", source["config_dir"], "--out", str(out)]
        run_cli([*args, "--precision", precision, "--max-drift", "1"], env, timeout=900)
    return out


def prepare_checkpoint(name: str, shape: BertShape) -> dict[str, Any]:
    """The checkpoint for scorer `name`, built once and reused while its shape is unchanged.
    Built in a child process so that torch is not mapped in this one: PSS shares a file's pages
    among every process mapping it, and this process should not lower the workers' share."""
    folder = WORK_DIR / name
    marker = folder / "built.json"
    built: dict[str, Any] = json.loads(marker.read_text()) if marker.is_file() else {}
    if built.get("shape") != asdict(shape):
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        subprocess.run(  # noqa: S603 - this script, fixed arguments
            [
                sys.executable,
                __file__,
                "--build-checkpoint",
                str(folder),
                json.dumps(asdict(shape)),
            ],
            cwd=ROOT,
            check=True,
            timeout=900,
        )
        print(f"  built the random {name} checkpoint in {time.perf_counter() - started:.0f} s")
        built = json.loads(marker.read_text())
    checkpoint = folder / "random-bert.ckpt"
    return {
        "checkpoint": str(checkpoint),
        "config_dir": str(folder / "config"),
        "checkpoint_mib": round(checkpoint.stat().st_size / 2**20, 1),
        "parameters": built["parameters"],
        "shape": built["shape"],
    }


# --- /proc --------------------------------------------------------------------------------------


def _kib_fields(path: Path) -> dict[str, int]:
    """`Name: 1234 kB` lines (and bare counts like `Threads: 3`) as integers."""
    fields = {}
    for line in path.read_text().splitlines():
        name, _, rest = line.partition(":")
        words = rest.split()
        if len(words) in (1, 2) and words[0].isdigit():
            fields[name] = int(words[0])
    return fields


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return sorted(set(found))


def descendants(pid: int) -> list[int]:
    found, frontier = [], children(pid)
    while frontier:
        found += frontier
        frontier = [grandchild for child in frontier for grandchild in children(child)]
    return found


def command_line(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()


def role_of(pid: int, supervisor: int, workers: int) -> str:
    if pid == supervisor:
        return "server (serves itself)" if workers == 1 else "supervisor"
    line = command_line(pid)
    if "resource_tracker" in line:
        return "resource tracker"
    if "spawn_main" in line:
        return "worker"
    return "other"


@dataclass(frozen=True)
class ProcessMemory:
    pid: int
    role: str
    rss_kib: int
    peak_rss_kib: int
    """VmHWM: the most resident at any moment, model loading included."""
    anon_kib: int
    file_kib: int
    pss_kib: int | None
    uss_kib: int | None
    """Private_Clean + Private_Dirty: what ending this process alone would give back."""
    threads: int


def read_memory(pid: int, role: str) -> ProcessMemory:
    status = _kib_fields(Path(f"/proc/{pid}/status"))
    try:
        rollup: dict[str, int] | None = _kib_fields(Path(f"/proc/{pid}/smaps_rollup"))
    except OSError:
        rollup = None
    return ProcessMemory(
        pid=pid,
        role=role,
        rss_kib=status["VmRSS"],
        peak_rss_kib=status["VmHWM"],
        anon_kib=status.get("RssAnon", 0),
        file_kib=status.get("RssFile", 0),
        pss_kib=rollup["Pss"] if rollup else None,
        uss_kib=rollup["Private_Clean"] + rollup["Private_Dirty"] if rollup else None,
        threads=status["Threads"],
    )


def tree_memory(supervisor: int, workers: int) -> list[ProcessMemory]:
    pids = [supervisor, *descendants(supervisor)]
    return [read_memory(pid, role_of(pid, supervisor, workers)) for pid in pids]


def worker_pids(supervisor: int, workers: int) -> list[int]:
    if workers == 1:
        return [supervisor]
    return [pid for pid in children(supervisor) if role_of(pid, supervisor, workers) == "worker"]


def _tcp_port(address: str) -> int:
    return int(address.rsplit(":", 1)[1], 16)


def connection_owner(server_port: int, client_port: int, candidates: Sequence[int]) -> int | None:
    """Which of `candidates` holds the server end of the TCP connection from `client_port`:
    the socket's inode from /proc/net/tcp, then the process with a descriptor on it."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for row in Path(table).read_text().splitlines()[1:]:
                columns = row.split()
                local, remote, inode = columns[1], columns[2], columns[9]
                if _tcp_port(local) == server_port and _tcp_port(remote) == client_port:
                    inodes.add(f"socket:[{inode}]")
    for pid in candidates:
        for descriptor in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                if os.readlink(descriptor) in inodes:
                    return pid
    return None


# --- the server ---------------------------------------------------------------------------------


def get_json(server: Server, path: str) -> dict[str, Any]:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
    try:
        connection.request("GET", path)
        answer = connection.getresponse()
        body: dict[str, Any] = json.loads(answer.read())
        return body
    finally:
        connection.close()


@dataclass
class Posted:
    connection: http.client.HTTPConnection
    client_port: int
    status: int
    comment_status: str | None


def post_comment(server: Server, token: str, number: int) -> Posted:
    """One comment on a fresh connection, left open (keep-alive) so its worker can be found."""
    connection = http.client.HTTPConnection(server.host, server.port, timeout=120)
    connection.connect()
    assert connection.sock is not None
    client_port: int = connection.sock.getsockname()[1]
    body = json.dumps({"body": f"Thanks for the clear report on the council vote ({number})."})
    connection.request(
        "POST",
        f"/v1/articles/{ARTICLE_ID}/comments",
        body=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    answer = connection.getresponse()
    payload = answer.read()
    comment_status = json.loads(payload).get("status") if answer.status == 201 else None
    if answer.status != 201:
        print(f"    POST answered {answer.status}: {payload[:300]!r}")
    return Posted(connection, client_port, answer.status, comment_status)


def score_on_every_worker(
    server: Server, token: str, workers: int
) -> tuple[dict[int, list[str]], int]:
    """Posts comments, a few at a time on fresh connections, until each worker has answered one
    with 201 (the comment scored: its status is `published` or `held`). Returns each worker's
    comment statuses, and how many comments were sent. Workers still loading their model do
    not accept yet, so this also waits for them."""
    assert server.process is not None
    supervisor = server.process.pid
    served: dict[int, list[str]] = {}
    sent = 0
    deadline = time.monotonic() + WARM_UP_WITHIN
    with ThreadPoolExecutor(max_workers=2 * workers) as pool:
        while True:
            pids = worker_pids(supervisor, workers)
            if len(pids) == workers and all(pid in served for pid in pids):
                return served, sent
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"only workers {sorted(served)} of {pids} scored a comment within "
                    f"{WARM_UP_WITHIN:.0f} s:\n{server.log_tail()}"
                )
            batch = range(sent, sent + 2 * workers)
            sent += len(batch)
            for posted in pool.map(lambda n: post_comment(server, token, n), batch):
                try:
                    owner = connection_owner(server.port, posted.client_port, pids)
                    if posted.status == 201 and owner is not None and posted.comment_status:
                        served.setdefault(owner, []).append(posted.comment_status)
                finally:
                    posted.connection.close()
            time.sleep(0.5)


@dataclass(frozen=True)
class Run:
    scorer: str
    workers: int
    model_id: str
    comments_posted: int
    comment_statuses: dict[int, list[str]]
    processes: list[ProcessMemory]

    def of_role(self, role: str) -> list[ProcessMemory]:
        return [p for p in self.processes if p.role == role]

    @property
    def worker_processes(self) -> list[ProcessMemory]:
        return self.of_role("server (serves itself)") or self.of_role("worker")

    @property
    def supervisor(self) -> ProcessMemory | None:
        found = self.of_role("supervisor")
        return found[0] if found else None

    def summary(self) -> dict[str, Any]:
        workers = self.worker_processes

        def mean(values: Sequence[int | None]) -> float | None:
            known = [v for v in values if v is not None]
            return round(sum(known) / len(known) / MIB, 1) if len(known) == len(values) else None

        pss = [p.pss_kib for p in self.processes]
        return {
            "per_worker_rss_mib": mean([p.rss_kib for p in workers]),
            "per_worker_pss_mib": mean([p.pss_kib for p in workers]),
            "per_worker_uss_mib": mean([p.uss_kib for p in workers]),
            "per_worker_peak_rss_mib": mean([p.peak_rss_kib for p in workers]),
            "supervisor_rss_mib": (
                round(self.supervisor.rss_kib / MIB, 1) if self.supervisor else None
            ),
            "total_rss_mib": round(sum(p.rss_kib for p in self.processes) / MIB, 1),
            "total_pss_mib": (
                round(sum(v for v in pss if v is not None) / MIB, 1) if None not in pss else None
            ),
        }


def measure(scorer: str, workers: int, env: Mapping[str, str], token: str, settle: float) -> Run:
    folder = WORK_DIR / "logs"
    log = folder / f"{scorer}-{workers}w.log"
    server = Server(dict(env), log, workers=workers, ready_within=WARM_UP_WITHIN)
    with serving(server):
        assert server.process is not None
        started = time.perf_counter()
        served, sent = score_on_every_worker(server, token, workers)
        model_id = str(get_json(server, "/health")["scorer"]["model_id"])
        print(
            f"  {scorer}, {workers} worker(s): every worker scored a comment "
            f"{time.perf_counter() - started:.1f} s after /health; model {model_id}"
        )
        time.sleep(settle)
        processes = tree_memory(server.process.pid, workers)
    return Run(scorer, workers, model_id, sent, served, processes)


# --- report -------------------------------------------------------------------------------------


def _cell(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.1f}"


def table(runs: Sequence[Run]) -> str:
    header = (
        "scorer",
        "workers",
        "per-worker RSS MiB",
        "per-worker PSS MiB",
        "supervisor RSS MiB",
        "total PSS MiB",
        "per-worker USS MiB",
        "per-worker peak RSS MiB",
    )
    rows = [header]
    for run in runs:
        s = run.summary()
        supervisor = _cell(s["supervisor_rss_mib"]) if run.workers > 1 else "(serves itself)"
        rows.append(
            (
                run.scorer,
                str(run.workers),
                _cell(s["per_worker_rss_mib"]),
                _cell(s["per_worker_pss_mib"]),
                supervisor,
                _cell(s["total_pss_mib"]),
                _cell(s["per_worker_uss_mib"]),
                _cell(s["per_worker_peak_rss_mib"]),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        return "| " + " | ".join(cells) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(rows[0]), rule, *(line(row) for row in rows[1:])])


def process_details(runs: Sequence[Run]) -> Iterator[str]:
    for run in runs:
        for p in run.processes:
            pss = "n/a" if p.pss_kib is None else f"{p.pss_kib / MIB:,.1f}"
            uss = "n/a" if p.uss_kib is None else f"{p.uss_kib / MIB:,.1f}"
            yield (
                f"  {run.scorer:<24} {run.workers}w  pid {p.pid:<7} {p.role:<22} "
                f"RSS {p.rss_kib / MIB:8,.1f}  PSS {pss:>8}  USS {uss:>8}  "
                f"peak {p.peak_rss_kib / MIB:8,.1f}  anon {p.anon_kib / MIB:8,.1f}  "
                f"threads {p.threads}"
            )


def environment() -> dict[str, Any]:
    versions: dict[str, str] = {}
    from importlib import metadata

    for package in ("uvicorn", "torch", "transformers", "detoxify", "alt-profanity-check"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    memory = _kib_fields(Path("/proc/meminfo"))
    return {
        "python": platform.python_version(),
        "kernel": platform.release(),
        "cpus": os.cpu_count(),
        "memory_total_mib": round(memory["MemTotal"] / MIB),
        "memory_available_mib_at_start": round(memory["MemAvailable"] / MIB),
        "packages": versions,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scorers",
        default=",".join(DEFAULT_SCORERS),
        help=f"comma-separated, of {', '.join([*SCORERS, *ONNX_EXPORTS])} (default: %(default)s)",
    )
    parser.add_argument("--workers", default="1,2", help="worker counts (default: %(default)s)")
    parser.add_argument(
        "--settle", type=float, default=2.0, help="seconds between the last comment and reading"
    )
    parser.add_argument("--output", type=Path, default=RESULT_FILE)
    parser.add_argument("--build-checkpoint", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.build_checkpoint:
        folder, shape = args.build_checkpoint
        build_checkpoint(Path(folder), BertShape(**json.loads(shape)))
        return

    scorers = [name.strip() for name in args.scorers.split(",") if name.strip()]
    known = [*SCORERS, *ONNX_EXPORTS]
    unknown = [name for name in scorers if name not in known]
    if unknown:
        parser.error(f"unknown scorer(s) {unknown}; choose from {known}")
    worker_counts = [int(n) for n in args.workers.split(",")]
    machine = environment()

    folder = WORK_DIR / "db"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    env = service_env(
        f"sqlite:///{folder / 'm.db'}",
        COMMENTMOD_SCORING_TIMEOUT="120",  # a first BERT pass on a busy machine is never held
        COMMENTMOD_RESCORE_INTERVAL="0",
    )
    run_cli(["migrate"], env)
    [(_, token)] = create_users(["Memory Bench"], env)

    runs: list[Run] = []
    checkpoints: dict[str, dict[str, Any]] = {}
    for scorer in scorers:
        if scorer in ONNX_EXPORTS:
            source_name, precision = ONNX_EXPORTS[scorer]
            shape = SCORERS[source_name]
            assert shape is not None
            source = prepare_checkpoint(source_name, shape)
            export = prepare_export(scorer, source, precision, env)
            for workers in worker_counts:
                scorer_env = {
                    **env,
                    "COMMENTMOD_SCORER": "onnx",
                    "COMMENTMOD_ONNX_MODEL_DIR": str(export),
                }
                runs.append(measure(scorer, workers, scorer_env, token, args.settle))
            continue
        shape = SCORERS[scorer]
        scorer_env = {**env, "COMMENTMOD_SCORER": "embedded"}
        if shape is not None:
            checkpoints[scorer] = built = prepare_checkpoint(scorer, shape)
            scorer_env = {
                **env,
                "COMMENTMOD_SCORER": "detoxify",
                "COMMENTMOD_DETOXIFY_CHECKPOINT": built["checkpoint"],
                "COMMENTMOD_DETOXIFY_CONFIG_DIR": built["config_dir"],
            }
        for workers in worker_counts:
            runs.append(measure(scorer, workers, scorer_env, token, args.settle))

    print()
    print(table(runs))
    print()
    print("Each process (MiB):")
    for line in process_details(runs):
        print(line)

    write_json(
        args.output,
        {
            "command": " ".join([Path(sys.executable).name, *sys.argv]),
            "environment": machine,
            "checkpoints": checkpoints,
            "runs": [
                {
                    "scorer": run.scorer,
                    "workers": run.workers,
                    "model_id": run.model_id,
                    "comments_posted": run.comments_posted,
                    "comment_statuses_by_worker_pid": run.comment_statuses,
                    **run.summary(),
                    "processes": [asdict(p) for p in run.processes],
                }
                for run in runs
            ],
        },
    )
    print(f"\nwritten to {args.output}")


if __name__ == "__main__":
    main()
