"""Re-encrypt contacts' personal data under the newest key and rewrite the lookup hashes.

Key rotation (docs/privacy.md): put the new key first in FIELD_ENCRYPTION_KEY (old ones after
it), run this command, then drop the old keys. Also rewrites rows still in plain text.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from outletcrm.core import crypto
from outletcrm.customers.models import Contact

BATCH = 2000


class Command(BaseCommand):
    help = "Re-encrypt contacts' personal data under the newest FIELD_ENCRYPTION_KEY."

    def handle(self, *args, **options):
        crypto.reset_keys()
        done = 0
        ids = list(Contact.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH):
            with transaction.atomic():
                batch = list(Contact.objects.filter(pk__in=ids[start:start + BATCH])
                             .select_for_update())
                for contact in batch:  # read with any key, written with the first
                    contact.set_mobile_hash()
                Contact.objects.bulk_update(
                    batch, ["mobile", "mobile_hash", "birthday", "interests"])
                done += len(batch)
        self.stdout.write(f"{done}")
