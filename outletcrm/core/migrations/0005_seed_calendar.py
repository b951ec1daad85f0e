"""Seed the company calendar from chinese-calendar: every public holiday and make-up working
day (调休) it knows, and each of its years marked known. Its latest release has data up to 2026
(and raises NotImplementedError beyond); later years are entered by an administrator on the
calendar page or with `outletcrm calendar add`."""

from django.db import migrations

# chinese-calendar's English holiday names, as the company calendar shows them.
NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def seed(apps, schema_editor):
    import chinese_calendar

    CalendarDay = apps.get_model("core", "CalendarDay")
    CalendarYear = apps.get_model("core", "CalendarYear")
    taken = set(CalendarDay.objects.filter(region__isnull=True).values_list("date", flat=True))
    rows = []
    for kind, days in (("holiday", chinese_calendar.holidays), ("makeup", chinese_calendar.workdays)):
        for day, name in sorted(days.items()):
            if day in taken:
                continue
            rows.append(CalendarDay(date=day, kind=kind, name=NAMES.get(str(name), str(name))))
    CalendarDay.objects.bulk_create(rows, batch_size=500)
    years = sorted({day.year for day in chinese_calendar.holidays})
    known = set(CalendarYear.objects.values_list("year", flat=True))
    CalendarYear.objects.bulk_create([CalendarYear(year=year, source="chinese-calendar")
                                      for year in years if year not in known])


def unseed(apps, schema_editor):
    apps.get_model("core", "CalendarYear").objects.filter(source="chinese-calendar").delete()


class Migration(migrations.Migration):

    dependencies = [("core", "0004_calendar_and_job_runs")]

    operations = [migrations.RunPython(seed, unseed)]
