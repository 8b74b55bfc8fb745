"""Validators that turn a pattern match into a confident detection.

* :func:`gb11643_valid` — the check digit of the 18-digit citizen identity number
  (GB 11643—1999, ISO 7064 MOD 11-2) and its birth date;
* :func:`gb11643_15_valid` — the birth date of the old 15-digit number (no check digit);
* :func:`luhn_valid` — the Luhn (mod 10) check of bank card numbers (ISO/IEC 7812-1).

The check digits are computed by python-stdnum (``stdnum.cn.ric``, ``stdnum.luhn``).
"""

from __future__ import annotations

from datetime import date

from stdnum import luhn
from stdnum.cn import ric


def _valid_date(year: int, month: int, day: int) -> bool:
    try:
        born = date(year, month, day)
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date(2100, 1, 1)


def gb11643_valid(digits: str) -> bool:
    """True for an 18-character ID number with a valid birth date and check digit.

    Args:
        digits: 17 digits followed by a digit or ``X``/``x``; separators already removed.
    """
    if len(digits) != 18 or not digits[:17].isdigit():
        return False
    if not _valid_date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14])):
        return False
    return ric.calc_check_digit(digits) == digits[17].upper()  # takes the full number


def gb11643_15_valid(digits: str) -> bool:
    """True for a 15-digit (pre-1999) ID number with a valid ``19yymmdd`` birth date."""
    if len(digits) != 15 or not digits.isdigit():
        return False
    return _valid_date(1900 + int(digits[6:8]), int(digits[8:10]), int(digits[10:12]))


def luhn_valid(digits: str) -> bool:
    """True when ``digits`` (13–19 digits) pass the Luhn mod-10 check."""
    if not digits.isdigit() or not 13 <= len(digits) <= 19:
        return False
    return bool(luhn.is_valid(digits))
