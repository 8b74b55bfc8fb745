"""Test factories: matters and sample knowledge."""

from __future__ import annotations

from functools import cache
from typing import Any

from knowledge.importers import BUNDLED_SAMPLES_DIR, read_matter_dir
from knowledge.models import Matter, MatterContent


def make_content(code: str = "TS-0001", **overrides: Any) -> MatterContent:
    """A complete, valid matter content; override any field."""
    data: dict[str, Any] = {
        "code": code,
        "name": "测试事项办理",
        "aliases": ["测试事项"],
        "colloquial_names": ["办测试"],
        "type": "公共服务",
        "department": "测试局",
        "service_objects": ["自然人"],
        "conditions": ["本市居民"],
        "materials": [{"name": "居民身份证", "form": "original"}],
        "process": [{"name": "受理"}, {"name": "办结"}],
        "time_limit": {"legal_working_days": 20, "promised_working_days": 5},
        "fees": [],
        "result": {"name": "测试证明", "delivery": "窗口领取"},
        "channels": ["window"],
        "consultation_phone": "12345",
        "complaint_phone": "12345",
        "kiosk_route": f"kiosk://matters/{code.lower()}",
    }
    data.update(overrides)
    return MatterContent.model_validate(data)


@cache
def sample_contents() -> tuple[MatterContent, ...]:
    """The bundled sample matters (read once per test session)."""
    return tuple(read_matter_dir(BUNDLED_SAMPLES_DIR))


def published(content: MatterContent, version: int = 1) -> Matter:
    """``content`` as a published matter."""
    return Matter.model_validate({**content.model_dump(), "status": "published", "version": version})


def sample_matters() -> list[Matter]:
    """The bundled sample matters, published."""
    return [published(c) for c in sample_contents()]
