"""How the translation catalogues are made: one list of options for `make translations`
and for the test that fails when a catalogue lags behind the code."""

# The languages with catalogues of their own (English is the source).
TRANSLATED = ["fr", "zh_Hans"]
# What makemessages reads: the shop's code, not its tests, tools or installed packages.
IGNORE = [
    ".venv",
    "*/tests",
    "tests",
    "bench",
    "fuzz",
    "scripts",
    "staticfiles",
    "media",
    "test-artifacts",
    "faceauth/simulation_camera.js",
]
MAKEMESSAGES = {
    "django": {"domain": "django", "extensions": ["html", "txt", "py"]},
    "djangojs": {"domain": "djangojs", "extensions": ["js"]},
}


def makemessages_options(domain: str) -> dict:
    """Keyword arguments for call_command("makemessages", ...) for `domain`."""
    return {
        **MAKEMESSAGES[domain],
        "locale": TRANSLATED,
        "ignore_patterns": IGNORE,
        "no_obsolete": True,
        "no_location": False,
        "add_location": "file",
        "verbosity": 0,
    }
