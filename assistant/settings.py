"""The settings tree: one :class:`Settings` with a section per package.

Values come, in order of precedence, from keyword arguments, ``DAOBAN_*`` environment variables
(nested with ``__``: ``DAOBAN_KNOWLEDGE__TOP_K=3``) and an optional YAML file named by
``DAOBAN_CONFIG_FILE``. Nothing is read at import: call :func:`load_settings`.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from assistant.protection.settings import ProtectionSettings
from assistant.stats.settings import StatsSettings
from guardrails.settings import GuardrailSettings
from kiosk_bridge.settings import KioskBridgeSettings
from knowledge.editor.settings import EditorSettings
from knowledge.settings import KnowledgeSettings
from speech.settings import SpeechSettings


class ChatModelSettings(BaseModel):
    """Optional OpenAI-compatible chat model that phrases answers (vLLM, Ollama, ...)."""

    base_url: str | None = Field(
        default=None, description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1"
    )
    model: str = Field(default="qwen2.5-7b-instruct", description="Model name at the endpoint")
    api_key: SecretStr = Field(default=SecretStr("not-needed"), description="Endpoint API key")
    timeout_ms: int = Field(default=3000, ge=100, le=60000, description="Per-call timeout")
    breaker_failures: int = Field(
        default=3, ge=1, le=100,
        description="Consecutive failures or timeouts that open the circuit: the extractive "
        "composer then answers at once and /health shows the chat model down",
    )
    breaker_reset_s: float = Field(
        default=30, ge=1, le=3600, description="Seconds the circuit stays open before one trial"
    )


class AssistantSettings(BaseModel):
    """Dialogue settings."""

    session_ttl_s: int = Field(
        default=300, ge=10, le=3600, description="Idle seconds before a dialogue state is dropped"
    )
    max_sessions: int = Field(default=10000, ge=1, description="Dialogue states kept in memory")
    hotline: str = Field(default="12345", description="Government service hotline (§7.1 e)")
    chat: ChatModelSettings = Field(default_factory=ChatModelSettings)
    change_poll_s: float = Field(
        default=2.0, ge=0.1, le=60,
        description="Seconds between change-feed reads of the database: how late a worker "
        "applies another worker's publish, lexicon or correction when no Redis message came",
    )


class Settings(BaseSettings):
    """All daoban settings (``DAOBAN_*``)."""

    model_config = SettingsConfigDict(
        env_prefix="DAOBAN_", env_nested_delimiter="__", extra="ignore"
    )

    database_url: str = Field(
        default="sqlite:///var/daoban.db",
        description="SQLAlchemy URL: SQLite file by default, postgresql+psycopg://… in production",
    )
    log_level: str = Field(default="INFO", description="Python logging level")
    log_format: str = Field(
        default="text", pattern="^(text|json)$",
        description="text (key=value lines) or json (one JSON object a line, with request_id)",
    )
    snapshot_dir: Path = Field(
        default=Path("var/snapshots"),
        description="Per-node folder of trained-model snapshots shared by the node's workers "
        "(keyed by model code, policy and catalogue; written by the service only)",
    )
    use_release_artefacts: bool = Field(
        default=True,
        description="Copy the fitted classifiers shipped with the release into the node's "
        "caches when missing (assistant/composition/release): a first start on the bundled "
        "samples loads them instead of training for minutes",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis (redis://127.0.0.1:6379/0) for dialogue sessions shared by every "
        "worker and the change feed's pub/sub; unset: sessions in memory (one process)",
    )
    assistant: AssistantSettings = Field(default_factory=AssistantSettings)
    knowledge: KnowledgeSettings = Field(default_factory=KnowledgeSettings)
    guardrails: GuardrailSettings = Field(default_factory=GuardrailSettings)
    speech: SpeechSettings = Field(default_factory=SpeechSettings)
    kiosk: KioskBridgeSettings = Field(default_factory=KioskBridgeSettings)
    stats: StatsSettings = Field(default_factory=StatsSettings)
    editor: EditorSettings = Field(default_factory=EditorSettings)
    protection: ProtectionSettings = Field(default_factory=ProtectionSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Add the YAML file named by ``DAOBAN_CONFIG_FILE`` below the environment."""
        del dotenv_settings, file_secret_settings  # not used: no .env files, no secrets dir
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = os.environ.get("DAOBAN_CONFIG_FILE")
        if config_file:
            sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=Path(config_file)))
        return tuple(sources)


def load_settings(**overrides: object) -> Settings:
    """Build the settings from the environment, the config file and ``overrides``."""
    return Settings(**overrides)  # type: ignore[arg-type]
