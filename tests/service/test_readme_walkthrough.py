"""The README's "Walkthrough with curl", run exactly as written: its bash block is read from
README.md at test time (so the two cannot drift) and run at the project root against
`commentmod serve` started as `make run` starts it: default settings, a freshly migrated SQLite
database, several workers. A `curl` shell function defined before the block calls the real curl,
sends `$API`'s address to the test's port (`--connect-to`, so the block's URLs stay as written)
and records every answer's status and body; the test then checks each against what the
README's comments promise."""

import json
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.support.serving import wait_until_serving
from tests.support.stalled import unused_port

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
COMMENTMOD = ROOT / ".venv" / "bin" / "commentmod"  # the path the walkthrough's CLI calls use
WORKERS = ("--workers", "2")  # `make run` starts one per core: several, whatever the cores

# The block runs with `set -euo pipefail`: a failing CLI call or a variable the README never set
# stops it. `curl` counts its calls in a file (`$(...)` runs it in a subshell) and keeps, per
# call, its arguments, the answer's headers (`-D`) and its body (`tee`: the block sees the same).
RECORDING_CURL = r"""set -euo pipefail
curl() {
  local call
  call=$(( $(cat "$WALKTHROUGH_RECORDS/calls") + 1 ))
  echo "$call" > "$WALKTHROUGH_RECORDS/calls"
  printf '%s\0' "$@" > "$WALKTHROUGH_RECORDS/$call.args"
  command curl --connect-to "$WALKTHROUGH_ADDRESS:127.0.0.1:$WALKTHROUGH_PORT" \
    -D "$WALKTHROUGH_RECORDS/$call.headers" "$@" | tee "$WALKTHROUGH_RECORDS/$call.body"
}
"""


def walkthrough_block() -> str:
    """The first bash block under the README's "Walkthrough with curl" heading."""
    section = README.read_text(encoding="utf-8").split("\n## Walkthrough with curl\n", 1)
    assert len(section) == 2, "README.md has no '## Walkthrough with curl' section"
    found = re.search(r"^```bash\n(.*?)^```$", section[1], flags=re.DOTALL | re.MULTILINE)
    assert found is not None, "the walkthrough section has no bash block"
    return found.group(1)


def api_address(block: str) -> str:
    """`host:port` of the block's `API=` line: what `--connect-to` sends to the test's server."""
    found = re.search(r"^API=(\S+)$", block, flags=re.MULTILINE)
    assert found is not None, "the walkthrough does not set API=..."
    url = urlsplit(found.group(1))
    assert url.scheme == "http", found.group(0)
    assert url.hostname is not None, found.group(0)
    return f"{url.hostname}:{url.port or 80}"


@dataclass(frozen=True)
class Answer:
    method: str
    path: str
    status: int
    body: Any

    @property
    def outcome(self) -> str:
        """The error code, or the comment's status, or '' for other answers."""
        if isinstance(self.body, dict):
            return str(self.body.get("error") or self.body.get("status") or "")
        return ""

    @property
    def summary(self) -> tuple[str, str, int, str]:
        return self.method, re.sub(r"/\d+/", "/{id}/", self.path), self.status, self.outcome


def recorded_answers(records: Path) -> list[Answer]:
    answers = []
    for call in range(1, int((records / "calls").read_text()) + 1):
        args = (records / f"{call}.args").read_text(encoding="utf-8").split("\0")[:-1]
        method = args[args.index("-X") + 1] if "-X" in args else "GET"
        url = next(arg for arg in args if arg.startswith("http"))
        headers = (records / f"{call}.headers").read_text(encoding="latin-1")
        statuses = re.findall(r"^HTTP/\S+ (\d{3})", headers, flags=re.MULTILINE)
        assert statuses, f"call {call} ({method} {url}) got no answer: {headers!r}"
        body = (records / f"{call}.body").read_text(encoding="utf-8")
        answers.append(Answer(method, urlsplit(url).path, int(statuses[-1]), json.loads(body)))
    return answers


