"""What payments announces; higher apps (webhooks) receive it in their receivers.py.

Sent inside the transaction of the change, so a receiver's writes (an outbox row)
commit or roll back with it.
"""

from django.dispatch import Signal

# A payment was approved and its order is paid. Arguments: payment.
payment_approved = Signal()

# An open payment ran out of time; its order expired. Arguments: payment.
payment_expired = Signal()

# A line of a paid order was cancelled and refunded. Arguments: line, transfer.
order_line_refunded = Signal()
