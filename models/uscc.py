"""统一社会信用代码 (GB 32100-2015): normalising what clerks and scanners type, validating.

python-stdnum's ``cn.uscc`` supplies the check character; it fell short on the format
(it wants eight digits in front, so it refuses the codes of registrars other than
market regulation, e.g. N2… for village collectives, and it accepts registrar/type
pairs the standard does not define), so the structure check is ours.
"""
from __future__ import annotations

import re
import unicodedata

from stdnum.cn import uscc as stdnum_uscc

from .errors import ValidationError

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

# GB 32100-2015 annex A: registrar (登记管理部门) -> entity types (机构类别) it issues.
REGISTRARS: dict[str, tuple[str, dict[str, str]]] = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体",
                    "9": "其他"}),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": ("司法行政", {"1": "律师执业机构", "2": "公证处", "3": "基层法律服务所",
                    "4": "司法鉴定机构", "5": "仲裁委员会", "9": "其他"}),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": ("旅游", {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地（大陆）代表机构",
                 "9": "其他"}),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("市场监管（工商）", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": ("农业农村", {"1": "组级集体经济组织", "2": "村级集体经济组织",
                    "3": "乡镇级集体经济组织", "9": "其他"}),
    "Y": ("其他", {"1": "其他"}),
}

_CODE_RUN = re.compile(r"[0-9A-Z]{18}")


def normalise(text: str) -> str:
    """Full-width to half-width, upper case, spaces and dashes of every kind removed."""
    text = unicodedata.normalize("NFKC", text or "")
    text = text.upper()
    return re.sub(r"[\s\-‐‑‒–—―－_·.]", "", text)


def extract(text: str) -> str:
    """The code from what a clerk typed or a scanner sent (a licence QR payload holds
    the code inside a URL or among other fields)."""
    cleaned = normalise(text)
    if len(cleaned) == 18:
        return cleaned
    # a scanner payload: look for an 18-character run that validates
    raw = unicodedata.normalize("NFKC", text or "").upper()
    for candidate in re.findall(r"(?<![0-9A-Z])[0-9A-Z]{18}(?![0-9A-Z])", raw):
        if problem(candidate) is None:
            return candidate
    for start in range(0, max(0, len(cleaned) - 17)):
        candidate = cleaned[start:start + 18]
        if problem(candidate) is None:
            return candidate
    return cleaned


def problem(code: str) -> str | None:
    """None when the code is valid, else the reason in Chinese."""
    if len(code) != 18:
        return f"统一社会信用代码应为18位，现为{len(code)}位"
    bad = [c for c in code if c not in ALPHABET]
    if bad:
        return f"含有不允许的字符“{bad[0]}”（不使用 I、O、Z、S、V）"
    registrar = REGISTRARS.get(code[0])
    if registrar is None:
        return f"第1位登记管理部门代码“{code[0]}”不在国家标准之列"
    if code[1] not in registrar[1]:
        return f"第2位机构类别“{code[1]}”不属于{registrar[0]}登记管理部门"
    if not code[2:8].isdigit() or code[2] == "0":
        return "第3–8位应为登记管理机关行政区划码（6位数字）"
    if stdnum_uscc.calc_check_digit(code[:17]) != code[17]:
        return "校验码不正确，请核对是否输错"
    return None


def validate(text: str) -> str:
    """The normalised, valid code, or a ``ValidationError`` saying what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("缺少统一社会信用代码。", "The unified social credit code is missing.",
                              field="uscc")
    code = extract(text)
    reason = problem(code)
    if reason:
        raise ValidationError(f"统一社会信用代码无效：{reason}。",
                              f"Invalid unified social credit code {code!r}.", field="uscc")
    return code


def describe(code: str) -> dict[str, str]:
    registrar, types = REGISTRARS[code[0]]
    return {"registrar": registrar, "entity_type": types[code[1]], "division": code[2:8]}


def make(prefix17: str) -> str:
    """Append the check character (used for demo data and tests)."""
    return prefix17 + stdnum_uscc.calc_check_digit(prefix17)
