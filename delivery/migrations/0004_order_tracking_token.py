import secrets

from django.db import migrations, models

import delivery.models


def tokens_fill(apps, schema_editor):
    Order = apps.get_model("delivery", "Order")
    orders = list(Order.objects.filter(tracking_token__isnull=True).only("id"))
    for order in orders:
        order.tracking_token = secrets.token_urlsafe(32)
    Order.objects.bulk_update(orders, ["tracking_token"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("delivery", "0003_driver_breaks_limits")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="tracking_token",
            field=models.CharField(max_length=43, null=True, editable=False),
        ),
        migrations.RunPython(tokens_fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="order",
            name="tracking_token",
            field=models.CharField(
                default=delivery.models.tracking_token_new,
                editable=False,
                max_length=43,
                unique=True,
            ),
        ),
    ]
