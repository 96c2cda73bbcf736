"""The one error vocabulary of the project.

A ``UserError`` is the user's environment or input (bad USCC, disk full, server down):
it carries a clear Chinese message plus English, and never loses typed data.  Anything
else that escapes is a bug: logged with its traceback and shown as a bug.
"""
from __future__ import annotations


class UserError(Exception):
    """Something the clerk, the input or the environment can fix; not our bug."""

    code = "user_error"

    def __init__(self, zh: str, en: str = "", *, code: str | None = None, field: str | None = None):
        super().__init__(f"{zh} / {en}" if en else zh)
        self.zh = zh
        self.en = en or zh
        self.field = field
        if code:
            self.code = code

    def as_dict(self) -> dict:
        d = {"code": self.code, "message": self.zh, "message_en": self.en}
        if self.field:
            d["field"] = self.field
        return d


class ValidationError(UserError):
    code = "invalid"


class StoreError(UserError):
    """The database file cannot be used as it is (newer schema, corrupt, locked, disk full)."""

    code = "store"


class NewerDatabaseError(StoreError):
    code = "newer_database"


class CorruptDatabaseError(StoreError):
    code = "corrupt_database"


class ConflictError(UserError):
    """The case moved on since the clerk looked at it."""

    code = "conflict"


class TransitionError(UserError):
    """An action that the case's current status does not allow."""

    code = "bad_transition"


def is_user_error(exc: BaseException) -> bool:
    """Sort an exception into the user's environment versus our bug, in one place."""
    import sqlite3

    if isinstance(exc, UserError):
        return True
    if isinstance(exc, OSError):  # disk full, permission denied, network unreachable
        return True
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc).lower()
        return any(k in text for k in ("locked", "disk", "readonly", "full", "unable to open"))
    return False


def describe(exc: BaseException) -> str:
    """A sentence in Chinese for the clerk, whatever the exception."""
    import errno
    import sqlite3

    if isinstance(exc, UserError):
        return exc.zh
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "磁盘空间不足，未能保存。请清理磁盘后重试，已输入的内容已保留。"
    if isinstance(exc, OSError):
        return f"文件或网络操作失败：{exc.strerror or exc}"
    if isinstance(exc, sqlite3.OperationalError):
        if "locked" in str(exc).lower():
            return "数据库正被其他程序占用，请稍后重试。"
        return f"数据库操作失败：{exc}"
    return f"程序内部错误（{type(exc).__name__}），已记录到日志。"
