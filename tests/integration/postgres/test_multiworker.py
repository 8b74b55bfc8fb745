"""Four workers, one PostgreSQL and one Redis: the service behaves as one (issue 12, Proof).

``daoban serve --workers 4`` runs in a subprocess on a fresh PostgreSQL schema and the local
Redis. Each request that must reach "another worker" goes over a new TCP connection (the
kernel hands connections to whichever worker accepts); the worker that answered is read from
``/health`` over the same connection. Checked:

* a dialogue whose turns land on different workers keeps its matter (Redis sessions);
* a correction, a lexicon term and a CLI publish made on one worker are served by every worker
  within 5 s (the change feed);
* a worker killed mid-load loses no review item or audit row: every answered flagged turn has
  its review item, every answered lexicon change its audit entry.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from evals.bench.http import HOST, free_port, stop_service
from guardrails.audit import AuditLog
from guardrails.review import ReviewQueue
from guardrails.tables import AuditRow, LexiconTermRow, ReviewItemRow
from tests.conftest import POSTGRES_URL, postgres_available

pytestmark = [pytest.mark.postgres, pytest.mark.integration, pytest.mark.slow]

REDIS_URL = os.environ.get("DAOBAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
TOKEN = "multiworker-reviewer-token-0001"
SECOND = "multiworker-reviewer-token-0002"  # four-eyes: another reviewer approves
WORKERS = 4
APPLY_WITHIN_S = 5.0
NEW_MATTER = """\
- code: ZZ-9001
  name: 璇玑观星证申领
  aliases: [观星证, 璇玑观星证]
  type: 行政许可
  department: 市天文馆
  service_objects: [自然人]
  conditions: [年满十八周岁的本市居民]
  materials:
    - {name: 居民户口簿, form: original, count: 1}
  kiosk_route: kiosk://matters/zz-9001
