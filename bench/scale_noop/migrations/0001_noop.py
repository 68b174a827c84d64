"""The one new tenant migration bench/scale.py rolls out across hundreds of businesses."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = []
    operations = [migrations.RunSQL("SELECT 1", migrations.RunSQL.noop)]
