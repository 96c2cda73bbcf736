"""The window's device token: in the OS keyring (Windows Credential Manager, macOS
Keychain, Secret Service), never in the database or a plain-text file.

Where the OS offers no usable keyring the clerk is told so plainly
(``NoKeyringError``) and the UI asks for the token at each start; such a token is kept
in this process's memory only (``remember_for_session``).
"""
from __future__ import annotations

import threading

import keyring
import keyring.backend
import keyring.errors

from models.errors import UserError

from . import redact

SERVICE = "qiye-suqiu"
log = redact.get_logger("sync.credentials")

_session: dict[str, str] = {}
_session_lock = threading.Lock()


class NoKeyringError(UserError):
    code = "no_keyring"

    def __init__(self, detail: str = ""):
        super().__init__(
            "本机没有可用的系统凭据库（密钥环），无法安全保存设备令牌。"
            "请每次启动时输入设备令牌，或由信息科为本机配置系统凭据库。",
            "No usable OS keyring on this machine; the device token cannot be stored. "
            "Enter the token at each start, or have IT set up a keyring backend."
            + (f" ({detail})" if detail else ""))


class KeyringFailedError(UserError):
    code = "keyring_failed"


def _backends(kr: keyring.backend.KeyringBackend) -> list[keyring.backend.KeyringBackend]:
    from keyring.backends import chainer

    if isinstance(kr, chainer.ChainerBackend):
        return list(kr.backends)
    return [kr]


def keyring_usable() -> bool:
    """True when the active keyring backend can really store secrets."""
    from keyring.backends import fail

    try:
        kr = keyring.get_keyring()
    except Exception:  # a broken keyring configuration is "no keyring"
        return False
    usable = [b for b in _backends(kr) if not isinstance(b, fail.Keyring)]
    if not usable:
        return False
    try:
        # keyrings.alt's plain-text file backend stores the secret unencrypted: not acceptable
        from keyrings.alt.file import PlaintextKeyring  # type: ignore

        usable = [b for b in usable if not isinstance(b, PlaintextKeyring)]
    except ImportError:
        pass
    return bool(usable)


def backend_name() -> str:
    try:
        kr = keyring.get_keyring()
    except Exception as exc:
        return f"unavailable ({type(exc).__name__})"
    return f"{type(kr).__module__}.{type(kr).__name__}"


def _username(device_id: str) -> str:
    return f"device:{device_id}"


def save_token(device_id: str, token: str) -> None:
    """Store the token in the OS keyring; ``NoKeyringError`` when there is none."""
    redact.register_secret(token)
    if not keyring_usable():
        raise NoKeyringError(backend_name())
    try:
        keyring.set_password(SERVICE, _username(device_id), token)
    except keyring.errors.NoKeyringError as exc:
        raise NoKeyringError(str(exc)) from exc
    except keyring.errors.KeyringError as exc:
        raise KeyringFailedError(f"无法写入系统凭据库：{type(exc).__name__}",
                                 f"Cannot write to the OS keyring: {exc}") from exc
    with _session_lock:
        _session.pop(device_id, None)
    log.info("device token stored in keyring backend %s", backend_name())


def remember_for_session(device_id: str, token: str) -> None:
    """A token typed in at start on a machine without keyring: memory only."""
    redact.register_secret(token)
    with _session_lock:
        _session[device_id] = token


def load_token(device_id: str) -> str | None:
    """The token for this device: the session's, else the keyring's; None when unknown."""
    with _session_lock:
        tok = _session.get(device_id)
    if tok:
        return tok
    if not keyring_usable():
        return None
    try:
        tok = keyring.get_password(SERVICE, _username(device_id))
    except keyring.errors.KeyringError as exc:
        raise KeyringFailedError(f"无法读取系统凭据库：{type(exc).__name__}",
                                 f"Cannot read the OS keyring: {exc}") from exc
    if tok:
        redact.register_secret(tok)
    return tok


def require_token(device_id: str) -> str:
    tok = load_token(device_id)
    if tok:
        return tok
    if not keyring_usable():
        raise NoKeyringError(backend_name())
    raise UserError("系统凭据库中没有本窗口的设备令牌，请重新登记（enroll）。",
                    "No device token for this window in the keyring; enrol again.", code="no_token")


def forget_token(device_id: str) -> None:
    with _session_lock:
        _session.pop(device_id, None)
    if keyring_usable():
        try:
            keyring.delete_password(SERVICE, _username(device_id))
        except keyring.errors.PasswordDeleteError:
            pass
        except keyring.errors.KeyringError as exc:
            log.warning("could not delete token from keyring: %s", type(exc).__name__)
