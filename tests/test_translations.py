"""The French and Chinese catalogues are complete (issue 13): every string the code
marks is in them, translated, and not fuzzy; and the placeholders survive."""

import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

from config.i18n import MAKEMESSAGES, TRANSLATED, makemessages_options

ROOT = Path(settings.BASE_DIR)
CATALOGUES = [(language, domain) for language in TRANSLATED for domain in MAKEMESSAGES]
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sdf]|%[sd]|\{[a-z_0-9]*\}")
SOURCES = ["accounts", "api", "config", "faceauth", "merchant", "payments", "shop"]
SOURCES += ["webhooks"]
SOURCES += ["templates", "static"]


def _catalogue(language: str, domain: str) -> polib.POFile:
    path = ROOT / "locale" / language / "LC_MESSAGES" / f"{domain}.po"
    assert path.exists(), f"{path.relative_to(ROOT)} is missing: run make translations"
    return polib.pofile(str(path))


def _key(entry: polib.POEntry) -> tuple:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural)


@pytest.mark.parametrize(("language", "domain"), CATALOGUES)
def test_every_entry_is_translated_and_none_is_fuzzy(language, domain):
    catalogue = _catalogue(language, domain)
    live = [entry for entry in catalogue if not entry.obsolete]

    assert [entry.msgid for entry in live if entry.fuzzy] == []
    assert [entry.msgid for entry in live if not entry.translated()] == []


@pytest.mark.parametrize(("language", "domain"), CATALOGUES)
def test_translations_keep_every_placeholder(language, domain):
    broken = []
    for entry in _catalogue(language, domain):
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        texts = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in texts:
            if text and sorted(PLACEHOLDER.findall(text)) != wanted:
                # A plural form may leave the count out ("un article" for 1).
                if entry.msgid_plural and set(PLACEHOLDER.findall(text)) < set(wanted):
                    continue
                broken.append(f"{entry.msgid!r} -> {text!r}")
    assert broken == []


def test_the_catalogues_hold_every_string_the_code_marks(tmp_path, monkeypatch):
    """Extract the strings afresh from a copy of the code, as `make translations`
    does, and compare: a string marked but never added to the catalogues would be
    shown in English to every French and Chinese shopper."""
    for name in SOURCES:
        shutil.copytree(
            ROOT / name,
            tmp_path / name,
            ignore=shutil.ignore_patterns("__pycache__", "tests", "*.mo"),
        )
    shutil.copytree(ROOT / "locale", tmp_path / "locale")
    monkeypatch.chdir(tmp_path)
    missing = {}
    with monkeypatch.context() as patch:
        patch.setattr(settings, "LOCALE_PATHS", [tmp_path / "locale"])
        for domain in MAKEMESSAGES:
            call_command("makemessages", **makemessages_options(domain))
            for language in TRANSLATED:
                ours = {
                    _key(entry)
                    for entry in _catalogue(language, domain)
                    if not entry.obsolete
                }
                fresh = polib.pofile(
                    str(tmp_path / "locale" / language / "LC_MESSAGES" / f"{domain}.po")
                )
                new = [entry.msgid for entry in fresh if _key(entry) not in ours]
                if new:
                    missing[f"{language}/{domain}"] = new[:10]
    assert missing == {}, "marked but not in the catalogues (run make translations)"
