"""The audit log (GB/T 47483 §9.3.3 b) on the real app: who read review items and the log,
failed logins, pre-fills and knowledge-base changes (editor API and CLI), each with an
authenticated actor and a time zone — and no personal data in any row."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from assistant.app import create_app
from assistant.settings import Settings
from guardrails.models import Source
from guardrails.policy import Guardrails
from guardrails.tables import AuditRow, ReviewItemRow
from kiosk_bridge.sealing import Direction, Sealer
from kiosk_bridge.testdata import synthetic_identities
from knowledge.tables import MatterVersionRow
from tests.factories import TOKENS, app_guard, review_grants

pytestmark = pytest.mark.integration

SM4 = "0123456789abcdeffedcba9876543210"
MAC = bytes(range(1, 33)).hex()
EDITOR = "erin-editor-token-000004"
PUBLISHER = "paul-publisher-token-0005"
KIOSK = {"X-Kiosk-Token": "kiosk-a-token-0123456789"}
GRANTS = [
    *review_grants(),
    {"token": EDITOR, "role": "editor", "name": "erin"},
    {"token": PUBLISHER, "role": "publisher", "name": "paul"},
]


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('audit')}/daoban.db"


@pytest.fixture(scope="module")
def app(db_url: str) -> Iterator[tuple[TestClient, Guardrails]]:
    settings = Settings(
        database_url=db_url, guardrails={"tokens": GRANTS},
        kiosk={"sm4_key_hex": SM4, "mac_key_hex": MAC, "anonymous": "allow",
               "credentials": [{"kiosk_id": "K-A", "token": KIOSK["X-Kiosk-Token"]}]},
    )  # fmt: skip
    application = create_app(settings)
    read_guard = app_guard(application)
    with TestClient(application) as client:
        yield client, read_guard(client)


@pytest.fixture(scope="module")
def client(app: tuple[TestClient, Guardrails]) -> TestClient:
    return app[0]


def _rows(db_url: str, **where: str) -> list[AuditRow]:
    engine = create_engine(db_url)
    try:
        with Session(engine) as session:
            query = select(AuditRow).order_by(AuditRow.id)
            for column, value in where.items():
                query = query.where(getattr(AuditRow, column) == value)
            return list(session.scalars(query))
    finally:
        engine.dispose()


def _flag(guard: Guardrails) -> int:
    return guard.review.add(
        question="户口迁入要什么", answer="需要带身份证", reason_codes=["output.ungrounded"],
        sources=[Source(matter_code="HJ-0001", matter_name="户口迁入", section="materials")],
        kiosk_id="K1", aspect="materials",
    ).id  # fmt: skip


def test_reads_of_review_items_and_of_the_audit_log_are_audited(
    client: TestClient, app: tuple[TestClient, Guardrails], db_url: str
) -> None:
    item_id = _flag(app[1])
    assert client.get(f"/v1/review/items/{item_id}", headers=_auth(TOKENS["audra"])).is_success
    assert client.get("/v1/review/items", params={"status": "pending"},
                      headers=_auth(TOKENS["alice"])).is_success  # fmt: skip
    log = client.get("/v1/review/audit", headers=_auth(TOKENS["audra"]))
    assert log.is_success
    reads = [(r.actor, r.role, r.target) for r in _rows(db_url, action="review.read")]
    assert ("audra", "auditor", f"review:{item_id}") in reads
    assert ("alice", "reviewer", "review:list") in reads
    audit_reads = _rows(db_url, action="audit.read")
    assert audit_reads and audit_reads[-1].actor == "audra"
    assert "rows=" in audit_reads[-1].detail
    # the next read of the log shows the previous read, with a time zone
    entries = client.get("/v1/review/audit", params={"action": "audit.read"},
                         headers=_auth(TOKENS["audra"])).json()  # fmt: skip
    assert entries[0]["actor"] == "audra"
    assert datetime.fromisoformat(entries[0]["at"]).utcoffset() is not None


@pytest.mark.parametrize(
    ("path", "headers", "why"),
    [
        ("/v1/review/items", {}, "no token"),
        ("/v1/review/audit", _auth("wrong-token-wrong-token"), "unknown token"),
        ("/v1/catalogue", {"Authorization": "Basic abc"}, "no token"),
        ("/v1/stats/summary", _auth("another-wrong-token-x"), "unknown token"),
    ],
)
def test_failed_logins_are_audited_without_the_token(
    client: TestClient, db_url: str, path: str, headers: dict[str, str], why: str
) -> None:
    before = len(_rows(db_url, action="auth.failed"))
    response = client.get(path, headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "guardrails.unauthenticated"
    rows = _rows(db_url, action="auth.failed")
    assert len(rows) == before + 1
    row = rows[-1]
    assert (row.actor, row.role, row.detail) == ("anonymous", "none", why)
    assert row.target == f"route:GET {path}"
    assert "wrong-token" not in row.target + row.detail


def test_a_refused_privilege_is_audited_with_the_token_holder(
    client: TestClient, app: tuple[TestClient, Guardrails], db_url: str
) -> None:
    item_id = _flag(app[1])
    claim = client.post(f"/v1/review/items/{item_id}/claim", headers=_auth(TOKENS["audra"]))
    assert claim.status_code == 403 and claim.json()["code"] == "guardrails.forbidden"
    code = client.get("/v1/catalogue", headers=_auth(EDITOR)).json()["data"][0]["code"]
    retire = client.post(
        f"/v1/matters/{code}/retire", json={"reason": "测试越权"}, headers=_auth(EDITOR)
    )
    assert retire.status_code == 403
    rows = _rows(db_url, action="auth.forbidden")
    assert [(r.actor, r.role, r.target) for r in rows[-2:]] == [
        ("audra", "auditor", "route:POST /v1/review/items/{item_id}/claim"),
        ("erin", "editor", "route:POST /v1/matters/{code}/retire"),
    ]


def _sealed_card(index: int = 0) -> dict[str, Any]:
    sealer = Sealer(sm4_key=bytes.fromhex(SM4), mac_key=bytes.fromhex(MAC))
    card = synthetic_identities()[index]
    return sealer.seal(card.model_dump_json().encode(), direction=Direction.CARD).model_dump()


def _prefill_code(client: TestClient) -> str:
    matters = client.get("/v1/matters").json()["data"]
    for matter in matters:
        detail = client.get(f"/v1/matters/{matter['code']}").json()
        if any(f.get("id_card_source") for f in detail.get("form_fields", [])):
            return str(matter["code"])
    return str(matters[0]["code"])


def test_prefill_is_audited_with_kiosk_and_matter_never_the_values(
    client: TestClient, db_url: str
) -> None:
    code = _prefill_code(client)
    filled = client.post("/v1/prefill", json={"matter_code": code, "card": _sealed_card()},
                         headers=KIOSK)  # fmt: skip
    assert filled.status_code == 200, filled.text
    tampered = {**_sealed_card(1), "mac_hex": "0" * 64}
    refused = client.post("/v1/prefill", json={"matter_code": code, "card": tampered})
    assert refused.status_code == 400 and refused.json()["code"] == "kiosk.idcard_integrity"
    rows = _rows(db_url, action="kiosk.prefill")
    assert [(r.actor, r.role, r.target) for r in rows[-2:]] == [
        ("kiosk:K-A", "kiosk", f"matter:{code}"),
        ("kiosk:anonymous", "kiosk", f"matter:{code}"),
    ]
    assert rows[-2].detail.startswith("filled ") and rows[-1].detail == "kiosk.idcard_integrity"
    assert rows[-1].at.tzinfo is not None


def test_no_personal_data_reaches_an_audit_row(client: TestClient, db_url: str) -> None:
    """Pre-fill every synthetic card (valid, elderly, expired), then scan every audit row."""
    code = _prefill_code(client)
    for index in range(3):
        client.post("/v1/prefill", json={"matter_code": code, "card": _sealed_card(index)},
                    headers=KIOSK)  # fmt: skip
    values: list[str] = []
    for card in synthetic_identities():
        values += [card.name, card.id_number, card.address, card.issuing_authority,
                   card.birth_date.isoformat(), card.birth_date.strftime("%Y%m%d"),
                   card.id_number[-6:]]  # fmt: skip
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM guardrails_audit"))
        dump = "\n".join(" ".join(str(v) for v in row) for row in rows)
    engine.dispose()
    assert "kiosk.prefill" in dump
    assert [v for v in values if v in dump] == []


def test_knowledge_changes_by_the_editor_api_name_the_token_holder(
    client: TestClient, db_url: str
) -> None:
    code = client.get("/v1/catalogue", headers=_auth(EDITOR)).json()["data"][0]["code"]
    draft = client.get(f"/v1/matters/{code}/draft", headers=_auth(EDITOR)).json()["draft"]
    draft["name"] = draft["name"] + "（测试）"
    saved = client.put(f"/v1/matters/{code}/draft", json=draft, headers=_auth(EDITOR))
    assert saved.status_code == 200, saved.text
    assert client.post(f"/v1/matters/{code}/submit", headers=_auth(EDITOR)).is_success
    published = client.post(f"/v1/matters/{code}/publish", headers=_auth(PUBLISHER))
    assert published.status_code == 200, published.text
    naive = client.post(f"/v1/matters/{code}/publish", headers=_auth(PUBLISHER),
                        json={"effective_at": "2030-01-01T08:00:00"})  # fmt: skip
    assert naive.status_code == 422 and naive.json()["code"]
    history = client.get(f"/v1/matters/{code}/history", headers=_auth(PUBLISHER)).json()
    actions = {(e["actor"], e["action"]) for e in history["audit"]}
    assert {("erin", "matter.draft"), ("erin", "matter.submit"),
            ("paul", "matter.publish")} <= actions  # fmt: skip
    assert all(datetime.fromisoformat(e["at"]).utcoffset() is not None for e in history["audit"])
    assert all(datetime.fromisoformat(v["at"]).utcoffset() is not None
               for v in history["versions"] if v["at"])  # fmt: skip
    reads = _rows(db_url, action="audit.read", target=f"matter:{code}")
    assert reads and reads[-1].actor == "paul"


def test_an_import_from_the_page_is_audited_as_the_token_holder(
    client: TestClient, db_url: str, tmp_path: Path
) -> None:
    body = _write_matter(tmp_path / "page.json").read_bytes()
    response = client.post(
        "/v1/catalogue/import", params={"filename": "page.json"}, content=body,
        headers=_auth(EDITOR),
    )  # fmt: skip
    assert response.status_code == 200, response.text
    rows = _rows(db_url, target="matter:TS-0101")
    assert [(r.actor, r.role) for r in rows] == [("erin", "editor")]
    assert rows[0].action.startswith("matter.import.")
    draft = client.get("/v1/matters/TS-0101/draft", headers=_auth(PUBLISHER)).json()
    assert draft["workflow"]["state"] == "submitted"


def test_an_unwritable_audit_log_refuses_reads_and_prefills_not_logins(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    from guardrails.audit import AuditLog

    def down(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("INSERT INTO guardrails_audit", {}, Exception("down"))

    code = _prefill_code(client)
    with monkeypatch.context() as patched:
        patched.setattr(AuditLog, "add", down)
        read = client.get("/v1/review/items", headers=_auth(TOKENS["audra"]))
        assert read.status_code == 503 and read.json()["code"] == "guardrails.audit_unavailable"
        assert "审计" in read.json()["message"]
        assert client.get("/v1/review/items").status_code == 401  # still refused, not a 500
        filled = client.post(
            "/v1/prefill", json={"matter_code": code, "card": _sealed_card()}, headers=KIOSK
        )
        assert filled.status_code == 503 and filled.json()["code"] == "kiosk.audit_unavailable"
        assert "sealed_form" not in filled.text


def test_stored_timestamps_come_back_with_a_time_zone(
    app: tuple[TestClient, Guardrails], db_url: str
) -> None:
    item = app[1].review.get(_flag(app[1]))
    assert item.created_at.utcoffset() is not None and item.updated_at.utcoffset() is not None
    engine = create_engine(db_url)
    with Session(engine) as session:
        for model, column in ((AuditRow, AuditRow.at), (ReviewItemRow, ReviewItemRow.created_at),
                              (MatterVersionRow, MatterVersionRow.created_at)):  # fmt: skip
            value = session.scalars(select(column).limit(1)).first()
            assert value is not None and value.utcoffset() is not None, model
    engine.dispose()


# -- the CLI -------------------------------------------------------------------------------------


@pytest.fixture
def cli_db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/cli.db"


@pytest.fixture
def cli(cli_db: str, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    from assistant.cli import app as daoban_cli

    monkeypatch.setenv("DAOBAN_DATABASE_URL", cli_db)
    monkeypatch.setenv("DAOBAN_GUARDRAILS__TOKENS", json.dumps(GRANTS))
    runner = CliRunner()

    def run(*args: str, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(daoban_cli, list(args), env=env, catch_exceptions=False)

    return run


def _write_matter(path: Path) -> Path:
    from tests.factories import make_content

    path.write_text(json.dumps([make_content("TS-0101").model_dump(mode="json")],
                               ensure_ascii=False), encoding="utf-8")  # fmt: skip
    return path


def test_cli_import_is_audited_as_the_os_account_with_the_display_name(
    cli: Callable[..., Result], cli_db: str, tmp_path: Path
) -> None:
    import getpass

    result = cli("kb", "import", str(_write_matter(tmp_path / "m.json")), "--editor", "张编辑")
    assert result.exit_code == 0, result.output
    rows = _rows(cli_db, target="matter:TS-0101")
    assert rows and rows[-1].action.startswith("matter.import.")
    assert (rows[-1].actor, rows[-1].role) == (f"os:{getpass.getuser()}", "cli")
    assert "as 张编辑" in rows[-1].detail
    published = cli("kb", "publish", "TS-0101", env={"DAOBAN_CLI_TOKEN": PUBLISHER})
    assert published.exit_code == 0, published.output
    last = _rows(cli_db, target="matter:TS-0101")[-1]
    assert (last.actor, last.role, last.action) == ("paul", "publisher", "matter.publish")


def test_cli_token_roles_follow_the_page(
    cli: Callable[..., Result], cli_db: str, tmp_path: Path
) -> None:
    path = str(_write_matter(tmp_path / "m.json"))
    refused = cli("kb", "import", path, env={"DAOBAN_CLI_TOKEN": EDITOR})  # would publish
    assert refused.exit_code == 1
    forbidden = _rows(cli_db, action="auth.forbidden")
    assert [(r.actor, r.role) for r in forbidden] == [("erin", "editor")]
    drafted = cli("kb", "import", path, "--draft", env={"DAOBAN_CLI_TOKEN": EDITOR})
    assert drafted.exit_code == 0, drafted.output
    assert _rows(cli_db, target="matter:TS-0101")[-1].actor == "erin"
    assert cli("kb", "publish", "TS-0101", env={"DAOBAN_CLI_TOKEN": EDITOR}).exit_code == 1


def test_cli_with_a_wrong_token_is_refused_and_audited(
    cli: Callable[..., Result], cli_db: str, tmp_path: Path
) -> None:
    result = cli("kb", "import", str(_write_matter(tmp_path / "m.json")),
                 env={"DAOBAN_CLI_TOKEN": "not-a-valid-token-000"})  # fmt: skip
    assert result.exit_code == 1
    assert "TS-0101" not in cli("kb", "list").output
    failed = _rows(cli_db, action="auth.failed")
    assert [(r.actor, r.target) for r in failed] == [("anonymous", "cli:kb")]


# -- a change and its audit entry: both or neither ---------------------------------------------


def test_a_change_whose_audit_entry_fails_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.database import create_db_engine, make_sessionmaker, migrate
    from guardrails.audit import AuditLog
    from guardrails.models import Principal, Role
    from guardrails.policy import build_guardrails
    from guardrails.settings import GuardrailSettings
    from guardrails.tables import memory_sessionmaker
    from knowledge.editor.workflow import DraftState, EditorDesk
    from knowledge.store import MatterStore
    from tests.factories import make_content

    engine = create_db_engine(f"sqlite:///{tmp_path}/atomic.db")
    migrate(engine)
    sessions = make_sessionmaker(engine)
    store = MatterStore(sessions)
    guard = build_guardrails(
        GuardrailSettings(topic_classifier=False, scope_classifier=False), memory_sessionmaker()
    )
    desk = EditorDesk(store, sessions, scanner=guard.matter_scanner)
    alice, bob = (
        Principal(name="alice", role=Role.EDITOR),
        Principal(name="bob", role=Role.PUBLISHER),
    )
    desk.save_draft(alice, make_content("TS-0201"))
    desk.submit(alice, "TS-0201")

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(AuditLog, "add", broken)
    with pytest.raises(RuntimeError):
        desk.publish(bob, "TS-0201")
    assert store.get("TS-0201").version == 0 and store.versions("TS-0201") == []
    assert desk.open("TS-0201").workflow.state is DraftState.SUBMITTED
    with pytest.raises(RuntimeError):
        desk.save_draft(alice, make_content("TS-0202"))
    assert "TS-0202" not in {m.code for m in store.list()}
    engine.dispose()


def test_a_cli_import_whose_audit_fails_writes_nothing(
    cli: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from guardrails.audit import AuditLog

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("audit log unavailable")

    with monkeypatch.context() as patched:
        patched.setattr(AuditLog, "add", broken)
        with pytest.raises(RuntimeError):
            cli("kb", "import", str(_write_matter(tmp_path / "m.json")))
    listing = cli("kb", "list")
    assert listing.exit_code == 0 and "matters" in listing.output
    assert "TS-0101" not in listing.output
