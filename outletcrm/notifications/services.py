"""Writes of the notifications app."""

from collections.abc import Mapping

from django.db import IntegrityError, transaction

from outletcrm.core import i18n
from outletcrm.notifications.models import Notification


def notify(*, user, kind: str, title, params: Mapping | None = None, body: str = "",
           link: str = "", customer_id: int | None = None, source=None,
           dedupe_key: str = "") -> Notification | None:
    """Notify `user`: stored for the in-app centre, then delivered on the channels the user
    chose for `kind` (e-mail, WeCom/DingTalk robot).

    `title` is a lazy message with its `params` (shown in the reader's language). With a
    `dedupe_key`, a second call with the same key for the same user stores and sends nothing
    and returns None (periodic jobs run twice must not notify twice).
    """
    text, message = i18n.store(title, params, max_length=200)
    if dedupe_key and Notification.objects.filter(user=user, dedupe_key=dedupe_key).exists():
        return None
    try:
        with transaction.atomic():
            return Notification.objects.create(
                user=user, kind=kind, title=text, title_message=message, body=body, link=link,
                customer_id=customer_id, dedupe_key=dedupe_key,
                source_type=source._meta.model_name if source is not None else "",
                source_id=source.pk if source is not None else None,
            )
    except IntegrityError:  # the same key, stored by a concurrent run
        return None
