import json
from datetime import date

import pytest

from kiosk_bridge.errors import (
    IdCardDecryptError,
    IdCardExpiredError,
    IdCardFormatError,
    IdCardIntegrityError,
    IdNumberInvalidError,
)
from kiosk_bridge.idcard import id_number_valid
from kiosk_bridge.prefill import CardSource, FormFieldSpec, PrefilledForm, Prefiller
from kiosk_bridge.regions import region_name
from kiosk_bridge.sealing import Direction, hmac_sm3, sm3_digest
from kiosk_bridge.testdata import synthetic_id_number, synthetic_identities

from .conftest import TODAY

FIELDS = [
    FormFieldSpec(key="applicant", label="申请人", source=CardSource.NAME),
    FormFieldSpec(key="gender", label="性别", source=CardSource.SEX),
    FormFieldSpec(key="age", label="年龄", source=CardSource.AGE),
    FormFieldSpec(key="hukou", label="户籍地", source=CardSource.REGION),
    FormFieldSpec(key="valid", label="有效期至", source=CardSource.VALID_UNTIL),
    FormFieldSpec(key="phone", label="联系电话"),
]


def test_sm3_known_answer():
    # GB/T 32905 appendix A example 1
    assert sm3_digest(b"abc").hex().startswith("66c7f0f462eeedd9d1f2d46bdc10e4e2")
    assert len(hmac_sm3(b"k", b"m")) == 32


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        (synthetic_id_number("330106", date(1990, 3, 7), 123), True),
        ("11010519491231002X", True),
        ("110105194912310021", False),  # wrong check digit
        ("11010519491331002X", False),  # month 13
        ("1101051949123100", False),
        ("ABCDEFGHIJKLMNOPQR", False),
    ],
)
def test_gb11643(number, valid):
    assert id_number_valid(number) is valid


def test_regions():
    assert region_name("330106") == "浙江省杭州市"
    assert region_name("110101") == "北京市"
    assert region_name("469001") == "海南省"
    assert region_name("990000") is None


def prefill_card(sealer, index, fields=FIELDS):
    card = synthetic_identities()[index]
    sealed = sealer.seal(card.model_dump_json().encode(), direction=Direction.CARD)
    return Prefiller(sealer, clock=lambda: TODAY).prefill("HJ-0001", sealed, fields)


def test_prefill_maps_fields_and_derives_and_seals(sealer):
    response = prefill_card(sealer, 0)
    assert response.filled == ["applicant", "gender", "age", "hukou", "valid"]
    assert response.to_type == ["phone"]
    assert "测试甲" not in response.model_dump_json()  # sealed, not in clear
    form = PrefilledForm.model_validate_json(
        sealer.open(response.sealed_form, direction=Direction.FORM))
    values = {f.key: f.value for f in form.fields}
    assert values == {"applicant": "测试甲", "gender": "男", "age": "36",
                      "hukou": "浙江省杭州市", "valid": "2040-05-01"}
    assert "资格审核" in form.notice


def test_long_validity_card(sealer):
    form = PrefilledForm.model_validate_json(sealer.open(prefill_card(sealer, 1).sealed_form,
                                                          direction=Direction.FORM))
    assert {f.key: f.value for f in form.fields}["valid"] == "长期"


def test_expired_card_is_refused(sealer):
    with pytest.raises(IdCardExpiredError):
        prefill_card(sealer, 2)


def test_tampered_or_malformed_payloads(sealer):
    card = synthetic_identities()[0]
    sealed = sealer.seal(card.model_dump_json().encode(), direction=Direction.CARD)
    prefiller = Prefiller(sealer, clock=lambda: TODAY)
    with pytest.raises(IdCardIntegrityError):
        prefiller.open_card(sealed.model_copy(update={"mac_hex": "0" * 64}))
    with pytest.raises(IdCardDecryptError):
        prefiller.open_card(sealed.model_copy(update={"ciphertext_base64": "!!"}))
    with pytest.raises(IdCardFormatError):
        prefiller.open_card(sealer.seal(b'{"name": "x"}', direction=Direction.CARD))
    bad = json.loads(card.model_dump_json())
    bad["id_number"] = bad["id_number"][:17] + ("0" if bad["id_number"][17] != "0" else "1")
    with pytest.raises(IdNumberInvalidError) as exc:
        prefiller.open_card(sealer.seal(json.dumps(bad).encode(), direction=Direction.CARD))
    assert bad["id_number"] not in str(exc.value)


def test_card_repr_hides_values():
    assert "测试甲" not in repr(synthetic_identities()[0])


def test_card_sources_are_the_matter_models_id_card_fields():
    # kiosk_bridge imports no sibling: both take the one list from daoban.idcard, and the
    # composition root's mapping by value stays the identity
    from daoban.idcard import IdCardField
    from knowledge import models

    assert models.FormField.model_fields["id_card_source"].annotation == IdCardField | None

    assert CardSource is IdCardField
    assert [s.value for s in CardSource] == [f.value for f in IdCardField]