def default_environment(database_url: str) -> dict[str, str]:
    """The caller's environment without any COMMENTMOD_* setting (the defaults, as on a fresh
    clone), pointing at the test's database."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("COMMENTMOD_")}
    return {**environment, "COMMENTMOD_DATABASE_URL": database_url}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """`make run`: `commentmod migrate`, then `commentmod serve --host --port` (with the
    COMMENTMOD_PUBLIC_URL `make run` exports), on a fresh SQLite file; the port and the
    environment the block's CLI calls share with it."""
    for tool in ("bash", "curl", "python3"):  # the block's shell, its client, its `id_of`
        if shutil.which(tool) is None:
            pytest.skip(f"the walkthrough needs `{tool}` on PATH, and it is not installed")
    if not COMMENTMOD.exists():
        pytest.skip(f"the walkthrough calls {COMMENTMOD.relative_to(ROOT)}, which `make` creates")
    environment = default_environment(f"sqlite:///{tmp_path / 'commentmod.db'}")
    subprocess.run(  # noqa: S603 - our own CLI
        [COMMENTMOD, "migrate"], cwd=ROOT, env=environment, check=True, capture_output=True
    )
    port = unused_port()
    public_url = f"http://127.0.0.1:{port}"
    with (tmp_path / "serve.log").open("wb") as log:
        server = subprocess.Popen(  # noqa: S603 - our own CLI
            [COMMENTMOD, "serve", "--host", "127.0.0.1", "--port", str(port), *WORKERS],
            cwd=ROOT,
            env={**environment, "COMMENTMOD_PUBLIC_URL": public_url},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_serving(f"{public_url}/health")
        yield port, environment
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def test_the_readme_walkthrough_does_what_its_comments_say(
    served: tuple[int, dict[str, str]], tmp_path: Path
) -> None:
    port, environment = served
    block = walkthrough_block()
    records = tmp_path / "records"
    records.mkdir()
    (records / "calls").write_text("0")
    script = tmp_path / "walkthrough.sh"
    script.write_text(RECORDING_CURL + block, encoding="utf-8")

    ran = subprocess.run(  # noqa: S603 - the README's own block
        ["bash", script],  # noqa: S607 - the shell on PATH, as a reader's terminal has it
        cwd=ROOT,
        env={
            **environment,
            "WALKTHROUGH_RECORDS": str(records),
            "WALKTHROUGH_ADDRESS": api_address(block),
            "WALKTHROUGH_PORT": str(port),
        },
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert ran.returncode == 0, f"the block failed:\n{ran.stderr}"
    answers = recorded_answers(records)

    comments = "/v1/articles/AEN20261127000300315/comments"
    assert [answer.summary for answer in answers] == [
        ("POST", comments, 201, "published"),  # a civil comment
        ("POST", comments, 422, "toxic_comment"),  # another reader's toxic one, nudged
        ("POST", comments, 201, "held"),  # posted anyway
        ("POST", comments, 422, "toxic_comment"),  # the Korean insult
        ("POST", comments, 422, "toxic_comment"),  # English and Korean
        ("POST", comments, 201, "published"),  # civil Korean
        ("GET", comments, 200, ""),  # the article page
        ("GET", f"{comments}/count", 200, ""),
        ("GET", "/v1/admin/queue", 200, ""),
        ("POST", "/v1/admin/comments/{id}/approve", 200, "published"),
        ("GET", "/v1/admin/audit", 200, ""),
        ("POST", comments, 422, "comment_too_long"),
    ]
    (
        civil,
        nudged,
        held,
        korean,
        mixed,
        civil_korean,
        page,
        count,
        queue,
        approved,
        audit,
        too_long,
    ) = answers

    for toxic in (nudged, korean, mixed):  # the scores that nudged it (the hold threshold: 0.8)
        assert max(toxic.body["scores"].values()) >= 0.8, toxic
    assert civil_korean.body["body"] == "좋은 기사 감사합니다. 잘 읽었습니다."

    published = [civil.body["id"], civil_korean.body["id"]]
    assert sorted(item["id"] for item in page.body["items"]) == sorted(published)
    assert count.body["count"] == 2

    assert [item["id"] for item in queue.body["items"]] == [held.body["id"]]
    assert queue.body["items"][0]["status"] == "held"
    assert max(queue.body["items"][0]["scores"].values()) >= 0.8

    assert approved.body["id"] == held.body["id"]
    assert approved.body["status_reason"] == "approved"

    newest, *system = audit.body["items"]  # newest first
    assert (newest["comment_id"], newest["to_status"]) == (held.body["id"], "published")
    assert newest["actor_id"] is not None
    assert newest["note"] == "Harsh, but about the article"
    assert {row["actor_id"] for row in system} == {None}
    created = {row["comment_id"]: row["to_status"] for row in system if row["action"] == "created"}
    assert created == {
        civil.body["id"]: "published",
        held.body["id"]: "held",
        civil_korean.body["id"]: "published",
    }

    assert (too_long.body["length"], too_long.body["limit"]) == (251, 250)

    # `commentmod score` prints one line per text: its scores and the models that gave them
    scored = [json.loads(line) for line in ran.stdout.splitlines() if line.startswith('{"scores"')]
    assert [sorted(line) for line in scored] == [["model_id", "scores"]] * 2, ran.stdout
