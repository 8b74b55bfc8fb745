"""The matter (事项) model: every element of GB/T 47483—2026 §6.2 and what the kiosk needs.

A :class:`Matter` is one government-service matter as a citizen meets it: its name and the
names people actually use, who may apply (受理条件), what to bring (申请材料), the steps
(办理流程), the time limits in working days (法定办结时限 / 承诺办结时限), fees, the result,
where and through which channels it is handled, the phones for consultation and complaint,
the form fields the kiosk pre-fills from the ID card (§7.6 c) and the kiosk route for the
one-click entry (§7.6 a). Matters enter, change and retire (§6.3/§6.4) through
:class:`MatterStatus` and a version number kept by the store.

Every model here is a frozen pydantic model: stages of the pipeline pass them around and
never mutate them.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from stdnum.cn import ric

from daoban.idcard import IdCardField

MATTER_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9\-]{2,63}$"
"""Matter codes (事项编码): letters, digits and hyphens, 3–64 characters. Official codes are
kept as published (one real 四川 code carries a lower-case letter)."""

KIOSK_ROUTE_PATTERN = r"^kiosk://[a-z0-9/_\-]+$"
"""Kiosk deep links (§7.6 a 一键直达): ``kiosk://`` then lower-case path segments."""

_PHONE_PATTERN = re.compile(r"^[0-9\-]{3,20}$")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MatterStatus(StrEnum):
    """Life cycle of a matter (GB/T 47483 §6.3 入驻, §6.4 调整与退出)."""

    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class MatterType(StrEnum):
    """Type of a matter (事项类型, §6.2), as government-service catalogues name them."""

    LICENSING = "行政许可"
    PAYMENT = "行政给付"
    CONFIRMATION = "行政确认"
    LEVY = "行政征收"
    RULING = "行政裁决"
    REWARD = "行政奖励"
    OTHER_POWER = "其他行政权力"
    PUBLIC_SERVICE = "公共服务"
    PUNISHMENT = "行政处罚"
    ENFORCEMENT = "行政强制"
    INSPECTION = "行政检查"


class GuideElement(StrEnum):
    """An element of a service guide (办事指南) that a region may leave unpublished.

    The §6.2 elements (类型, 服务对象, 受理条件, 申请材料, 办理流程, 法定办结时限, 办理结果) plus
    what the kiosk answers about: fee (收费), place (办理地点), channels and the consultation
    phone (§7.1 e). See :attr:`MatterContent.unpublished`.
    """

    TYPE = "type"
    SERVICE_OBJECTS = "service_objects"
    CONDITIONS = "conditions"
    MATERIALS = "materials"
    PROCESS = "process"
    LEGAL_TIME_LIMIT = "legal_time_limit"
    RESULT = "result"
    FEE = "fee"
    PLACE = "place"
    CHANNELS = "channels"
    CONSULTATION_PHONE = "consultation_phone"


GUIDE_ELEMENT_NAMES: dict[GuideElement, str] = {
    GuideElement.TYPE: "事项类型",
    GuideElement.SERVICE_OBJECTS: "服务对象",
    GuideElement.CONDITIONS: "受理条件",
    GuideElement.MATERIALS: "申请材料",
    GuideElement.PROCESS: "办理流程",
    GuideElement.LEGAL_TIME_LIMIT: "法定办结时限",
    GuideElement.RESULT: "办理结果",
    GuideElement.FEE: "收费标准",
    GuideElement.PLACE: "办理地点",
    GuideElement.CHANNELS: "办理渠道",
    GuideElement.CONSULTATION_PHONE: "咨询电话",
}
"""The Chinese name of each guide element, as the kiosk and the import report say it."""

EXPLICIT_ONLY_ELEMENTS = frozenset({GuideElement.FEE, GuideElement.PLACE})
"""Elements whose absence cannot be read from the content: no fee items means free of charge
(不收费) and a matter may be handled by its department without a listed office, so these are
unpublished only when the guide says so (``unpublished`` lists them)."""


_ELEMENTS = tuple(GuideElement)
_DETECTED_ELEMENTS = tuple(e for e in GuideElement if e not in EXPLICIT_ONLY_ELEMENTS)


def derive_kiosk_route(code: str) -> str:
    """The kiosk deep link of a matter whose guide gives none: ``kiosk://matters/<code>``.

    Deterministic (lower-cased code, the form the bundled samples use), so a re-import derives
    the same route. Raises nothing; ``code`` is assumed to match :data:`MATTER_CODE_PATTERN`.
    """
    return f"kiosk://matters/{code.lower()}"


