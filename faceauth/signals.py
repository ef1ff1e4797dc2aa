from django.dispatch import Signal

# Sent once when a verification attempt is decided (approved, declined or expired),
# after the verdict is stored and pushed; `attempt` is the decided
# VerificationAttempt. payments answers approved payment attempts.
attempt_decided = Signal()
