"""The decision-time counters past three days go from whole hours to whole days
(materials.tallies.hour_bucket): at most 159 counters per site instead of 2,161."""

from django.db import migrations

HOURLY = 72  # tallies.HOURLY, as of this migration
MAX_HOURS = 24 * 90


def to_days(apps, schema_editor):
    from collections import Counter

    SiteTally = apps.get_model("materials", "SiteTally")
    hourly = SiteTally.objects.filter(kind="hours")
    merged: Counter = Counter()
    old = []
    for pk, site, code, n in hourly.values_list("pk", "exam_site_id", "code", "n"):
        hour = int(code)
        if hour < HOURLY:
            continue
        old.append(pk)
        merged[(site, str(min(HOURLY + (hour - HOURLY) // 24 * 24, MAX_HOURS)))] += n
    for start in range(0, len(old), 1000):
        SiteTally.objects.filter(pk__in=old[start : start + 1000]).delete()
    SiteTally.objects.bulk_create(
        [
            SiteTally(exam_site_id=site, kind="hours", code=code, n=n)
            for (site, code), n in merged.items()
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [("materials", "0009_queue_index_only")]

    operations = [migrations.RunPython(to_days, migrations.RunPython.noop)]
