"""Synthetic test identities for the simulator and the tests (no real person).

Names are "测试" plus a serial; numbers carry valid GB 11643 check digits computed here, with
real GB/T 2260 province codes, so the full validation path runs.
"""

from __future__ import annotations

from datetime import date

from kiosk_bridge.idcard import IdCardData, check_character


def synthetic_id_number(region6: str, born: date, sequence: int) -> str:
    """An 18-character number with a correct check digit (``sequence`` 0–999; odd = 男)."""
    first17 = f"{region6}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


def synthetic_identities() -> list[IdCardData]:
    """Three synthetic cards.

    A 36-year-old man (杭州), an elderly woman (长期 validity, 北京) and an expired card (成都).
    """
    return [
        IdCardData(
            name="测试甲", sex="男", ethnicity="汉", birth_date=date(1990, 3, 7),
            address="浙江省杭州市西湖区测试路1号", issuing_authority="杭州市公安局西湖分局",
            id_number=synthetic_id_number("330106", date(1990, 3, 7), 123),
            valid_from=date(2020, 5, 1), valid_until=date(2040, 5, 1),
        ),
        IdCardData(
            name="测试乙", sex="女", ethnicity="回", birth_date=date(1948, 11, 20),
            address="北京市东城区测试胡同2号", issuing_authority="北京市公安局东城分局",
            id_number=synthetic_id_number("110101", date(1948, 11, 20), 246),
            valid_from=date(2010, 1, 1), valid_until=None,
        ),
        IdCardData(
            name="测试丙", sex="男", ethnicity="汉", birth_date=date(2001, 6, 30),
            address="四川省成都市武侯区测试街3号", issuing_authority="成都市公安局武侯区分局",
            id_number=synthetic_id_number("510107", date(2001, 6, 30), 17),
            valid_from=date(2011, 7, 1), valid_until=date(2021, 7, 1),
        ),
    ]
