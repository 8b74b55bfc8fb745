"""The audit log and its time zones on the real PostgreSQL server (§9.3.3 b).

Every stored timestamp column is ``timestamp with time zone``; the first-start seeding, a
failed login, a read and a pre-fill each leave one row with an authenticated actor and no
personal data.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from assistant.app import create_app
from assistant.settings import Settings
from kiosk_bridge.testdata import synthetic_identities
from tests.integration.test_audit_trail import GRANTS, KIOSK, MAC, SM4, _prefill_code, _sealed_card

pytestmark = [pytest.mark.postgres, pytest.mark.integration]

AUDRA = {"Authorization": "Bearer audra-auditor-token-0003"}


@pytest.fixture
def pg_client(postgres_url: str) -> Iterator[TestClient]:
    settings = Settings(
        database_url=postgres_url,
        guardrails={"tokens": GRANTS},
        kiosk={
            "sm4_key_hex": SM4,
            "mac_key_hex": MAC,
            "anonymous": "allow",
            "credentials": [{"kiosk_id": "K-A", "token": KIOSK["X-Kiosk-Token"]}],
        },
    )
    with TestClient(create_app(settings)) as client:
        yield client


def test_audit_on_postgres_is_zoned_attributed_and_free_of_personal_data(
    pg_client: TestClient, postgres_url: str
) -> None:
    assert (
        pg_client.get("/v1/review/items", headers={"Authorization": "Bearer nope"}).status_code
        == 401
    )
    code = _prefill_code(pg_client)
    filled = pg_client.post(
        "/v1/prefill", json={"matter_code": code, "card": _sealed_card()}, headers=KIOSK
    )
    assert filled.status_code == 200, filled.text
    entries = pg_client.get("/v1/review/audit", headers=AUDRA).json()
    by_action = {e["action"]: e for e in entries}
    assert by_action["auth.failed"]["actor"] == "anonymous"
    assert by_action["kiosk.prefill"]["actor"] == "kiosk:K-A"
    assert by_action["matter.import.samples"]["actor"] == "system"
    assert all(datetime.fromisoformat(e["at"]).utcoffset() is not None for e in entries)

    engine = create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            columns = conn.execute(
                text(
                    "SELECT table_name, column_name, data_type FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND data_type LIKE 'timestamp%'"
                )
            ).all()
            rows = conn.execute(text("SELECT * FROM guardrails_audit")).all()
    finally:
        engine.dispose()
    assert {"guardrails_audit", "guardrails_review_items", "knowledge_matter_versions"} <= {
        c.table_name for c in columns
    }
    naive = [
        (c.table_name, c.column_name) for c in columns if c.data_type != "timestamp with time zone"
    ]
    assert naive == []
    dump = "\n".join(" ".join(str(v) for v in row) for row in rows)
    card = synthetic_identities()[0]
    values = [card.name, card.id_number, card.address, card.birth_date.isoformat()]
    assert [v for v in values if v in dump] == []
    assert "audit.read" in dump  # the read above was itself recorded
