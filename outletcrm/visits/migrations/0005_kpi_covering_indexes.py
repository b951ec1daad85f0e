"""Covering indexes for the KPI's (rep, day, customer) lookups; new ones first, then the
old prefixes they replace (bench/results/visits.md)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0004_sort_order_label'),
        ('visits', '0004_sort_order_label'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='plannedstop',
            index=models.Index(fields=['rep', 'date', 'customer', 'origin'], name='visits_plan_rep_id_f16459_idx'),
        ),
        migrations.AddIndex(
            model_name='visit',
            index=models.Index(fields=['rep', 'date', 'customer', 'status'], name='visits_visi_rep_id_5bcb3f_idx'),
        ),
        migrations.RemoveIndex(
            model_name='plannedstop',
            name='visits_plan_rep_id_34b6f7_idx',
        ),
        migrations.RemoveIndex(
            model_name='visit',
            name='visits_visi_rep_id_978f4d_idx',
        ),
    ]
