"""Drafts of the intake form, kept on disk so a crash or a failed save loses nothing.

One JSON file per form under ``<data_dir>/drafts/``, replaced atomically (write to a
temporary file, fsync, rename) so that a power cut leaves the old draft or the new one,
never half of one.  The draft is removed only after the case is safely stored.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .calendar import iso, now


class DraftStore:
    def __init__(self, data_dir: str | os.PathLike):
        self.folder = Path(data_dir) / "drafts"

    def path(self, name: str = "intake") -> Path:
        return self.folder / f"{name}.json"

    def save(self, fields: dict[str, Any], name: str = "intake") -> None:
        if not any(v for k, v in fields.items() if k not in ("channel", "grade")):
            self.discard(name)
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.path(name)
        tmp = target.with_suffix(".tmp")
        data = json.dumps({"saved_at": iso(now()), "fields": fields}, ensure_ascii=False, indent=1)
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)

    def load(self, name: str = "intake") -> dict[str, Any] | None:
        """``{"saved_at": ..., "fields": {...}}`` or None; a damaged file counts as none."""
        try:
            data = json.loads(self.path(name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("fields"), dict):
            return None
        return data

    def discard(self, name: str = "intake") -> None:
        try:
            self.path(name).unlink()
        except FileNotFoundError:
            pass
