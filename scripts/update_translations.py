#!/usr/bin/env python3
"""Refresh ui/i18n/<lang>.ts from the strings in ui/*.py (``tr("...")`` and ``N_("...")``).

Existing translations are kept; new strings are added as unfinished (translate them in
Qt Linguist or by hand), strings no longer used are marked obsolete.  The catalogue is
compiled to .qm by ``scripts/setup.sh`` (``python -m ui.i18n`` → pyside6-lrelease).

    .venv/bin/python scripts/update_translations.py [zh_CN]
"""
from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ui.i18n import CONTEXT, I18N_DIR, source_strings  # noqa: E402


def update(language: str, extra: dict[str, str] | None = None) -> tuple[int, int]:
    path = I18N_DIR / f"{language}.ts"
    known: dict[str, str] = {}
    if path.exists():
        for message in ET.parse(path).iter("message"):
            translation = message.find("translation")
            if translation is not None and translation.get("type") not in ("unfinished", "obsolete", "vanished"):
                known[message.findtext("source")] = translation.text or ""
    known.update(extra or {})
    strings = source_strings()
    root = ET.Element("TS", version="2.1", language=language)
    context = ET.SubElement(root, "context")
    ET.SubElement(context, "name").text = CONTEXT
    missing = 0
    for source in strings:
        message = ET.SubElement(context, "message")
        ET.SubElement(message, "source").text = source
        translation = ET.SubElement(message, "translation")
        if known.get(source):
            translation.text = known[source]
        else:
            translation.set("type", "unfinished")
            missing += 1
    ET.indent(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = ET.tostring(root, encoding="unicode")
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n", encoding="utf-8")
    return len(strings), missing


if __name__ == "__main__":
    for lang in sys.argv[1:] or ["zh_CN"]:
        total, missing = update(lang)
        print(f"{lang}: {total} strings, {missing} untranslated")
