"""Helpers shared by the routers."""
from __future__ import annotations

import datetime as dt
from typing import Any

from models.county import CountyConfig

from .core import storable
from .errors import ApiError
from .schemas import ErrorBody

ERRORS = {s: {"model": ErrorBody} for s in (400, 401, 403, 404, 409, 413, 422)}


def when(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.timezone.utc).isoformat(timespec="seconds") if value else None


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def normalise_config(code: str, name: str, data: dict[str, Any]) -> dict[str, Any]:
    """Validate a county configuration with models.county and store it normalised (unknown
    keys are kept; county_code is the county's)."""
    if not storable(data):
        raise ApiError(400, "invalid", "配置包含无法保存的字符。", "The configuration holds invalid characters.")
    data = dict(data)
    data["county_code"] = code
    data.setdefault("county_name", name)
    try:
        cfg = CountyConfig.from_json(data)
    except Exception as exc:  # models raise ValidationError; odd shapes raise others
        en = getattr(exc, "en", str(exc))
        raise ApiError(400, "invalid_config", "县级配置格式不正确。", f"Invalid county configuration: {en}")
    if not cfg.departments:
        raise ApiError(400, "invalid_config", "县级配置至少需要一个部门。", "The configuration needs departments.")
    return {**data, **cfg.to_json()}
