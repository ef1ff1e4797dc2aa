"""The one way verdicts and hints reach the face page: the channel layer.

The database is the truth and the push a hint: a lost push (Redis down, a full
channel) is logged and the page learns the state over HTTP instead.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

EVENT_TYPE = "faceauth.state"


def attempt_group(public_id) -> str:
    return f"faceauth.attempt.{public_id}"


def attempt_push(public_id, payload: dict) -> bool:
    """Send `payload` to the attempt's open sockets; False if it could not go."""
    try:
        async_to_sync(get_channel_layer().group_send)(
            attempt_group(public_id), {"type": EVENT_TYPE, **payload}
        )
    except Exception:  # noqa: BLE001 - the page re-reads the state over HTTP
        logger.warning("Attempt %s: push failed", public_id, exc_info=True)
        return False
    return True