class MaterialForm(StrEnum):
    """Whether a material is brought as an original, a copy, or both."""

    ORIGINAL = "original"
    COPY = "copy"
    ORIGINAL_AND_COPY = "original_and_copy"
    ELECTRONIC = "electronic"


class Channel(StrEnum):
    """Channels through which a matter can be handled."""

    WINDOW = "window"
    ONLINE = "online"
    MOBILE = "mobile"
    KIOSK = "kiosk"
    MAIL = "mail"


class Aspect(StrEnum):
    """The part of a matter a citizen asks about; each maps to sections of :class:`Matter`."""

    OVERVIEW = "overview"
    MATERIALS = "materials"
    CONDITIONS = "conditions"
    TIME_LIMIT = "time_limit"
    FEE = "fee"
    PLACE = "place"
    PROCESS = "process"
    CHANNELS = "channels"
    RESULT = "result"
    PROGRESS = "progress"


class Material(_Frozen):
    """One application material (申请材料)."""

    name: str = Field(min_length=1, max_length=200, description="Material name, e.g. 居民户口簿")
    form: MaterialForm | None = Field(
        default=MaterialForm.ORIGINAL,
        description="Original, copy, both; None when the guide does not say (imported names)",
    )
    count: int = Field(default=1, ge=0, le=99, description="Number of copies to bring")
    required: bool = Field(default=True, description="False for materials needed only in cases")
    notes: str = Field(default="", max_length=500, description="When it is needed, how it looks")
    e_licence_accepted: bool = Field(
        default=False, description="True when an electronic licence (电子证照) replaces it"
    )


class ProcessStep(_Frozen):
    """One step of the process (办理流程)."""

    name: str = Field(min_length=1, max_length=60, description="Step name, e.g. 受理")
    description: str = Field(default="", max_length=500, description="What happens in the step")


class TimeLimit(_Frozen):
    """Legal and promised time limits, in working days (法定办结时限 / 承诺办结时限).

    ``0`` means handled on the spot (即时办结); ``None`` means the catalogue gives none.
    """

    legal_working_days: int | None = Field(default=None, ge=0, le=3650)
    promised_working_days: int | None = Field(default=None, ge=0, le=3650)
    notes: str = Field(default="", max_length=300, description="E.g. what the clock excludes")

    @model_validator(mode="after")
    def _promised_within_legal(self) -> TimeLimit:
        legal, promised = self.legal_working_days, self.promised_working_days
        if legal is not None and promised is not None and promised > legal:
            raise ValueError("promised_working_days must not exceed legal_working_days")
        return self


class Fee(_Frozen):
    """One fee item. A matter with no fee items is free of charge (不收费)."""

    item: str = Field(min_length=1, max_length=100, description="What is charged for")
    amount_yuan: float = Field(ge=0, le=1_000_000, description="Amount in yuan (元)")
    notes: str = Field(default="", max_length=300, description="Reductions, who is exempt")
    basis: str = Field(default="", max_length=300, description="Document that sets the fee")


class ServiceLocation(_Frozen):
    """A place where the matter is handled (办理地点)."""

    name: str = Field(min_length=1, max_length=100, description="E.g. 区政务服务中心")
    address: str = Field(default="", max_length=200, description="Street address of the office")
    window: str = Field(default="", max_length=100, description="Window or zone, e.g. 3号窗口")
    hours: str = Field(default="", max_length=200, description="Office hours as published")


class Result(_Frozen):
    """What the citizen receives (办理结果) and how."""

    name: str = Field(min_length=1, max_length=100, description="E.g. 居住证")
    delivery: str = Field(default="", max_length=300, description="Collected, mailed, online")


