from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class IdempotencyRecord(models.Model):
    """The first answer to a client's `Idempotency-Key`, replayed to its retries.

    Created in the same transaction as what the request made, so a concurrent retry
    waits on the unique index and then finds the committed answer.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="idempotency_records",
    )
    key = models.CharField(max_length=64)
    # sha256 of the request body as canonical JSON: the same key with another body
    # is a client error, never a replay.
    fingerprint = models.CharField(max_length=64)
    # Filled before the transaction commits: no committed row is ever without them.
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], name="idempotencyrecord_unique_user_key"
            ),
        ]

    def __str__(self):
        return f"Idempotency-Key {self.key} of user {self.user_id}"
