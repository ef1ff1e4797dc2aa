from django.dispatch import Signal

# Sent before an unconfirmed sign-up whose links have all expired is deleted
# (accounts.signup.signups_purge), inside the deletion's transaction; `user` is the
# account. Apps delete what they made for it (payments: its unused wallet).
signup_expired = Signal()
