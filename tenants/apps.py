from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Tenants"

    def ready(self) -> None:
        from django_tenants.signals import schema_migrated

        from tenants.api import schema  # noqa: F401  (registers the OpenAPI extensions)
        from tenants.schemas import schema_migrated_log

        schema_migrated.connect(schema_migrated_log, dispatch_uid="tenants.schema_migrated_log")
