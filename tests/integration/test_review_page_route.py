"""The reviewer page's routes without a browser: HTML, assets, headers, packaging, and the two
small API additions it uses (``GET /v1/review/me``, the audit log's ``target`` filter)."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.app import create_app
from tests.factories import TOKENS, reviewer_settings

pytestmark = pytest.mark.integration

REVIEWER = TOKENS["alice"]
AUDITOR = TOKENS["audra"]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def page_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path_factory.mktemp('page')}/daoban.db"
    settings = reviewer_settings(url, scope_classifier=False)
    with TestClient(create_app(settings)) as client:
        yield client


def test_page_is_served_with_strict_headers(page_client: TestClient) -> None:
    response = page_client.get("/review")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    assert response.headers["cache-control"] == "no-store"
    assert "内容审核工作台" in response.text and "访问令牌" in response.text
    assets = re.findall(r'(?:src|href)="(/(?:review|backoffice)/static/[^"]+)"', response.text)
    assert sorted(a.split("?")[0] for a in assets) == [
        "/backoffice/static/backoffice.css",
        "/review/static/review.js",
    ]
    for asset in assets:
        served = page_client.get(asset)
        assert served.status_code == 200
        assert "https://" not in served.text and "http://" not in served.text  # no CDN


def test_unknown_asset_is_404(page_client: TestClient) -> None:
    response = page_client.get("/review/static/../api.py")
    assert response.status_code == 404
    assert page_client.get("/review/static/other.js").status_code == 404
    assert page_client.get("/review/static/review.css").status_code == 404  # shared now
    assert page_client.get("/backoffice/static/../pages.py").status_code == 404
    assert page_client.get("/backoffice/static/other.css").status_code == 404


def test_page_is_not_in_the_api_schema(page_client: TestClient) -> None:
    paths = page_client.get("/openapi.json").json()["paths"]
    assert "/review" not in paths and "/v1/review/me" in paths


def test_me_names_the_token_holder(page_client: TestClient) -> None:
    me = page_client.get("/v1/review/me", headers={"Authorization": f"Bearer {AUDITOR}"})
    assert me.json() == {"name": "audra", "role": "auditor"}
    assert page_client.get("/v1/review/me").status_code == 401


def test_audit_filters_by_target(page_client: TestClient) -> None:
    auth = {"Authorization": f"Bearer {REVIEWER}"}
    for term in ("审核页测试词一", "审核页测试词二"):
        added = page_client.post(
            "/v1/lexicon/terms", json={"term": term, "category": "illegal"}, headers=auth
        )
        assert added.status_code == 201
    entries = page_client.get(
        "/v1/review/audit", params={"target": "term:illegal"}, headers=auth
    ).json()
    assert [e["detail"] for e in entries[:2]] == ["审核页测试词二", "审核页测试词一"]
    none = page_client.get("/v1/review/audit", params={"target": "review:0"}, headers=auth)
    assert none.json() == []


def test_templates_and_static_files_are_package_data() -> None:
    """A non-editable install must carry the page: pyproject's package-data covers its files."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["*"]
    files = [
        *(ROOT / "guardrails" / "templates").iterdir(),
        *(ROOT / "guardrails" / "static").iterdir(),
        *(ROOT / "daoban" / "static").iterdir(),
        *(ROOT / "daoban" / "templates").iterdir(),
    ]
    assert files
    for path in files:
        assert any(fnmatch.fnmatch(path.name, p) for p in patterns), path.name