class FormField(_Frozen):
    """A field of the matter's application form; ``id_card_source`` marks pre-fill (§7.6 c)."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,47}$", description="Machine name")
    label: str = Field(min_length=1, max_length=60, description="Label shown on the kiosk")
    id_card_source: IdCardField | None = Field(
        default=None, description="ID-card field that pre-fills it, if any"
    )
    required: bool = True


class MatterContent(_Frozen):
    """The editable content of a matter: the §6.2 elements and what the kiosk needs.

    This is what editors write and importers read; :class:`Matter` adds the bookkeeping the
    store maintains (status, version, editor, timestamps).
    """

    code: str = Field(pattern=MATTER_CODE_PATTERN, description="Matter code (事项编码)")
    name: str = Field(
        min_length=2, max_length=200, description="Matter name (事项名称); official names run long"
    )
    english_name: str = Field(default="", max_length=200, description="Name for the English UI")
    aliases: list[str] = Field(default_factory=list, description="Other official names")
    colloquial_names: list[str] = Field(
        default_factory=list, description="What citizens say: 补身份证, 办居住证"
    )
    situations: list[str] = Field(
        default_factory=list,
        description="Life situations (生活情形) that lead citizens here: 孩子出生, 钱包被偷",
    )
    english_aliases: list[str] = Field(
        default_factory=list, description="Other English phrasings: lost ID card, renew passport"
    )
    type: MatterType | None = Field(default=None, description="Matter type (事项类型)")
    department: str = Field(min_length=2, max_length=100, description="实施机构")
    level: str = Field(default="", max_length=20, description="实施层级: 省级, 市级, 县级, 区级")
    service_objects: list[str] = Field(default_factory=list, description="服务对象, e.g. 自然人")
    conditions: list[str] = Field(default_factory=list, description="受理条件, one per item")
    materials: list[Material] = Field(default_factory=list, description="申请材料")
    process: list[ProcessStep] = Field(default_factory=list, description="办理流程, in order")
    time_limit: TimeLimit = Field(
        default_factory=TimeLimit, description="法定/承诺办结时限 in working days"
    )
    fees: list[Fee] = Field(
        default_factory=list,
        description="Empty means free of charge, unless ``unpublished`` lists fee",
    )
    result: Result | None = Field(default=None, description="办理结果")
    channels: list[Channel] = Field(default_factory=list, description="Where it can be handled")
    kiosk_available: bool = Field(default=False, description="Can be completed at the kiosk")
    locations: list[ServiceLocation] = Field(default_factory=list, description="办理地点")
    progress_query: str = Field(default="", max_length=300, description="How to query progress")
    consultation_phone: str | None = Field(
        default=None, min_length=3, max_length=20, description="咨询电话"
    )
    complaint_phone: str | None = Field(
        default=None, min_length=3, max_length=20, description="监督投诉电话"
    )
    legal_basis: list[str] = Field(default_factory=list, description="设定依据")
    themes: list[str] = Field(default_factory=list, description="一件事 themes it belongs to")
    cross_region: bool = Field(default=False, description="跨省通办")
    form_fields: list[FormField] = Field(default_factory=list, description="Application form")
    kiosk_route: str = Field(
        pattern=KIOSK_ROUTE_PATTERN,
        description="Deep link for one-click entry; derived from the code when the source has "
        "none (see derive_kiosk_route)",
    )
    guide_url: str = Field(
        default="", max_length=500, pattern=r"^(https?://\S+)?$",
        description="The official guide page (办事指南) of the region's portal",
    )
    apply_url: str = Field(
        default="", max_length=500, pattern=r"^(https?://\S+)?$",
        description="The official online application page (在线申办)",
    )
    source: str = Field(
        default="", max_length=200, description="Where the content comes from, e.g. sample"
    )
    unpublished: list[GuideElement] = Field(
        default_factory=list,
        description="Guide elements the source does not publish. Completed on validation with "
        "every element whose content is absent; fee and place count only when listed. Answers "
        "about them say so and give the consultation phone, never a guess.",
    )

    @model_validator(mode="before")
    @classmethod
    def _derive_route(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("kiosk_route"):
            code = data.get("code")
            if isinstance(code, str) and re.match(MATTER_CODE_PATTERN, code):
                return {**data, "kiosk_route": derive_kiosk_route(code)}
        return data

    @field_validator("code")
    @classmethod
    def _not_an_id_number(cls, value: str) -> str:
        if len(value) == 18 and ric.is_valid(value):
            raise ValueError("code is a resident ID number (GB 11643), not a matter code")
        return value

    @field_validator("consultation_phone", "complaint_phone")
    @classmethod
    def _phone_digits(cls, value: str | None) -> str | None:
        if value is not None and not _PHONE_PATTERN.match(value):
            raise ValueError("phone must be digits and hyphens, 3–20 characters")
        return value

    @field_validator(
        "aliases", "colloquial_names", "situations", "english_aliases", "themes", "legal_basis"
    )
    @classmethod
    def _no_blank_names(cls, values: list[str]) -> list[str]:
        if any(not v.strip() for v in values):
            raise ValueError("entries must not be blank")
        return values

    @field_validator("service_objects", "conditions")
    @classmethod
    def _no_blank_items(cls, values: list[str]) -> list[str]:
        if any(not v.strip() for v in values):
            raise ValueError("entries must not be blank")
        return values

    @model_validator(mode="after")
    def _kiosk_channel(self) -> MatterContent:
        if self.kiosk_available and Channel.KIOSK not in self.channels:
            raise ValueError("kiosk_available requires the kiosk channel")
        return self

    @model_validator(mode="after")
    def _complete_unpublished(self) -> MatterContent:
        listed = set(self.unpublished)
        contradicted = sorted(e.value for e in listed if self.publishes(e))
        if contradicted:
            raise ValueError(
                "unpublished lists elements the matter gives: " + ", ".join(contradicted)
            )
        missing = listed | {
            e for e in _DETECTED_ELEMENTS if not self.publishes(e)
        }
        ordered = [e for e in _ELEMENTS if e in missing]
        if ordered != self.unpublished:
            # Frozen model: the normalised list is set once, here, during validation.
            object.__setattr__(self, "unpublished", ordered)
            self.__pydantic_fields_set__.add("unpublished")
        return self

    def publishes(self, element: GuideElement) -> bool:
        """True when the content gives ``element`` (whatever ``unpublished`` says).

        A legal time limit counts as given in working days or, for limits in natural days
        (自然日), in the notes when they name the 法定 limit.
        """
        match element:
            case GuideElement.TYPE:
                return self.type is not None
            case GuideElement.SERVICE_OBJECTS:
                return bool(self.service_objects)
            case GuideElement.CONDITIONS:
                return bool(self.conditions)
            case GuideElement.MATERIALS:
                return bool(self.materials)
            case GuideElement.PROCESS:
                return bool(self.process)
            case GuideElement.LEGAL_TIME_LIMIT:
                limit = self.time_limit
                return limit.legal_working_days is not None or "法定" in limit.notes
            case GuideElement.RESULT:
                return self.result is not None
            case GuideElement.FEE:
                return bool(self.fees)
            case GuideElement.PLACE:
                return bool(self.locations)
            case GuideElement.CHANNELS:
                return bool(self.channels)
            case GuideElement.CONSULTATION_PHONE:
                return self.consultation_phone is not None

    def lacks(self, element: GuideElement) -> bool:
        """True when the matter's guide does not publish ``element``."""
        return element in self.unpublished

    @property
    def names(self) -> list[str]:
        """Every name the matter is known by: name, aliases, colloquial names (in that order)."""
        return [self.name, *self.aliases, *self.colloquial_names]


