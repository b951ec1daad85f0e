"""What orders tell the apps above them (they may import orders; orders may not import them).
Sent by orders.services inside the change's transaction.

- order_changed(order, actor): the order changed in a way the visit KPIs see (cancelled:
  an order not cancelled counts).

visits listens: a cancelled order recorded on a visit no longer counts for the success rate,
and its visit's day is recounted in the KPI summary (visits/kpi_summary.py).
"""

from django.dispatch import Signal

order_changed = Signal()
