"""The metadata of every package's tables, for Alembic autogenerate.

Each package owns its ``DeclarativeBase`` in its ``tables.py``; rows in different packages
refer to each other by value (a matter code), never by foreign key.
"""

from __future__ import annotations

from assistant.composition.tables import CompositionBase
from guardrails.tables import GuardrailsBase
from knowledge.tables import KnowledgeBase

target_metadata = [KnowledgeBase.metadata, GuardrailsBase.metadata, CompositionBase.metadata]
