"""统一社会信用代码 per GB 32100-2015, as clerks and scanners really type it."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from models import uscc
from models.errors import ValidationError


def test_every_shared_example_is_valid(shared_petitions):
    for rec in shared_petitions:
        assert uscc.validate(rec["enterprise"]["uscc"]) == rec["enterprise"]["uscc"]


@pytest.mark.parametrize("registrar, types", [(r, t) for r, (_, t) in uscc.REGISTRARS.items()])
def test_every_registrar_and_type_of_the_standard_is_accepted(registrar, types):
    for entity_type in types:
        code = uscc.make(f"{registrar}{entity_type}330102MA2B3C4D1")
        assert uscc.validate(code) == code
        assert uscc.describe(code)["entity_type"] == types[entity_type]


def test_village_collective_from_the_agricultural_registrar():
    """Scenario 3: a 村股份经济合作社, not issued by market regulation."""
    code = uscc.make("N2330102MA2B3C4D1")
    assert uscc.validate(code) == code
    assert uscc.describe(code)["registrar"] == "农业农村"


@pytest.mark.parametrize("typed", [
    "９１６５３２２４ＭＡ７Ｅ４Ｍ１Ｔ８Ｂ",                       # full-width from an IME
    "91653224ma7e4m1t8b",                                     # lower case
    " 9165 3224 MA7E 4M1T 8B ",                               # spaces
    "916532-24MA7E-4M1T8B",                                   # dashes
    "9165—3224－MA7E4M1T8B",                                  # CJK dashes
    "https://www.gsxt.gov.cn/corp?uniscid=91653224MA7E4M1T8B&t=1",   # licence QR payload
    "统一社会信用代码:91653224MA7E4M1T8B;名称:鑫禾餐饮管理有限公司",
])
def test_normalises_what_clerks_and_scanners_type(typed):
    assert uscc.validate(typed) == "91653224MA7E4M1T8B"


@pytest.mark.parametrize("bad, reason", [
    ("", "缺少"),
    ("91653224MA7E4M1T8", "18位"),
    ("91653224MA7E4M1T8C", "校验码"),
    ("91653224MA7E4M1TOB", "不允许的字符"),
    ("01653224MA7E4M1T8B", "登记管理部门"),
    ("94653224MA7E4M1T8B", "机构类别"),
    ("Y2653224MA7E4M1T8B", "机构类别"),
    ("91A53224MA7E4M1T8B", "行政区划"),
])
def test_invalid_codes_say_why(bad, reason):
    with pytest.raises(ValidationError) as err:
        uscc.validate(bad)
    assert reason in err.value.zh and err.value.field == "uscc"


_body = st.text(alphabet=uscc.ALPHABET, min_size=9, max_size=9)
_registrar = st.sampled_from([(r, t) for r, (_, ts) in uscc.REGISTRARS.items() for t in ts])


@given(_registrar, st.integers(110000, 820000), _body, st.lists(st.sampled_from([" ", "-", "　"]), max_size=4),
       st.booleans())
def test_any_valid_code_survives_formatting(reg, division, body, seps, lower):
    code = uscc.make(f"{reg[0]}{reg[1]}{division}{body}")
    text = code.lower() if lower else code
    for i, sep in enumerate(seps):
        pos = (i * 5 + 3) % len(text)
        text = text[:pos] + sep + text[pos:]
    assert uscc.validate(text) == code


@given(st.text(alphabet=uscc.ALPHABET, min_size=18, max_size=18))
def test_a_single_changed_character_is_caught(code):
    if uscc.problem(code) is not None:
        return
    for i in range(18):
        for c in "0A":
            if code[i] != c:
                changed = code[:i] + c + code[i + 1:]
                assert uscc.problem(changed) is not None or changed == code
