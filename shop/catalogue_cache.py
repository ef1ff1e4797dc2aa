"""The storefront's cache: what every visitor of a listing sees the same.

A listing page (its product count, its page of products and their rendered cards)
and the category menu are kept in this process's memory per *catalogue version*.
The version lives in the shared cache (Redis): one short read per request. Any
write to a product, category or merchant starts a new version once its transaction
commits: save() and delete() through signals (receivers.py), queryset update(),
bulk_create() and bulk_update() through CatalogueQuerySet (models.py), which is how
checkout reserves stock and a cancelled order puts it back; a flush of the database
too. So a card never shows stock, price or a title older than the last commit.

Nothing is kept from inside a transaction, whose reads may still be rolled back
(tests run inside one). If the shared cache fails (Redis down), pages are built
from the database. A kept value is rebuilt after MAX_AGE whatever happens.
"""

import hashlib
import logging
import threading
import time
import uuid
from functools import cache as memoize

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

logger = logging.getLogger(__name__)

MAX_AGE = 10 * 60  # seconds
VALUES_KEPT = 512  # listings and menus kept per process and version

_lock = threading.Lock()
_kept: dict = {"version": None, "values": {}}


@memoize
def _version_key() -> str:
    # Named after the database: two databases sharing one Redis stay apart.
    name = str(settings.DATABASES["default"]["NAME"])
    return "shop:catalogue:version:" + hashlib.sha1(name.encode()).hexdigest()[:12]


def catalogue_version() -> str | None:
    """The current catalogue version, or None when it must not or cannot be used."""
    if connection.in_atomic_block:
        return None
    try:
        version = cache.get(_version_key())
        if version is None:
            cache.add(_version_key(), uuid.uuid4().hex, timeout=None)
            version = cache.get(_version_key())
        return version
    except Exception:  # noqa: BLE001 - the cache is down: build from the database
        logger.warning("Catalogue cache unavailable", exc_info=True)
        return None


def catalogue_changed(**kwargs) -> None:
    """Start a new catalogue version once the current transaction commits."""
    transaction.on_commit(_new_version)


def _new_version() -> None:
    try:
        cache.set(_version_key(), uuid.uuid4().hex, timeout=None)
    except Exception:  # noqa: BLE001 - kept values are still rebuilt after MAX_AGE
        logger.warning("Catalogue cache: could not start a new version")


def kept(version: str | None, key: tuple, build):
    """`build()`, kept in this process while the catalogue version stays."""
    if version is None:
        return build()
    now = time.monotonic()
    with _lock:
        if _kept["version"] != version:
            _kept.update(version=version, values={})
        found = _kept["values"].get(key)
    if found is not None and now - found[1] < MAX_AGE:
        return found[0]
    value = build()
    with _lock:
        values = _kept["values"]
        if _kept["version"] == version and len(values) < VALUES_KEPT:
            values[key] = (value, now)
    return value
