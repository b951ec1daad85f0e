"""What the archive tells the apps above it (they may import customers; customers may not
import them). Sent by customers.services inside the change's transaction.

- owner_changed(customer, old_owner_id, actor): the customer was handed to another rep;
- archived(customer, actor): the customer left daily work;
- merged(keep, merge, actor): `merge`'s related records now point at `keep`.

visits listens to both: the former rep's unvisited planned stops of that customer stop
counting from that moment on (visits/kpis.py, order of events); on a merge it recounts the
KPI summary of the rep-days concerned (visits/kpi_summary.py).
"""

from django.dispatch import Signal

owner_changed = Signal()
archived = Signal()
merged = Signal()