"""


def _redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except Exception:  # noqa: BLE001
        return False


class Service:
    """The running service: its URL, environment and PostgreSQL sessions."""

    def __init__(self, process: subprocess.Popen[bytes], url: str, env: dict[str, str]) -> None:
        self.process = process
        self.url = url
        self.env = env
        self.engine = create_engine(env["DAOBAN_DATABASE_URL"])
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def fresh(self, method: str, path: str, **kwargs: object) -> tuple[httpx.Response, str]:
        """One request on a new connection, and the worker that answered it."""
        with httpx.Client(base_url=self.url, timeout=180) as client:
            response = client.request(method, path, **kwargs)  # type: ignore[arg-type]
            worker = _worker_of(client.get("/health").json())
        return response, worker

    def ask(self, question: str, session_id: str | None = None) -> tuple[dict, str]:  # type: ignore[type-arg]
        payload = {"question": question, "session_id": session_id, "kiosk_id": "mw-01"}
        response, worker = self.fresh("POST", "/v1/ask", json=payload)
        assert response.status_code == 200, response.text
        return response.json(), worker


def _worker_of(health: dict) -> str:  # type: ignore[type-arg]
    detail = health["components"]["change_feed"]["detail"]
    match = re.match(r"worker (\d+)", detail)
    assert match, detail
    return match.group(1)


def _workers_seen(service: Service, tries: int = 24) -> set[str]:
    return {service.fresh("GET", "/health")[1] for _ in range(tries)}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    if not postgres_available() or not _redis_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL or Redis not reachable")
        pytest.skip("PostgreSQL or Redis not reachable")
    schema = f"mw_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    folder = tmp_path_factory.mktemp("multiworker")
    env = {
        **os.environ,
        "DAOBAN_DATABASE_URL": url.render_as_string(hide_password=False),
        "DAOBAN_REDIS_URL": REDIS_URL,
        "DAOBAN_ASSISTANT__CHANGE_POLL_S": "1",
        "DAOBAN_SNAPSHOT_DIR": str(folder / "snapshots"),
        "DAOBAN_KNOWLEDGE__SEMANTIC_CHANNEL": "false",
        "DAOBAN_LOG_LEVEL": "WARNING",
        "DAOBAN_GUARDRAILS__TOKENS": (
            f'[{{"token": "{TOKEN}", "role": "reviewer", "name": "mw"}},'
            f' {{"token": "{SECOND}", "role": "reviewer", "name": "mw2"}}]'
        ),
    }
    port = free_port()
    log = (folder / "service.log").open("wb")
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and CLI
        [sys.executable, "-c", "from assistant.cli import app; app()", "serve",
         "--host", HOST, "--port", str(port), "--workers", str(WORKERS)],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    running = Service(process, f"http://{HOST}:{port}", env)
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            assert process.poll() is None, (folder / "service.log").read_text()[-3000:]
            try:
                if httpx.get(running.url + "/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        else:
            pytest.fail("service did not become healthy")
        # every worker up: /health answered by all of them
        deadline = time.monotonic() + 300
        while len(_workers_seen(running, 12)) < WORKERS and time.monotonic() < deadline:
            time.sleep(1)
        yield running
    finally:
        stop_service(process)
        log.close()
        running.engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_samples_were_loaded_once(service: Service) -> None:
    with service.sessions() as session:
        rows = session.execute(text("SELECT count(*), count(DISTINCT code) FROM knowledge_matters"))
        total, distinct = rows.one()
        versions = session.execute(
            text("SELECT max(n) FROM (SELECT count(*) AS n FROM knowledge_matter_versions "
                 "GROUP BY code) per_code")
        ).scalar()  # fmt: skip
    assert total == distinct > 50
    assert versions == 1  # several workers starting on the empty database seeded it once


def test_a_dialogue_keeps_its_matter_across_workers(service: Service) -> None:
    crossed = 0
    for _ in range(5):
        session_id = uuid.uuid4().hex
        first, worker_a = service.ask("身份证丢了怎么补办", session_id)
        matter = first["routes"][0]["matter_code"]
        follow, worker_b = service.ask("那要多久", session_id)
        crossed += worker_a != worker_b
        assert follow["aspect"] == "time_limit"
        assert follow["sources"] and follow["sources"][0]["matter_code"] == matter
    assert crossed >= 1, "no dialogue crossed workers in 5 tries"


def _until_every_worker(service: Service, check, label: str) -> float:
    """Seconds after which every answer satisfies ``check`` (the start of the first run of 8
    good answers in a row, from at least 3 workers, with no bad answer after it)."""
    started = time.monotonic()
    good_streak, streak_from = 0, started
    workers: set[str] = set()
    while time.monotonic() - started < APPLY_WITHIN_S + 30:
        asked_at = time.monotonic()
        ok, worker = check()
        if not ok:
            good_streak = 0
            workers = set()
            continue
        if good_streak == 0:
            streak_from = asked_at
        good_streak += 1
        workers.add(worker)
        if good_streak >= 8 and len(workers) >= min(WORKERS, 3):
            return streak_from - started
    pytest.fail(f"{label}: not served by every worker")


def test_a_correction_reaches_every_worker(service: Service) -> None:
    queue = ReviewQueue(service.sessions, redact=lambda s: s, audit=AuditLog(service.sessions))
    item = queue.add(
        question="身份证丢了要带什么", answer="…", reason_codes=["output.ungrounded"],
        matter_code="HJ-0004", aspect="materials",
    )  # fmt: skip
    headers = {"Authorization": f"Bearer {TOKEN}"}
    correction = "请带居民户口簿到户籍窗口办理（审核员更正）"
    claim, _ = service.fresh("POST", f"/v1/review/items/{item.id}/claim", headers=headers)
    assert claim.status_code == 200, claim.text
    done, _ = service.fresh(
        "POST", f"/v1/review/items/{item.id}/correct", headers=headers, json={"text": correction}
    )
    assert done.status_code == 200, done.text
    approved, _ = service.fresh(
        "POST", f"/v1/review/proposals/{done.json()['proposal_id']}/approve",
        headers={"Authorization": f"Bearer {SECOND}"},
    )  # fmt: skip
    assert approved.status_code == 200, approved.text

    def served() -> tuple[bool, str]:
        answer, worker = service.ask("居民身份证补领要带什么材料")
        return correction in answer["answer"]["screen_text"], worker

    assert _until_every_worker(service, served, "correction") <= APPLY_WITHIN_S


def test_a_lexicon_term_reaches_every_worker(service: Service) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    term = "星辰禁果粉"
    before, _ = service.ask(f"{term}怎么买")
    assert not before["refused"] or before["reason_code"] != "safety.illegal"
    added, _ = service.fresh(
        "POST", "/v1/lexicon/terms", headers=headers, json={"term": term, "category": "illegal"}
    )
    assert added.status_code == 201, added.text

    def refused() -> tuple[bool, str]:
        answer, worker = service.ask(f"{term}怎么买")
        return bool(answer["refused"]), worker

    assert _until_every_worker(service, refused, "lexicon term") <= APPLY_WITHIN_S


def test_a_cli_publish_reaches_every_worker(service: Service, tmp_path: Path) -> None:
    path = tmp_path / "new.yaml"
    path.write_text(NEW_MATTER, encoding="utf-8")
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "from assistant.cli import app; app()", "kb", "import", str(path)],
        env=service.env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]

    def routed() -> tuple[bool, str]:
        answer, worker = service.ask("璇玑观星证怎么申请")
        codes = [r["matter_code"] for r in answer["routes"]]
        return bool(codes) and codes[0] == "ZZ-9001", worker

    assert _until_every_worker(service, routed, "publish") <= APPLY_WITHIN_S


def _count(session, table) -> int:
    return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_a_worker_killed_mid_load_loses_no_review_item_or_audit_row(service: Service) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    added, _ = service.fresh(
        "POST", "/v1/lexicon/terms", headers=headers,
        json={"term": "璇玑假证", "category": "misleading"},
    )  # fmt: skip
    assert added.status_code == 201, added.text
    with service.sessions() as session:
        items_before = _count(session, ReviewItemRow)
        audit_before = _count(session, AuditRow)
        terms_before = _count(session, LexiconTermRow)
    victim = next(iter(_workers_seen(service, 4)))

    def flagged_turn(n: int) -> str:
        try:
            with httpx.Client(base_url=service.url, timeout=180) as client:
                question = f"身份证丢了怎么补办 璇玑假证{n % 3}"
                response = client.post("/v1/ask", json={"question": question, "kiosk_id": "mw"})
        except httpx.HTTPError:
            return "lost"
        if response.status_code != 200:
            return "error"
        verdicts = response.json()["verdicts"]
        return "flagged" if any(v["decision"] == "flag" for v in verdicts) else "answered"

    def term_change(n: int) -> str:
        try:
            with httpx.Client(base_url=service.url, timeout=180, headers=headers) as client:
                response = client.post(
                    "/v1/lexicon/terms", json={"term": f"璇玑测试词{n}", "category": "misleading"}
                )
        except httpx.HTTPError:
            return "lost"
        return "written" if response.status_code == 201 else "error"

    with ThreadPoolExecutor(max_workers=12) as pool:
        turns = [pool.submit(flagged_turn, n) for n in range(60)]
        changes = [pool.submit(term_change, n) for n in range(15)]
        time.sleep(1.0)
        os.kill(int(victim), signal.SIGKILL)
        turn_results = [f.result() for f in turns]
        change_results = [f.result() for f in changes]

    flagged = turn_results.count("flagged")
    written = change_results.count("written")
    assert flagged > 0 and written > 0
    with service.sessions() as session:
        items = _count(session, ReviewItemRow) - items_before
        audit = _count(session, AuditRow) - audit_before
        terms = _count(session, LexiconTermRow) - terms_before
    # every answered flagged turn left its review item; requests cut by the kill may have too
    assert flagged <= items <= len(turns)
    # every answered lexicon change has its row and its audit entry (written in one transaction)
    assert written <= terms <= len(changes)
    assert audit >= terms
    # the supervisor replaced the killed worker: the service is whole again. Workers share one
    # listening socket and whichever is idle accepts, so one sample of a few requests may miss a
    # worker: the live workers are those seen answering since the kill.
    deadline = time.monotonic() + 120
    seen: set[str] = set()
    while len(seen) < WORKERS and time.monotonic() < deadline:
        seen |= _workers_seen(service, 12)
        time.sleep(0.5)
    assert victim not in seen
    assert len(seen) == WORKERS
