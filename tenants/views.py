"""Public site: landing page and sign-up. Thin: the form parses, the service decides."""

from django.conf import settings
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from django_tenants.utils import schema_context

from tenants.accounts.services import login_token_issue
from tenants.errors import ApplicationError
from tenants.forms import BusinessAddressForm, SignupForm
from tenants.page_limits import address_limit_refusal
from tenants.readiness import readiness
from tenants.selectors import business_for_address, tenant_url
from tenants.services import tenant_create


@require_GET
def landing(request):
    return render(request, "tenants/landing.html")


def signup(request):
    form = SignupForm(request.POST or None, base_domain=settings.BASE_DOMAIN)
    if request.method == "POST":
        # Each sign-up creates a schema: a few per address and hour, counted before validation.
        refusal = address_limit_refusal(
            request, action="signup", limit=settings.SIGNUP_RATE_LIMIT_PER_HOUR, what=_("sign-ups")
        )
        if refusal is not None:
            return refusal
    if request.method == "POST" and form.is_valid():
        try:
            provisioned = tenant_create(**form.cleaned_data)
        except ApplicationError as error:
            for field, messages in error.fields.items():
                for message in messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            with schema_context(provisioned.tenant.schema_name):
                token = login_token_issue(user=provisioned.owner)
            return HttpResponseRedirect(
                tenant_url(tenant=provisioned.tenant, path=f"/login/token/{token}/")
            )
    return render(
        request, "tenants/signup.html", {"form": form}, status=400 if form.errors else 200
    )


def public_login(request):
    """The public site's sign-in: ask which business, then send the user to its sign-in page.
    Look-ups are rate limited per client address; an unknown address says only that."""
    form = BusinessAddressForm(
        request.POST if request.method == "POST" else None, base_domain=settings.BASE_DOMAIN
    )
    if request.method == "POST":
        refusal = address_limit_refusal(
            request,
            action="business-lookup",
            limit=settings.BUSINESS_LOOKUP_RATE_LIMIT_PER_HOUR,
            what=_("business look-ups"),
        )
        if refusal is not None:
            return refusal
        if form.is_valid():
            tenant = business_for_address(address=form.cleaned_data["address"])
            if tenant is not None:
                return HttpResponseRedirect(tenant_url(tenant=tenant, path="/login/"))
            form.add_error(
                "address",
                f"No business uses the address “{form.cleaned_data['address'].strip()}”. Check "
                "the spelling: it is the first part of the link you sign in at.",
            )
    return render(
        request, "tenants/public_login.html", {"form": form}, status=400 if form.errors else 200
    )


@require_GET
def favicon(request):
    """/favicon.ico, which browsers ask every host for: the static icon (cached long there)."""
    return redirect(static("img/favicon.ico"))


@require_GET
def health(request):
    """Liveness: the process answers (nothing outside it is checked)."""
    return JsonResponse({"status": "ok"})


@require_GET
def ready(request):
    """Readiness: PostgreSQL, Redis and the broker answer (503 with what failed otherwise)."""
    ok, checks = readiness()
    response = JsonResponse(
        {"status": "ready" if ok else "unavailable", "checks": checks}, status=200 if ok else 503
    )
    if not ok:
        response["Retry-After"] = "5"
    response["Cache-Control"] = "no-store"
    return response
