"""Getting a driver in: the invitation's page (what became of the e-mail, resend it, text it, a
link to copy and a QR code to show on their phone). Owners and admins; sends are rate limited
per client address like every invitation."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from delivery.models import Driver
from notifications.models import Channel
from notifications.services import message_queue
from tenants.accounts.invitations import (
    invitation_email_late,
    invitation_link_days,
    invitation_pending,
    invitation_resend,
    invitation_text,
    invitation_url,
    qr_code_svg,
)
from tenants.errors import ApplicationError
from tenants.page_limits import invitation_limit_refusal
from web.access import MANAGERS, page_view

manager_page = page_view(roles=MANAGERS)
INVITATION_SMS_EVENT = "driver.invitation"


def _driver(driver_id) -> Driver:
    return get_object_or_404(Driver.objects.select_related("user"), pk=driver_id)


def _link(request, driver: Driver) -> str:
    # The host the admin is on: the phone that scans the code reaches the business there too.
    # With the port the admin reached it on (the link names no other: tenants.accounts.links).
    return invitation_url(user=driver.user, host=request.get_host())


@manager_page
def driver_invitation(request, driver_id):
    driver = _driver(driver_id)
    user = driver.user
    pending = invitation_pending(user)
    link = _link(request, driver) if pending else ""
    return render(
        request,
        "web/pages/driver_invitation.html",
        {
            "driver": driver,
            "invited": user,
            "pending": pending,
            "link": link,
            "qr_svg": qr_code_svg(text=link) if link else "",
            "link_days": invitation_link_days(),
            "email_late": invitation_email_late(user),
            "login_url": request.build_absolute_uri(reverse("login")),
        },
    )


@manager_page
@require_POST
def driver_invitation_resend(request, driver_id):
    driver = _driver(driver_id)
    if (refusal := invitation_limit_refusal(request)) is not None:
        return refusal
    try:
        invitation_resend(user=driver.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Invitation e-mail sent again to %(email)s.") % {"email": driver.user.email}
        )
    return redirect("driver-invitation", driver_id=driver.pk)


@manager_page
@require_POST
def driver_invitation_sms(request, driver_id):
    driver = _driver(driver_id)
    if (refusal := invitation_limit_refusal(request)) is not None:
        return refusal
    if not invitation_pending(driver.user):
        messages.error(
            request,
            _("%(driver)s has already chosen a password: nothing to text.") % {"driver": driver},
        )
    elif not driver.phone:
        messages.error(
            request,
            _("%(driver)s has no phone number: add one to text the invitation.")
            % {"driver": driver},
        )
    else:
        body = invitation_text(
            user=driver.user, business_name=request.tenant.name, url=_link(request, driver)
        )
        try:
            message = message_queue(
                channel=Channel.SMS, to=driver.phone, body=body, event_name=INVITATION_SMS_EVENT
            )
        except ApplicationError as error:
            messages.error(
                request,
                _("Could not text %(phone)s: %(problem)s")
                % {"phone": driver.phone, "problem": error.message},
            )
        else:
            messages.success(
                request,
                _("Invitation text queued to %(to)s; the message log shows when it is sent.")
                % {"to": message.to},
            )
    return redirect("driver-invitation", driver_id=driver.pk)
