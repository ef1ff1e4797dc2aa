"""What the shop announces; higher apps (webhooks) receive it in their receivers.py.

Sent inside the transaction of the change, so a receiver's writes (an outbox row)
commit or roll back with it.
"""

from django.dispatch import Signal

# An order became cancelled (unpaid and cancelled by the shopper, or every line of a
# paid order cancelled). Arguments: order.
order_cancelled = Signal()

# A merchant's line was shipped. Arguments: line.
order_line_shipped = Signal()
