"""Local clerks of this window: hashed passwords (scrypt), roles clerk / admin.

Every event records the clerk who caused it, so the window needs to know who sits at
it.  Passwords are never stored, only ``scrypt$n$r$p$salt$hash``; verification is
constant-time.  The first user of a fresh data directory must be an administrator.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import dataclass

from .calendar import iso, now
from .errors import ValidationError

ROLES = ("clerk", "admin")
ROLE_LABELS = {"clerk": "窗口人员", "admin": "管理员"}
# ~16 MiB and ~50 ms per hash: slow for a guesser, quick for a sign-in
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
MIN_PASSWORD = 6
_USERNAME = re.compile(r"^[A-Za-z0-9_.\-\u4e00-\u9fff]{1,32}$")


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: str
    active: bool = True

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_hex, hash_hex = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt_hex), n=int(n), r=int(r),
                                p=int(p), dklen=len(hash_hex) // 2)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest.hex(), hash_hex)


class Users:
    """The users table of one store (``Users(store.backend)``)."""

    def __init__(self, backend):
        self.backend = backend

    def count(self) -> int:
        return self.backend.scalar("SELECT count(*) FROM users") or 0

    def needs_first_admin(self) -> bool:
        return not self.backend.scalar("SELECT 1 FROM users WHERE role = 'admin' AND active = 1")

    def all(self) -> list[User]:
        return [User(r["username"], r["display_name"], r["role"], bool(r["active"]))
                for r in self.backend.query("SELECT * FROM users ORDER BY role DESC, username")]

    def get(self, username: str) -> User | None:
        r = self.backend.execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone()
        return User(r["username"], r["display_name"], r["role"], bool(r["active"])) if r else None

    def create(self, username: str, display_name: str, password: str, role: str = "clerk") -> User:
        username = (username or "").strip()
        display_name = (display_name or "").strip() or username
        if not _USERNAME.match(username):
            raise ValidationError("用户名应为1–32位字母、数字、汉字或 _ . -。",
                                  "User name: 1-32 letters, digits, Chinese characters or _ . -", field="username")
        if role not in ROLES:
            raise ValidationError(f"未知的角色：{role}", f"Unknown role {role!r}.", field="role")
        self._check_password(password)
        if self.count() == 0 and role != "admin":
            raise ValidationError("第一个用户必须是管理员。", "The first user must be an administrator.",
                                  field="role")
        with self.backend.transaction():
            if self.get(username) is not None:
                raise ValidationError(f"用户名“{username}”已存在。", f"User {username!r} exists.",
                                      field="username")
            self.backend.execute(
                "INSERT INTO users(username, display_name, password_hash, role, active, created_at) "
                "VALUES (?,?,?,?,1,?)", (username, display_name, hash_password(password), role, iso(now())))
        return User(username, display_name, role, True)

    def authenticate(self, username: str, password: str) -> User:
        r = self.backend.execute("SELECT * FROM users WHERE username = ?", ((username or "").strip(),)).fetchone()
        # hash even for an unknown user so that timing does not tell which names exist
        ok = verify_password(password or "", r["password_hash"] if r else hash_password("x"))
        if r is None or not ok:
            raise ValidationError("用户名或密码不正确。", "Wrong user name or password.", field="password")
        if not r["active"]:
            raise ValidationError("该账号已停用，请联系管理员。", "This account is disabled.", field="username")
        return User(r["username"], r["display_name"], r["role"], True)

    def set_password(self, username: str, password: str) -> None:
        self._check_password(password)
        with self.backend.transaction():
            self.backend.execute("UPDATE users SET password_hash = ? WHERE username = ?",
                                 (hash_password(password), username))

    def set_active(self, username: str, active: bool) -> None:
        with self.backend.transaction():
            user = self.get(username)
            if user is None:
                raise ValidationError("找不到该用户。", f"No user {username!r}.")
            if not active and user.is_admin and self.backend.scalar(
                    "SELECT count(*) FROM users WHERE role='admin' AND active=1") <= 1:
                raise ValidationError("不能停用最后一个管理员。", "Cannot disable the last administrator.")
            self.backend.execute("UPDATE users SET active = ? WHERE username = ?", (int(active), username))

    @staticmethod
    def _check_password(password: str) -> None:
        if not isinstance(password, str) or len(password) < MIN_PASSWORD:
            raise ValidationError(f"密码至少{MIN_PASSWORD}位。", f"Password: at least {MIN_PASSWORD} characters.",
                                  field="password")


def parse_credentials(spec: str | None) -> tuple[str, str] | None:
    """``"name:password"`` (from QYSQ_FIRST_ADMIN / QYSQ_SIGNIN) -> (name, password)."""
    if not spec or ":" not in spec:
        return None
    name, _, password = spec.partition(":")
    return name.strip(), password

