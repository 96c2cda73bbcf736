"""One JSON error shape for every 4xx/5xx: {code, message, message_en, detail?}."""
from __future__ import annotations

from typing import Any


class ApiError(Exception):
    def __init__(self, status: int, code: str, zh: str, en: str, *, detail: Any = None,
                 headers: dict[str, str] | None = None):
        super().__init__(en)
        self.status, self.code, self.zh, self.en = status, code, zh, en
        self.detail, self.headers = detail, headers

    def body(self) -> dict:
        out = {"code": self.code, "message": self.zh, "message_en": self.en}
        if self.detail is not None:
            out["detail"] = self.detail
        return out


def not_found(what_zh: str, what_en: str) -> ApiError:
    return ApiError(404, "not_found", f"找不到{what_zh}。", f"No such {what_en}.")


def bad_request(zh: str, en: str, code: str = "invalid") -> ApiError:
    return ApiError(400, code, zh, en)
