"""Dashboard pages (Settings → Notifications / Webhooks) and the recipients' unsubscribe page.
Thin: forms parse, services decide."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from notifications.models import RECIPIENT_EVENTS, Channel, WebhookDelivery
from notifications.rendering import PLACEHOLDERS
from notifications.selectors import (
    messages_list,
    opt_outs_list,
    template_get,
    templates_list,
    webhook_deliveries_list,
    webhook_endpoints_list,
)
from notifications.services import (
    notification_settings,
    notification_settings_save,
    opt_out_add,
    opt_out_remove,
    template_preview,
    template_reset,
    template_save,
    unsubscribe_redeem,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_update,
    webhook_redeliver,
    webhook_secret_rotate,
)
from tenants.errors import ApplicationError
from web.access import MANAGERS, page_view
from web.forms.notifications import OptOutForm, SettingsForm, TemplateForm, WebhookEndpointForm

LOG_LIMIT = 200


def _form_errors(form, error: ApplicationError) -> None:
    for name, problems in (error.fields or {"__all__": [error.message]}).items():
        for problem in problems:
            form.add_error(name if name in form.fields else None, problem)


@page_view(roles=MANAGERS)
def notification_settings_page(request):
    row = notification_settings()
    settings_form = SettingsForm(
        request.POST if request.POST.get("form") == "settings" else None,
        initial={
            "quiet_hours_start": row.quiet_hours_start,
            "quiet_hours_end": row.quiet_hours_end,
            "reschedule_instructions": row.reschedule_instructions,
            "contact_phone": row.contact_phone,
        },
    )
    opt_out_form = OptOutForm(request.POST if request.POST.get("form") == "opt_out" else None)
    if request.method == "POST":
        form = settings_form if request.POST.get("form") == "settings" else opt_out_form
        if form.is_valid():
            try:
                if form is settings_form:
                    notification_settings_save(fields=form.cleaned_data)
                    messages.success(request, _("Notification settings saved."))
                else:
                    opt_out_add(source="dashboard", **form.cleaned_data)
                    messages.success(request, _("No more messages go to that address."))
            except ApplicationError as error:
                _form_errors(form, error)
            else:
                return redirect("notification-settings")
    return render(
        request,
        "web/notifications/settings.html",
        {
            "templates": templates_list(),
            "settings_form": settings_form,
            "opt_out_form": opt_out_form,
            "opt_outs": opt_outs_list()[:LOG_LIMIT],
        },
    )


@page_view(roles=MANAGERS)
@require_POST
def opt_out_delete_page(request, opt_out_id):
    opt_out = get_object_or_404(opt_outs_list(), pk=opt_out_id)
    opt_out_remove(opt_out=opt_out)
    messages.success(
        request, _("%(address)s receives messages again.") % {"address": opt_out.address}
    )
    return redirect("notification-settings")


def _template_key(event: str, channel: str) -> None:
    if event not in RECIPIENT_EVENTS or channel not in Channel.values:
        raise Http404


@page_view(roles=MANAGERS)
def template_edit_page(request, event: str, channel: str):
    _template_key(event, channel)
    current = template_get(event=event, channel=channel)
    form = TemplateForm(request.POST or None, initial=current)
    if request.method == "POST":
        if request.POST.get("action") == "reset":
            template_reset(event=event, channel=channel)
            messages.success(request, _("Back to the default wording."))
            return redirect("notification-template", event=event, channel=channel)
        if form.is_valid():
            try:
                template_save(event=event, channel=channel, **form.cleaned_data)
            except ApplicationError as error:
                _form_errors(form, error)
            else:
                messages.success(request, _("Template saved."))
                return redirect("notification-settings")
    preview = _preview(event, channel, form.data if form.is_bound else current)
    return render(
        request,
        "web/notifications/template_edit.html",
        {
            "event": event,
            "channel": channel,
            "template": current,
            "form": form,
            "preview": preview,
            "placeholders": PLACEHOLDERS,
        },
    )


def _preview(event: str, channel: str, data) -> dict:
    try:
        return template_preview(
            event=event,
            channel=channel,
            subject=data.get("subject", "") or "",
            body=data.get("body", "") or "",
        )
    except ApplicationError as error:
        return {"error": error.message}


@page_view(roles=MANAGERS)
@require_POST
def template_preview_page(request, event: str, channel: str):
    """The live preview (htmx): the rendered message for what is in the form right now."""
    _template_key(event, channel)
    return render(
        request,
        "web/notifications/_preview.html",
        {"preview": _preview(event, channel, request.POST), "channel": channel},
    )


@page_view(roles=MANAGERS)
def messages_page(request):
    status = request.GET.get("status", "")
    return render(
        request,
        "web/notifications/messages.html",
        {"messages_log": messages_list(status=status)[:LOG_LIMIT], "status": status},
    )


@page_view(roles=MANAGERS)
def webhooks_page(request):
    form = WebhookEndpointForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = webhook_endpoint_create(**form.cleaned_data)
        except ApplicationError as error:
            _form_errors(form, error)
        else:
            created = {"endpoint": endpoint, "secret": secret}
            form = WebhookEndpointForm()
    return render(
        request,
        "web/notifications/webhooks.html",
        {"form": form, "endpoints": webhook_endpoints_list(), "created": created},
    )


@page_view(roles=MANAGERS)
def webhook_detail_page(request, endpoint_id):
    endpoint = get_object_or_404(webhook_endpoints_list(), pk=endpoint_id)
    secret = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "rotate":
            secret = webhook_secret_rotate(endpoint=endpoint)
        elif action in ("enable", "disable"):
            webhook_endpoint_update(endpoint=endpoint, fields={"enabled": action == "enable"})
            messages.success(
                request, _("Endpoint enabled.") if action == "enable" else _("Endpoint disabled.")
            )
            return redirect("webhook-detail", endpoint_id=endpoint.pk)
        elif action == "delete":
            webhook_endpoint_delete(endpoint=endpoint)
            messages.success(request, _("Endpoint %(url)s deleted.") % {"url": endpoint.url})
            return redirect("webhook-settings")
    return render(
        request,
        "web/notifications/webhook_detail.html",
        {
            "endpoint": endpoint,
            "secret": secret,
            "deliveries": webhook_deliveries_list(endpoint=endpoint).prefetch_related("log")[
                :LOG_LIMIT
            ],
        },
    )


@page_view(roles=MANAGERS)
@require_POST
def webhook_redeliver_page(request, delivery_id):
    delivery = get_object_or_404(WebhookDelivery.objects.select_related("endpoint"), pk=delivery_id)
    try:
        webhook_redeliver(delivery=delivery)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Queued for redelivery (same webhook-id)."))
    return redirect("webhook-detail", endpoint_id=delivery.endpoint_id)


@csrf_exempt  # RFC 8058 one-click unsubscribe: mail providers POST without our cookie
def unsubscribe_page(request, token: str):
    """GET asks to confirm (link scanners must not unsubscribe anyone); POST opts out."""
    if request.method == "POST":
        try:
            opt_out = unsubscribe_redeem(token=token)
        except ApplicationError as error:
            return render(
                request, "web/notifications/unsubscribe.html", {"error": error.message}, status=400
            )
        return render(request, "web/notifications/unsubscribe.html", {"done": opt_out})
    return render(request, "web/notifications/unsubscribe.html", {"token": token})
