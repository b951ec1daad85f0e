"""Photos stored so far carry the check-in coordinates in their watermark; new ones do not.

The field is added as True for every existing photo, then defaults to False, so the position
retention knows which stored files still show coordinates to paint over.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('visits', '0005_kpi_covering_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='visitphoto',
            name='position_in_watermark',
            field=models.BooleanField(default=True, editable=False),
        ),
        migrations.AlterField(
            model_name='visitphoto',
            name='position_in_watermark',
            field=models.BooleanField(default=False, editable=False),
        ),
    ]
