"""The Celery app: Redis broker, tenant-aware tasks (each carries its tenant's schema)."""

import os

from tenant_schemas_celery.app import CeleryApp

from config.kombu_patches import detached_channel_raises_connection_error

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")

app = CeleryApp("delivery")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Tasks of sub-packages (each app's own `tasks` module is found above).
app.autodiscover_tasks(["delivery.customers"])
# A worker must outlive a Redis restart (README "Reliability").
detached_channel_raises_connection_error()
