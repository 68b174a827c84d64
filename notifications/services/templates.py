"""The business's own notification templates: saving, resetting and previewing them."""

from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from notifications.models import RECIPIENT_EVENTS, Channel, NotificationTemplate
from notifications.rendering import (
    SAMPLE_DATA,
    TemplateInvalid,
    context_build,
    render,
    template_compile,
)
from notifications.services.messages import notification_settings
from tenants.errors import ApplicationError
from tenants.selectors import current_tenant, tenant_url


def _template_check(*, event: str, channel: str) -> None:
    if event not in RECIPIENT_EVENTS or channel not in Channel.values:
        raise NotificationTemplate.DoesNotExist


def _template_validate(*, channel: str, subject: str, body: str) -> None:
    errors = {}
    if not body.strip():
        errors["body"] = [_("The message cannot be empty.")]
    if channel == Channel.EMAIL and not subject.strip():
        errors["subject"] = [_("An e-mail needs a subject.")]
    for name, source in (("subject", subject), ("body", body)):
        try:
            template_compile(source)
        except TemplateInvalid as error:
            errors.setdefault(name, []).append(_("Template error: %(error)s") % {"error": error})
    if not errors:
        try:
            render(subject=subject, body=body, context=_sample_context(), channel=channel)
        except TemplateInvalid as error:
            errors["body"] = [_("Template error: %(error)s") % {"error": error}]
    if errors:
        name, messages = next(iter(errors.items()))
        raise ApplicationError("validation_error", f"{name}: {messages[0]}", fields=errors)


def template_save(
    *, event: str, channel: str, subject: str, body: str, enabled: bool
) -> NotificationTemplate:
    _template_check(event=event, channel=channel)
    if channel == Channel.SMS:
        subject = ""
    _template_validate(channel=channel, subject=subject, body=body)
    template, _created = NotificationTemplate.objects.update_or_create(
        event=event,
        channel=channel,
        defaults={"subject": subject, "body": body, "enabled": enabled},
    )
    return template


def template_reset(*, event: str, channel: str) -> None:
    _template_check(event=event, channel=channel)
    NotificationTemplate.objects.filter(event=event, channel=channel).delete()


def _sample_context() -> dict:
    tenant = current_tenant()
    return context_build(
        data=SAMPLE_DATA,
        business_name=tenant.name,
        tz=ZoneInfo(tenant.time_zone),
        settings_row=notification_settings(),
        unsubscribe_url=tenant_url(tenant=tenant, path="/notifications/unsubscribe/sample/"),
        days_offered=tenant.recipient_reschedule_days,
    )


def template_preview(*, event: str, channel: str, subject: str, body: str) -> dict:
    """What the recipient would read, with sample order data."""
    _template_check(event=event, channel=channel)
    if channel == Channel.SMS:
        subject = ""
    _template_validate(channel=channel, subject=subject, body=body)
    rendered_subject, rendered_body = render(
        subject=subject, body=body, context=_sample_context(), channel=channel
    )
    return {"subject": rendered_subject, "body": rendered_body, "length": len(rendered_body)}
