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

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MATTER_CODE_PATTERN = r"^[A-Z0-9][A-Z0-9\-]{2,63}$"
"""Matter codes (事项编码): upper-case letters, digits and hyphens, 3–64 characters."""

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


class IdCardField(StrEnum):
    """Fields of the resident ID card (GB 11643 number + card face) and values derived from it.

    ``AGE``, ``REGION`` and ``SEX`` may be derived from the number itself; the rest come from
    the chip read by the kiosk's ID card reader (§8.4).
    """

    NAME = "name"
    SEX = "sex"
    ETHNICITY = "ethnicity"
    BIRTH_DATE = "birth_date"
    ADDRESS = "address"
    ID_NUMBER = "id_number"
    ISSUING_AUTHORITY = "issuing_authority"
    VALID_FROM = "valid_from"
    VALID_UNTIL = "valid_until"
    AGE = "age"
    REGION = "region"


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
    form: MaterialForm = Field(default=MaterialForm.ORIGINAL, description="Original, copy, both")
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
    name: str = Field(min_length=2, max_length=100, description="Matter name (事项名称)")
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
    type: MatterType = Field(description="Matter type (事项类型)")
    department: str = Field(min_length=2, max_length=100, description="实施机构")
    service_objects: list[str] = Field(min_length=1, description="服务对象, e.g. 自然人")
    conditions: list[str] = Field(min_length=1, description="受理条件, one per item")
    materials: list[Material] = Field(min_length=1, description="申请材料")
    process: list[ProcessStep] = Field(min_length=1, description="办理流程, in order")
    time_limit: TimeLimit = Field(description="法定/承诺办结时限 in working days")
    fees: list[Fee] = Field(default_factory=list, description="Empty means free of charge")
    result: Result = Field(description="办理结果")
    channels: list[Channel] = Field(min_length=1, description="Where it can be handled")
    kiosk_available: bool = Field(default=False, description="Can be completed at the kiosk")
    locations: list[ServiceLocation] = Field(default_factory=list, description="办理地点")
    progress_query: str = Field(default="", max_length=300, description="How to query progress")
    consultation_phone: str = Field(min_length=3, max_length=20, description="咨询电话")
    complaint_phone: str = Field(min_length=3, max_length=20, description="监督投诉电话")
    legal_basis: list[str] = Field(default_factory=list, description="设定依据")
    themes: list[str] = Field(default_factory=list, description="一件事 themes it belongs to")
    cross_region: bool = Field(default=False, description="跨省通办")
    form_fields: list[FormField] = Field(default_factory=list, description="Application form")
    kiosk_route: str = Field(
        pattern=r"^kiosk://[a-z0-9/_\-]+$", description="Deep link for one-click entry"
    )
    source: str = Field(
        default="", max_length=200, description="Where the content comes from, e.g. sample"
    )

    @field_validator("consultation_phone", "complaint_phone")
    @classmethod
    def _phone_digits(cls, value: str) -> str:
        if not _PHONE_PATTERN.match(value):
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

    @model_validator(mode="after")
    def _kiosk_channel(self) -> MatterContent:
        if self.kiosk_available and Channel.KIOSK not in self.channels:
            raise ValueError("kiosk_available requires the kiosk channel")
        return self

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


class Hit(_Frozen):
    """One retrieval result: a matter and how well it matched.

    ``score`` is the fused score in [0, 1] (higher is better); ``channel_scores`` keeps the
    per-channel contribution (``bm25``, ``pinyin``, ``dense``, ...) for explanations.
    """

    matter: Matter
    score: float = Field(ge=0)
    channel_scores: dict[str, float] = Field(default_factory=dict)
