"""Privacy (issue 10 item 5): the customer's consent to marketing use; contacts' mobile,
birthday and interests encrypted at rest (core/crypto.py) with a keyed hash of the mobile for
lookups; existing rows rewritten, and contacts' mobiles taken out of the plain search text.
"""

import outletcrm.core.fields
import outletcrm.core.params
import outletcrm.customers.validators
import importlib

from django.db import migrations, models

from outletcrm.core import crypto


def restore_search_triggers(apps, schema_editor):
    """SQLite rebuilds the customer table for the new columns, dropping 0006's FTS5 triggers:
    put them back (before the search text is rewritten below), as 0007 and 0008 do."""
    importlib.import_module(
        "outletcrm.customers.migrations.0007_edit_versions"
    ).restore_search_triggers(apps, schema_editor)


def encrypt_personal_data(apps, schema_editor):
    """Rewrite every contact's mobile, birthday and interests as ciphertext (the fields read
    plain rows as they are), fill the mobile's lookup hash, and take contacts' mobiles out of
    the customers' plain search text (a mobile is now found through its hash)."""
    Contact = apps.get_model("customers", "Contact")
    Customer = apps.get_model("customers", "Customer")
    batch, mobiles = [], {}
    for contact in Contact.objects.order_by("pk").iterator(chunk_size=2000):
        contact.mobile_hash = crypto.lookup_hash(contact.mobile or "")
        if contact.mobile:
            mobiles.setdefault(contact.customer_id, set()).add(contact.mobile)
        batch.append(contact)
        if len(batch) >= 2000:
            Contact.objects.bulk_update(batch, ["mobile", "mobile_hash", "birthday", "interests"])
            batch = []
    if batch:
        Contact.objects.bulk_update(batch, ["mobile", "mobile_hash", "birthday", "interests"])
    ids = list(mobiles)
    for start in range(0, len(ids), 2000):
        changed = []
        for customer in Customer.objects.filter(pk__in=ids[start:start + 2000]).only(
                "pk", "phone", "search_text"):
            hidden = mobiles[customer.pk] - {customer.phone}
            parts = [p for p in customer.search_text.split("|") if p not in hidden]
            if len(parts) != len(customer.search_text.split("|")):
                customer.search_text = "|".join(parts)
                changed.append(customer)
        Customer.objects.bulk_update(changed, ["search_text"])


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0010_history_text_language_neutral'),
    ]

    operations = [
        migrations.AddField(
            model_name='contact',
            name='mobile_hash',
            field=models.CharField(blank=True, db_index=True, default='', editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='customer',
            name='marketing_consent',
            field=models.BooleanField(default=False, verbose_name='Consents to marketing'),
        ),
        migrations.AddField(
            model_name='customer',
            name='marketing_consent_on',
            field=models.DateField(blank=True, null=True, validators=[outletcrm.core.params.validate_business_date], verbose_name='Consent given on'),
        ),
        migrations.AddField(
            model_name='customer',
            name='marketing_consent_source',
            field=models.CharField(blank=True, choices=[('written', 'Signed form'), ('verbal', 'Verbal, on a visit or call'), ('wechat', 'WeChat message'), ('online', 'Online form'), ('other', 'Other')], max_length=20, verbose_name='Consent obtained by'),
        ),
        migrations.AlterField(
            model_name='contact',
            name='birthday',
            field=outletcrm.core.fields.EncryptedDateField(blank=True, null=True, validators=[outletcrm.core.params.validate_birthday], verbose_name='Birthday'),
        ),
        migrations.AlterField(
            model_name='contact',
            name='interests',
            field=outletcrm.core.fields.EncryptedCharField(blank=True, max_length=200, verbose_name='Interests'),
        ),
        migrations.AlterField(
            model_name='contact',
            name='mobile',
            field=outletcrm.core.fields.EncryptedCharField(blank=True, max_length=11, validators=[outletcrm.customers.validators.validate_mobile], verbose_name='Mobile'),
        ),
        migrations.RunPython(restore_search_triggers, migrations.RunPython.noop),
        migrations.RunPython(encrypt_personal_data, migrations.RunPython.noop, elidable=True),
    ]
