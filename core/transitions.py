"""A model's state machine, enforced: every status change is one guarded UPDATE.

A model declares its machine as `TRANSITIONS`, a map from each status to the
statuses it may move to (a status that moves nowhere maps to an empty set).
`transition()` moves one row to a status from whichever statuses the map allows to
reach it (or from some of them), in one `UPDATE … WHERE status IN (…)`: a row that
moved meanwhile, in another request or task, matches nothing and is left alone.

A move the map lacks is a mistake in the code, not in the request: it raises
TransitionNotAllowed before any query. A move the map allows that finds the row
elsewhere returns 0, and the caller says why in its own words.
"""

from collections.abc import Iterable

from django.db.models import Model, Q


class TransitionNotAllowed(Exception):
    """Raised when code asks for a move its model's TRANSITIONS do not have."""


def sources(model: type[Model], to: str) -> set[str]:
    """The statuses `model`'s map allows to move to `to`."""
    return {source for source, targets in model.TRANSITIONS.items() if to in targets}


def transition(
    obj: Model,
    to: str,
    *,
    from_: Iterable[str] | None = None,
    guard: Q | None = None,
    **fields,
) -> int:
    """Move `obj`'s row to status `to` (and write `fields`), if it still is in a
    status that may: any the map allows, or only those of `from_`; and if `guard`
    (a Q on the same row: a deadline, a counter) holds. Returns 1 if it moved, 0 if
    the row was elsewhere. When it moved, `obj.status` is `to`; its other fields
    are as they were (read the row again for them).

    Raises TransitionNotAllowed, before any query, when no status in `from_` (or
    none at all) may move to `to`.
    """
    model = type(obj)
    allowed = sources(model, to)
    if from_ is not None:
        asked = set(from_)
        if not asked <= allowed:
            raise TransitionNotAllowed(
                f"{model.__name__} cannot move from "
                f"{', '.join(sorted(asked - allowed))} to {to}"
            )
        allowed = asked
    if not allowed:
        raise TransitionNotAllowed(f"{model.__name__} cannot move to {to}")
    rows = model._default_manager.filter(pk=obj.pk, status__in=allowed)
    if guard is not None:
        rows = rows.filter(guard)
    moved = rows.update(status=to, **fields)
    if moved:
        obj.status = to
    return moved
