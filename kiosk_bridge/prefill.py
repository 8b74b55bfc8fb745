"""Form pre-fill from the ID card (GB/T 47483 §7.6 c), in memory only.

The kiosk sends the card record sealed (SM4 + HMAC-SM3, §9.3.2); :class:`Prefiller` opens it,
validates it (GB 11643 check digit, number consistent with the card, validity not expired),
maps it onto the matter's form fields, derived values included (age in full years, sex from
the number, household region from the GB/T 2260 code), and returns the form sealed again.

Nothing of the card is stored, logged or returned in clear; only counts and field keys leave
this module. The data fills a form and nothing else: it is never used to decide eligibility
(§9.4.1 e) — the response says so.

Example:
    >>> prefiller = Prefiller(sealer, clock=date.today)
    >>> response = prefiller.prefill("MATTER-1", sealed, [FormFieldSpec(key="name", ...)])
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from datetime import date

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from daoban.idcard import IdCardField
from kiosk_bridge.errors import IdCardFormatError
from kiosk_bridge.idcard import IdCardData
from kiosk_bridge.sealing import Direction, SealedPayload, Sealer

logger = logging.getLogger(__name__)

NOT_FOR_ELIGIBILITY = "预填信息仅用于减少输入，不作为资格审核或办理结论的依据，请核对后提交"


CardSource = IdCardField
"""Card fields and derived values a form field can take: the matter model's own list
(:class:`daoban.idcard.IdCardField`)."""


class FormFieldSpec(BaseModel):
    """A form field of the chosen matter, as the bridge needs it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,47}$")
    label: str = Field(min_length=1, max_length=60)
    source: CardSource | None = None


class FilledField(BaseModel):
    """One pre-filled value (inside the sealed response only)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    label: str
    value: str = Field(repr=False)
    source: CardSource
    derived: bool = Field(description="Computed from the number (age, region), not read")


class PrefilledForm(BaseModel):
    """The form as it travels back, sealed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    matter_code: str
    fields: list[FilledField]
    notice: str = NOT_FOR_ELIGIBILITY


class PrefillResponse(BaseModel):
    """``POST /v1/prefill`` answer: the sealed form plus non-personal bookkeeping."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    matter_code: str
    sealed_form: SealedPayload
    filled: list[str] = Field(description="Keys of the fields filled")
    to_type: list[str] = Field(description="Keys the citizen still types")
    notice: str = NOT_FOR_ELIGIBILITY


def _value(card: IdCardData, source: CardSource, today: date) -> tuple[str | None, bool]:
    match source:
        case CardSource.AGE:
            return str(card.age_on(today)), True
        case CardSource.REGION:
            return card.region(), True
        case CardSource.SEX:
            return card.sex, False
        case CardSource.VALID_UNTIL:
            return ("长期" if card.valid_until is None else card.valid_until.isoformat()), False
        case CardSource.BIRTH_DATE | CardSource.VALID_FROM:
            return getattr(card, source.value).isoformat(), False
        case _:
            return str(getattr(card, source.value)), False


class Prefiller:
    """Opens, validates and maps ID-card data; seals the result.

    Args:
        sealer: SM4/HMAC-SM3 keys shared with the kiosk.
        clock: Today's date (injected so tests fix it).
    """

    def __init__(self, sealer: Sealer, *, clock: Callable[[], date] = date.today) -> None:
        self._sealer = sealer
        self._clock = clock

    def open_card(self, sealed: SealedPayload) -> IdCardData:
        """Check integrity, decrypt and validate a sealed card record.

        Raises:
            IdCardIntegrityError: HMAC-SM3 mismatch.
            IdCardDecryptError: Cannot decrypt.
            IdCardReplayError: Sealed outside the time window, or already used.
            IdCardFormatError: Not a complete record.
            IdNumberInvalidError: GB 11643 check failed.
            IdCardExpiredError: Validity period over.
        """
        plaintext = self._sealer.open(sealed, direction=Direction.CARD)
        try:
            card = IdCardData.model_validate(json.loads(plaintext.decode("utf-8")))
        except (ValidationError, ValueError, UnicodeDecodeError):
            raise IdCardFormatError() from None  # never chain: the cause holds card data
        card.validate_for_use(self._clock())
        return card

    def fill(self, card: IdCardData, matter_code: str,
             fields: Sequence[FormFieldSpec]) -> PrefilledForm:
        """Map the card onto ``fields`` (fields without a source are left to type)."""
        today = self._clock()
        filled: list[FilledField] = []
        for spec in fields:
            if spec.source is None:
                continue
            value, derived = _value(card, spec.source, today)
            if value:
                filled.append(FilledField(key=spec.key, label=spec.label, value=value,
                                          source=spec.source, derived=derived))
        return PrefilledForm(matter_code=matter_code, fields=filled)

    def prefill(self, matter_code: str, sealed: SealedPayload,
                fields: Sequence[FormFieldSpec]) -> PrefillResponse:
        """Open, validate, fill and seal; see the module docstring."""
        return self.seal_form(self.fill(self.open_card(sealed), matter_code, fields), fields)

    def seal_form(self, form: PrefilledForm, fields: Sequence[FormFieldSpec]) -> PrefillResponse:
        """Seal ``form`` for the kiosk (direction form), with the keys filled and to type."""
        keys = [f.key for f in form.fields]
        logger.info("prefill done", extra={"filled": len(keys), "fields": len(fields)})
        return PrefillResponse(
            matter_code=form.matter_code,
            sealed_form=self._sealer.seal(form.model_dump_json().encode("utf-8"),
                                          direction=Direction.FORM),
            filled=keys,
            to_type=[f.key for f in fields if f.key not in keys],
        )
