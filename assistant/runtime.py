"""The composition root: build every service once from :class:`Settings` and pass it down.

Both the FastAPI lifespan (:mod:`assistant.app`) and the CLI build a :class:`Runtime` with
:func:`build_runtime`; nothing is built at import and there are no module-level singletons.

Start-up: migrate the database to the newest schema, give the guardrails the published
matters' words and warm them up (the topic classifier is trained once), load the bundled SAMPLE
matters if the knowledge base is empty (and configured to), warm up the models that are
present, build the retrieval index once, and subscribe it to the store so publishing
re-indexes without a restart.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from assistant.composition.change_feed import ChangeFeed
from assistant.composition.release import install_release_artefacts, install_release_passages
from assistant.composition.seeding import seed_samples_once
from assistant.composition.snapshots import FitSnapshots
from assistant.composition.wiring import attach_shared_state
from assistant.database import create_db_engine, make_sessionmaker, migrate
from assistant.dialogue import SessionStore
from assistant.generate.factory import build_composer
from assistant.pipeline import Pipeline
from assistant.replies import Replies
from assistant.settings import Settings
from daoban.memory import release_free_memory
from guardrails.encoder import TextEncoder
from guardrails.policy import Guardrails, build_guardrails
from guardrails.services import MatterTextCheck
from knowledge.models import Matter, MatterContent
from knowledge.retrieve import HybridRetriever
from knowledge.semantic import build_embedder, build_retriever
from knowledge.store import MatterStore
from knowledge.vectors import MatterVectorCache

logger = logging.getLogger(__name__)


@dataclass
class Runtime:
    """Every long-lived service of one daoban process."""

    settings: Settings
    engine: Engine
    sessions_db: sessionmaker[Session]
    store: MatterStore
    retriever: HybridRetriever
    guardrails: Guardrails
    dialogue: SessionStore
    pipeline: Pipeline
    health_probes: dict[str, Callable[[], tuple[bool, str]]] = field(default_factory=dict)
    """Named probes reported by ``/health``: each returns (available, detail)."""
    feed: ChangeFeed | None = None
    """The change feed this worker announces on and (once started) follows."""

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()


def matter_versions(matters: list[Matter]) -> dict[str, int]:
    """Published version per matter code (for the review queue's corrections)."""
    return {m.code: m.version for m in matters}


def build_runtime(settings: Settings, *, seed: bool = True) -> Runtime:
    """Build, migrate, seed and warm up everything; see the module docstring.

    ``seed=False`` never loads the samples (CLI commands: see
    :mod:`assistant.composition.seeding`); seeding takes a database lock, so several workers
    starting on an empty database load them once. Sessions go to Redis and changes to the
    change feed as configured (:func:`~assistant.composition.wiring.attach_shared_state`).
    """
    engine = create_db_engine(settings.database_url)
    migrate(engine)
    sessions_db = make_sessionmaker(engine)
    # One embedder for retrieval and the guard's meaning-based rails: the guard embeds the
    # screened question and retrieval reuses that vector (the embedder's query cache).
    embedder = build_embedder(settings.knowledge)
    retriever = build_retriever(settings.knowledge, sessions_db, embedder=embedder)
    retriever.warm_up()
    encoder = shared_encoder(embedder)
    if encoder is not None and settings.use_release_artefacts:
        install_release_artefacts(settings.snapshot_dir, settings.guardrails.topic_cache_dir)
        install_release_passages(MatterVectorCache(sessions_db), encoder.model_id)
    guardrails = build_guardrails(
        settings.guardrails, sessions_db, encoder=encoder,
        fit_with=FitSnapshots(settings.snapshot_dir).fit,
    )  # fmt: skip
    domain, turns = guardrails.domain, guardrails.turns
    store = MatterStore(sessions_db, content_check=matter_content_check(guardrails.matters))
    # A first start loads the samples before warm-up: their scan needs only the lexicon (with
    # the reviewers' changes) and the injection detector, and the topic classifier is then
    # trained once, on the catalogue it will serve, not once empty and again seeded.
    if seed:  # the sample scan prepares the lexicon itself, only when it runs
        seed_samples_once(engine, store, settings.knowledge)
    published = store.published()
    domain.add(domain_terms(published))
    guardrails.warm_up()
    retriever.rebuild(published)
    store.subscribe(retriever.rebuild)
    store.subscribe(lambda matters: domain.add(domain_terms(matters)))
    # Reviewers' corrections record the matter's version; a newer one sends them back to review.
    turns.matters_published(matter_versions(published))

    def corrections_follow(matters: list[Matter]) -> None:
        turns.matters_published(matter_versions(matters))

    store.subscribe(corrections_follow)
    # A rebuild frees far more than it keeps: hand the freed heap back (runs after the others).
    store.subscribe(lambda _matters: release_free_memory())
    release_free_memory()
    dialogue = SessionStore(
        ttl_s=settings.assistant.session_ttl_s, max_sessions=settings.assistant.max_sessions
    )
    pipeline = Pipeline(
        guard=guardrails.turn_guard,
        retriever=retriever,
        sessions=dialogue,
        replies=Replies(settings.assistant.hotline),
        composer=build_composer(settings.assistant.chat),
        top_k=settings.knowledge.top_k,
        abstain_coverage=settings.knowledge.abstain_score,
        abstain_matched=settings.knowledge.abstain_matched,
        abstain_semantic=settings.knowledge.abstain_semantic,
        clarify_margin=settings.knowledge.clarify_margin,
    )
    runtime = Runtime(
        settings=settings,
        engine=engine,
        sessions_db=sessions_db,
        store=store,
        retriever=retriever,
        guardrails=guardrails,
        dialogue=dialogue,
        pipeline=pipeline,
    )
    runtime.health_probes["guardrails"] = lambda: (
        True,
        f"policy {guardrails.policy.version}, {len(guardrails.lexicon.current)} lexicon terms",
    )
    attach_shared_state(runtime)
    return runtime


def shared_encoder(embedder: object) -> TextEncoder | None:
    """The retrieval embedder as the guard's sentence encoder, when it is one and is loaded.

    None otherwise: the guard then says in ``/health`` that it runs on characters only.
    """
    if not isinstance(embedder, TextEncoder):
        return None
    status = getattr(embedder, "status", None)
    if callable(status) and not getattr(status(), "available", False):
        return None
    return embedder


def domain_terms(matters: list[Matter]) -> list[str]:
    """Words that mark a question as about government services: every name and situation."""
    return [
        term
        for m in matters
        for term in [*m.names, *m.situations, m.english_name, *m.english_aliases]
        if term
    ]


def matter_content_check(matters: MatterTextCheck) -> Callable[[MatterContent], list[str]]:
    """The store's safety scan of matter text, backed by the guard's matter check (§9.4.1 a)."""

    def check(content: MatterContent) -> list[str]:
        texts = [
            *content.names,
            *content.situations,
            *content.conditions,
            *(m.name + m.notes for m in content.materials),
            *(s.name + s.description for s in content.process),
            content.time_limit.notes,
            content.progress_query,
        ]
        return [v.reason_code or "unsafe" for v in matters.scan(texts)]

    return check
