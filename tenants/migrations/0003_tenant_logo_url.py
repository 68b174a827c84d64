from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tenants", "0002_tenant_country")]

    operations = [
        migrations.AddField(
            model_name="tenant",
            name="logo_url",
            field=models.URLField(
                blank=True,
                max_length=500,
                help_text="A small square image shown next to the business's name in the header.",
            ),
        ),
    ]
