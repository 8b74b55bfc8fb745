"""Synthetic knowledge bases for the benchmark: the sample matters, grown to N matters.

A province's or city's 实施清单 lists the same matter once per district and adds variants
(跨省通办, 告知承诺制, 容缺受理, ...). :func:`grow_matters` imitates that: it keeps the sample
matters as they are (so the dev set still has its answers) and adds copies of them with a new
code, a region word (``江苏省鼓楼区``) and often a variant word in the name, aliases and
department, and a deterministic random subset of the colloquial names, situations and English
aliases. The copies compete with the originals for every query term, so search work and
ranking difficulty grow as they would with a real, repetitive list.

Codes of copies are ``<base code>-R<5 digits>``; :func:`family_code` maps them back.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import TypeVar

from knowledge.models import Matter

PROVINCES: tuple[str, ...] = (
    "北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省",
    "上海市", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省",
    "湖南省", "广东省", "广西壮族自治区", "海南省", "重庆市", "四川省", "贵州省", "云南省",
    "西藏自治区", "陕西省", "甘肃省", "青海省", "宁夏回族自治区", "新疆维吾尔自治区",
)  # fmt: skip
"""Provincial-level regions (31)."""

DISTRICTS: tuple[str, ...] = (
    "东城区", "西城区", "朝阳区", "海淀区", "鼓楼区", "玄武区", "秦淮区", "建邺区", "西湖区",
    "拱墅区", "滨江区", "天河区", "越秀区", "福田区", "南山区", "武侯区", "锦江区", "青羊区",
    "江岸区", "洪山区", "岳麓区", "芙蓉区", "雁塔区", "碑林区", "历下区", "市南区", "和平区",
    "南开区", "浦东新区", "徐汇区", "静安区", "黄浦区", "思明区", "仓山区", "五华区", "南明区",
    "金水区", "二七区", "新城区", "城关区",
)  # fmt: skip
"""District-level names (40); with :data:`PROVINCES` they give 1240 distinct regions."""

VARIANTS: tuple[str, ...] = (
    "", "", "", "（跨省通办）", "（告知承诺制）", "（容缺受理）", "（延伸服务点）", "（自助办理）",
)  # fmt: skip
"""Variant words appended to a copy's name; empty strings keep most names plain."""

_COPY_CODE = re.compile(r"^(?P<base>.+)-R\d{5}$")
_NAME_MAX = 100
_T = TypeVar("_T")


def region_word(variant: int) -> str:
    """The distinct region word of copy number ``variant`` (≥ 1), e.g. ``江苏省鼓楼区``."""
    slot = variant - 1
    province = PROVINCES[slot % len(PROVINCES)]
    district = DISTRICTS[(slot // len(PROVINCES)) % len(DISTRICTS)]
    cycle = slot // (len(PROVINCES) * len(DISTRICTS))
    return f"{province}{district}" + (f"第{cycle + 1}片区" if cycle else "")


def family_code(code: str) -> str:
    """The sample matter a code was copied from (the code itself for an original)."""
    match = _COPY_CODE.match(code)
    return match.group("base") if match else code


def _subset(rng: random.Random, items: Sequence[_T], keep: float) -> list[_T]:
    return [item for item in items if rng.random() < keep]


def _copy(base: Matter, variant: int, rng: random.Random) -> Matter:
    region = region_word(variant)
    suffix = rng.choice(VARIANTS)
    name = f"{region}{base.name}{suffix}"[:_NAME_MAX]
    update = {
        "code": f"{base.code}-R{variant:05d}",
        "name": name,
        "aliases": [f"{region}{a}"[:_NAME_MAX] for a in _subset(rng, base.aliases, 0.6)],
        "colloquial_names": _subset(rng, base.colloquial_names, 0.5),
        "situations": _subset(rng, base.situations, 0.5),
        "english_aliases": _subset(rng, base.english_aliases, 0.5),
        "department": f"{region}{base.department}"[:_NAME_MAX],
        "kiosk_route": f"{base.kiosk_route}/r{variant:05d}",
        "source": "synthetic benchmark copy",
    }
    # model_copy shares the unchanged nested models (materials, process, ...): a 100k-matter
    # base stays within memory, as a store would hand out distinct objects anyway.
    return base.model_copy(update=update)


def grow_matters(base: Sequence[Matter], size: int, *, seed: int = 47483) -> list[Matter]:
    """The ``base`` matters followed by synthetic copies, ``size`` matters in all.

    Args:
        base: the published sample matters (kept first and unchanged).
        size: total number of matters, ≥ ``len(base)``.
        seed: seed of the deterministic choices (same inputs, same output).

    Returns:
        ``size`` matters with unique codes; copy ``i`` varies ``base[i % len(base)]``.

    Raises:
        ValueError: ``base`` is empty or ``size`` is smaller than it.
    """
    if not base:
        raise ValueError("base must hold at least one matter")
    if size < len(base):
        raise ValueError(f"size must be >= {len(base)} (the base matters), got {size}")
    rng = random.Random(seed)
    grown = list(base)
    for index in range(size - len(base)):
        template = base[index % len(base)]
        grown.append(_copy(template, index // len(base) + 1, rng))
    return grown