class Matter(MatterContent):
    """A stored matter: content plus life-cycle bookkeeping kept by the store."""

    status: MatterStatus = MatterStatus.DRAFT
    version: int = Field(default=0, ge=0, description="Published version number; 0 if never")
    editor: str = Field(default="", max_length=64, description="Editor account of the change")
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def content(self) -> MatterContent:
        """Return the editable content without the bookkeeping fields."""
        return MatterContent.model_validate(
            self.model_dump(include=set(MatterContent.model_fields))
        )


class ChannelScores(_Frozen):
    """Each retrieval channel's score for one matter and question.

    Lexical channels are BM25 scores divided by the channel's best for the question, in
    [0, 1]; ``dense`` is the raw cosine similarity in [-1, 1] and ``dense_rank`` the matter's
    1-based rank by it (both None when the semantic channel is off).
    """

    names: float = 0.0
    chars: float = 0.0
    pinyin: float = 0.0
    situations: float = 0.0
    situations_pinyin: float = 0.0
    body: float = 0.0
    body_pinyin: float = 0.0
    dense: float | None = None
    dense_rank: int | None = None


class Hit(_Frozen):
    """One retrieval result: a matter and how well it matched.

    ``score`` is the final score in [0, 1] (higher is better). ``coverage`` is the share of
    the question's content the matter's text explains and ``matched`` the weighted count of
    those explained key syllables (the abstention rule reads both); ``semantic`` is the
    question's calibrated semantic match to the matter in [0, 1] (0 when the channel is off);
    ``channels`` keeps each channel's score for explanations and evaluation.
    """

    matter: Matter
    score: float = Field(ge=0)
    coverage: float = Field(default=0.0, ge=0, le=1)
    matched: float = Field(default=0.0, ge=0)
    semantic: float = Field(default=0.0, ge=0, le=1)
    channels: ChannelScores = Field(default_factory=ChannelScores)
