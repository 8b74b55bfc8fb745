"""Shared fixtures: settings on a temporary SQLite file, the real app, PostgreSQL when present."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from assistant.app import create_app
from assistant.runtime import Runtime, build_runtime
from assistant.settings import Settings

POSTGRES_URL = os.environ.get(
    "DAOBAN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)

SettingsFactory = Callable[..., Settings]

SEMANTIC_OFF = ("DAOBAN_KNOWLEDGE__SEMANTIC_CHANNEL", "false")
"""Embedding every sample matter with e5 takes seconds per runtime: tests run the lexical
channels unless they ask for the semantic one (tests/models does, with the real model). Set
at import too, so module- and session-scoped runtimes (built before any function-scoped
fixture runs) see it."""
TEST_CACHE = Path(__file__).resolve().parents[1] / "var" / "test-cache"

TEST_DEFAULTS = (
    SEMANTIC_OFF,
    # The in-process test client calls from "testclient", not loopback, and a module's tests
    # send hundreds of requests a minute: kiosk credentials and rate limits have their own
    # tests (tests/integration/test_protection.py, test_kiosk_credentials.py).
    ("DAOBAN_KIOSK__ANONYMOUS", "allow"),
    ("DAOBAN_PROTECTION__ENABLED", "false"),
    # Trained classifiers and snapshots are keyed by their data: one folder for the whole run,
    # so each app (in process or a browser test's server, whatever its cwd) trains once.
    ("DAOBAN_GUARDRAILS__TOPIC_CACHE_DIR", str(TEST_CACHE / "guardrails")),
    ("DAOBAN_SNAPSHOT_DIR", str(TEST_CACHE / "snapshots")),
    ("DAOBAN_KNOWLEDGE__INDEX_CACHE_DIR", str(TEST_CACHE / "knowledge")),
    # No recognizer unless a test names one (asr_model_path for vosk; the Whisper tests build
    # theirs). "auto" (Whisper) would be harmless now that it loads on first audio only, but a
    # test app's /v1/asr should not run a 150 MB model by accident.
    ("DAOBAN_SPEECH__ASR_ENGINE", "vosk"),
)
"""Set at import as well as per test, so module-scoped apps see them too."""
for _name, _value in TEST_DEFAULTS:
    os.environ[_name] = _value

# libvosk's initialiser blocked forever on a mutex when it was first loaded after
# ctranslate2 (faster-whisper) in the same process: load it first, in the main thread.
with contextlib.suppress(ImportError):
    import vosk  # noqa: F401


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No DAOBAN_* variable of the developer's shell leaks into a test."""
    for name in list(os.environ):
        if name.startswith("DAOBAN_") and name != "DAOBAN_TEST_POSTGRES_URL":
            monkeypatch.delenv(name)
    for name, value in TEST_DEFAULTS:
        monkeypatch.setenv(name, value)


@pytest.fixture
def settings_factory(tmp_path: Path) -> SettingsFactory:
    """Build settings on a fresh SQLite file under ``tmp_path``; keyword overrides apply."""

    def make(**overrides: object) -> Settings:
        overrides.setdefault("database_url", f"sqlite:///{tmp_path}/daoban.db")
        return Settings(**overrides)  # type: ignore[arg-type]

    return make


@pytest.fixture(scope="module")
def module_db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite URL shared by the tests of one module."""
    return f"sqlite:///{tmp_path_factory.mktemp('db')}/daoban.db"


@pytest.fixture(scope="module")
def runtime(module_db_url: str) -> Iterator[Runtime]:
    """A runtime on the sample knowledge base (SQLite), shared by a module."""
    rt = build_runtime(Settings(database_url=module_db_url))
    yield rt
    rt.close()


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The real app (lifespan run) on a fresh SQLite database with the sample matters."""
    url = f"sqlite:///{tmp_path_factory.mktemp('app')}/daoban.db"
    with TestClient(create_app(Settings(database_url=url))) as test_client:
        yield test_client


def postgres_available() -> bool:
    """True when the test PostgreSQL server answers."""
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception:  # noqa: BLE001
        return False
    return True


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty schema on the test PostgreSQL server, dropped afterwards."""
    if not postgres_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL not reachable at {make_url(POSTGRES_URL).host}")
        pytest.skip("PostgreSQL not reachable")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
