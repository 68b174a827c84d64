import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tenants", "0003_tenant_logo_url")]

    operations = [
        migrations.AddField(
            model_name="tenant",
            name="loading_lead_minutes",
            field=models.PositiveSmallIntegerField(
                default=30,
                validators=[django.core.validators.MaxValueValidator(600)],
                help_text="Minutes between pressing Plan on the day and the first route leaving.",
            ),
        ),
    ]
