"""The fields of the resident ID card, shared by the matter model and the kiosk bridge.

A matter's form field names the card field that fills it (``knowledge.models.FormField``), and
the kiosk bridge fills it from the card it reads (``kiosk_bridge.prefill``): one list, so the
two cannot drift apart.
"""

from __future__ import annotations

from enum import StrEnum


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
