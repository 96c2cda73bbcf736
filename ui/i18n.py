"""Translation: English source strings, zh_CN the default language, English selectable.

All strings go through ``tr`` with the single context "ui", so that
``scripts/update_translations.py`` can find them with a plain pattern and the catalogue
stays one file (ui/i18n/zh_CN.ts).  The compiled ``.qm`` is built at install time by
``scripts/setup.sh`` (pyside6-lrelease); when it is missing (a fresh checkout that did
not run setup) it is compiled on the fly if lrelease is at hand, else English shows.
"""
from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path

log = logging.getLogger(__name__)

CONTEXT = "ui"
I18N_DIR = Path(__file__).resolve().parent / "i18n"
LANGUAGES = {"zh_CN": "中文（简体）", "en": "English"}
DEFAULT_LANGUAGE = "zh_CN"
_installed = []   # keeps the QTranslator alive


def tr(text: str, disambiguation: str | None = None) -> str:
    from .qt import QCoreApplication

    return QCoreApplication.translate(CONTEXT, text, disambiguation)


def N_(text: str) -> str:
    """Marks a literal for the catalogue where it is translated later with ``tr(value)``."""
    return text


def source_strings(folder: Path | None = None) -> list[str]:
    """Every literal given to ``tr(...)`` or ``N_(...)`` in ui/*.py, in order of appearance."""
    import ast

    found: dict[str, None] = {}
    for path in sorted((folder or I18N_DIR.parent).glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("tr", "N_")
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                found[node.args[0].value] = None
    return list(found)


def catalogue_messages(language: str) -> dict[str, str]:
    """source -> finished translation from ui/i18n/<language>.ts (unfinished ones left out)."""
    import xml.etree.ElementTree as ET

    path = I18N_DIR / f"{language}.ts"
    if not path.exists():
        return {}
    out = {}
    for message in ET.parse(path).iter("message"):
        translation = message.find("translation")
        if translation is not None and translation.get("type") != "unfinished" and (translation.text or "").strip():
            out[message.findtext("source")] = translation.text
    return out


def lrelease_path() -> str | None:
    here = Path(sys.executable).parent
    for name in ("pyside6-lrelease", "lrelease"):
        candidate = here / name
        if candidate.exists():
            return str(candidate)
        found = shutil.which(name)
        if found:
            return found
    return None


def compile_catalogues() -> list[Path]:
    """ui/i18n/*.ts -> *.qm (what scripts/setup.sh runs)."""
    tool = lrelease_path()
    if tool is None:
        raise RuntimeError("pyside6-lrelease not found")
    out = []
    for ts in sorted(I18N_DIR.glob("*.ts")):
        qm = ts.with_suffix(".qm")
        subprocess.run([tool, "-silent", str(ts), "-qm", str(qm)], check=True)
        out.append(qm)
    return out


def _install_qt_catalogue(app, language: str) -> None:
    """Qt's own strings (OK/Cancel of standard dialogs, the file dialog) in the language."""
    from .qt import QLibraryInfo, QTranslator

    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    translator = QTranslator()
    if translator.load(f"qtbase_{language}", folder):
        app.installTranslator(translator)
        _installed.append(translator)


def install_language(app, language: str) -> str:
    """Install the translator for ``language``; returns the language actually in use."""
    from .qt import QLocale, QTranslator

    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    if language == "en":
        QLocale.setDefault(QLocale(QLocale.English, QLocale.UnitedStates))
        return "en"
    qm = I18N_DIR / f"{language}.qm"
    ts = I18N_DIR / f"{language}.ts"
    if ts.exists() and (not qm.exists() or qm.stat().st_mtime < ts.stat().st_mtime):
        try:
            compile_catalogues()
        except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
            log.warning("translations not compiled: %s", exc)
    translator = QTranslator()
    if qm.exists() and translator.load(str(qm)):
        app.installTranslator(translator)
        _installed.append(translator)
        QLocale.setDefault(QLocale(QLocale.Chinese, QLocale.China))
        _install_qt_catalogue(app, language)
        return language
    log.warning("no catalogue for %s; showing English", language)
    return "en"


if __name__ == "__main__":  # scripts/setup.sh: compile the catalogues at install time
    for compiled in compile_catalogues():
        print(compiled)
