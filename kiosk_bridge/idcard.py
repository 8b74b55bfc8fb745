"""The resident ID card record and its checks (GB 11643 number, validity period).

:class:`IdCardData` is what the card reader yields after decryption. It lives only in memory
for the duration of one pre-fill call; its ``repr`` hides every value, so it cannot leak into
a log or a traceback by accident.

GB 11643—1999: 18 characters = 6-digit region (GB/T 2260) + 8-digit birth date (YYYYMMDD) +
3-digit sequence (odd for men, even for women) + check character, computed as
``(12 - Σ aᵢ·wᵢ mod 11) mod 11`` with weights ``wᵢ = 2^(17-i) mod 11``, 10 written "X".
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kiosk_bridge.errors import IdCardExpiredError, IdNumberInvalidError
from kiosk_bridge.regions import region_name

_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_CHECK = "10X98765432"


def check_character(first17: str) -> str:
    """GB 11643 check character of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def id_number_valid(number: str) -> bool:
    """True when ``number`` is 18 characters with a real birth date and the right check digit."""
    if len(number) != 18 or not number[:17].isdigit() or number[17] not in "0123456789X":
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return born.year >= 1900 and check_character(number[:17]) == number[17]


class IdCardData(BaseModel):
    """The ID card's chip record. Never stored, never logged (GB/T 47483 §9.4.1 d)."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    name: str = Field(min_length=1, max_length=60, repr=False)
    sex: Literal["男", "女"] = Field(repr=False)
    ethnicity: str = Field(min_length=1, max_length=20, repr=False)
    birth_date: date = Field(repr=False)
    address: str = Field(min_length=1, max_length=200, repr=False)
    id_number: str = Field(min_length=18, max_length=18, repr=False)
    issuing_authority: str = Field(min_length=1, max_length=100, repr=False)
    valid_from: date = Field(repr=False)
    valid_until: date | None = Field(default=None, repr=False, description="None: 长期 (no end)")

    @field_validator("id_number")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    def validate_for_use(self, today: date) -> None:
        """Check the number (GB 11643) and the validity period.

        Raises:
            IdNumberInvalidError: Bad format, birth date or check digit, or the number
                disagrees with the card's birth date or sex.
            IdCardExpiredError: ``valid_until`` is before ``today``.
        """
        n = self.id_number
        if not id_number_valid(n):
            raise IdNumberInvalidError()
        if n[6:14] != self.birth_date.strftime("%Y%m%d") or self.sex != self.sex_from_number():
            raise IdNumberInvalidError("身份证号码与证件信息不一致，请重新读卡或到窗口办理")
        if self.valid_until is not None and self.valid_until < today:
            raise IdCardExpiredError()

    def sex_from_number(self) -> Literal["男", "女"]:
        """Sex from the sequence digit (17th character): odd = 男, even = 女."""
        return "男" if int(self.id_number[16]) % 2 else "女"

    def age_on(self, today: date) -> int:
        """Full years of age on ``today``."""
        born = self.birth_date
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    def region(self) -> str | None:
        """Household region (户籍地区) from the first six digits (GB/T 2260)."""
        return region_name(self.id_number[:6])
