"""Counting that no order of events can flatter (issue 7 §1, §3).

- planned stops: when they were added, the earlier additions a stronger origin took over,
  and the release of a stop whose customer was handed over or archived before the visit;
- visits: a supervisor's acceptance of an off-site check-in, `counts_as_visit` computed by the
  database, the covering index on it, and at most one open visit per rep, outlet and day
  (duplicate open visits that already exist are closed as rejected first, keeping the earliest).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def close_duplicate_open_visits(apps, schema_editor):
    """Keep the earliest open visit per rep, outlet and day; reject the later duplicates."""
    from django.db.models import Count
    from django.utils import timezone, translation
    from django.utils.translation import gettext

    Visit = apps.get_model("visits", "Visit")
    groups = (Visit.objects.filter(status="open").values("rep_id", "customer_id", "date")
              .annotate(n=Count("pk")).filter(n__gt=1).order_by())
    with translation.override(settings.LANGUAGE_CODE):
        reason = gettext("Duplicate open check-in at the same outlet; closed when one open "
                         "visit per outlet and day became the rule.")
    now = timezone.now()
    for group in groups:
        visits = list(Visit.objects.filter(
            status="open", rep_id=group["rep_id"], customer_id=group["customer_id"],
            date=group["date"]).order_by("checked_in_at", "pk").values_list("pk", flat=True))
        Visit.objects.filter(pk__in=visits[1:]).update(
            status="rejected", rejected_at=now, reject_reason=reason[:200])


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0006_search_index'),
        ('visits', '0008_tasks_complete_postpone_add'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='PlannedStopAddition',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('origin', models.CharField(choices=[('generated', 'From the route'), ('supervisor', 'Added by the supervisor'), ('rep', 'Added by the rep')], max_length=20)),
                ('added_at', models.DateTimeField(blank=True, null=True)),
                ('superseded_at', models.DateTimeField()),
            ],
            options={
                'ordering': ['stop', 'superseded_at', 'pk'],
            },
        ),
        migrations.RemoveIndex(
            model_name='plannedstop',
            name='visits_plan_rep_id_f16459_idx',
        ),
        migrations.RemoveIndex(
            model_name='visit',
            name='visits_visi_rep_id_5bcb3f_idx',
        ),
        migrations.AddField(
            model_name='plannedstop',
            name='added_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='plannedstop',
            name='release_reason',
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name='plannedstop',
            name='released_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='visit',
            name='accept_reason',
            field=models.CharField(blank=True, max_length=200, verbose_name='Reason for accepting'),
        ),
        migrations.AddField(
            model_name='visit',
            name='accepted_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='visit',
            name='accepted_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddIndex(
            model_name='plannedstop',
            index=models.Index(fields=['rep', 'date', 'customer', 'origin', 'released_at'], name='visits_plan_rep_id_9a24e8_idx'),
        ),
        migrations.AddField(
            model_name='plannedstopaddition',
            name='added_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='plannedstopaddition',
            name='stop',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='earlier_additions', to='visits.plannedstop'),
        ),
        migrations.AddField(
            model_name='visit',
            name='counts_as_visit',
            field=models.GeneratedField(db_persist=True, expression=models.Case(models.When(models.Q(models.Q(('status', 'rejected'), _negated=True), models.Q(('kind__in', ('phone', 'ride_along')), _negated=True), models.Q(('off_site', False), ('accepted_at__isnull', False), _connector='OR')), then=models.Value(True)), default=models.Value(False)), output_field=models.BooleanField()),
        ),
        migrations.AddIndex(
            model_name='visit',
            index=models.Index(fields=['rep', 'date', 'customer', 'counts_as_visit'], name='visits_visi_rep_id_eb31d5_idx'),
        ),
        migrations.RunPython(close_duplicate_open_visits, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='visit',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'open')), fields=('rep', 'customer', 'date'), name='one_open_visit_per_outlet_and_day'),
        ),
    ]
