"""Every change to users and API keys goes through these functions."""

import hashlib
import secrets
import uuid
from datetime import timedelta

from axes.utils import reset as axes_reset
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants import validation
from tenants.accounts.models import ApiKey, Role, User
from tenants.errors import ApplicationError

API_KEY_PREFIX = "dk_"
LOGIN_TOKEN_SALT = "tenants.accounts.login-token"  # noqa: S105 (a salt, not a secret)
LOGIN_TOKEN_MAX_AGE_SECONDS = 120
LAST_USED_RESOLUTION = timedelta(minutes=1)

# A role may only hand out roles at or below its own.
ROLE_RANK = {Role.DRIVER: 0, Role.DISPATCHER: 1, Role.ADMIN: 2, Role.OWNER: 3}


def email_normalise(email: str) -> str:
    """A user's e-mail address (required), lower-case; a bad one is a validation error."""
    try:
        normalised = validation.email_normalise(email)
    except ValueError as error:
        message = str(error)
    else:
        if normalised:
            return normalised
        message = _("Enter a valid e-mail address.")
    raise ApplicationError("validation_error", message, fields={"email": [message]})


def password_validate(*, password: str, user: User) -> None:
    try:
        validate_password(password, user=user)
    except DjangoValidationError as error:
        raise ApplicationError(
            "validation_error", error.messages[0], fields={"password": error.messages}
        ) from None


def user_create(
    *,
    email: str,
    role: str,
    password: str | None,
    full_name: str = "",
    invited_by: User | None = None,
) -> User:
    """Create a user in the current tenant; `password=None` leaves it unusable (invitation)."""
    if role not in Role.values:
        raise ApplicationError(
            "validation_error",
            _("Unknown role %(role)s.") % {"role": repr(role)},
            fields={
                "role": [_("Must be one of: %(choices)s.") % {"choices": ", ".join(Role.values)}]
            },
        )
    user = User(
        email=email_normalise(email), role=role, full_name=full_name.strip(), invited_by=invited_by
    )
    if password is None:
        user.set_unusable_password()
    else:
        password_validate(password=password, user=user)
        user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise ApplicationError(
            "validation_error",
            _("A user with this e-mail address already exists."),
            fields={"email": [_("A user with this e-mail address already exists.")]},
        ) from None
    return user


def _actor_role(actor) -> str:
    return actor.role


def user_invite(*, actor, email: str, role: str, full_name: str = "") -> User:
    """Create an inactive-password user and e-mail them a set-password link (after commit)."""
    from tenants.accounts.invitations import invitation_email_queue

    if role in ROLE_RANK and ROLE_RANK[role] > ROLE_RANK[_actor_role(actor)]:
        raise ApplicationError(
            "permission_denied",
            _("You cannot invite someone as %(role)s: it is above your role.") % {"role": role},
        )
    with transaction.atomic():
        user = user_create(
            email=email,
            role=role,
            password=None,
            full_name=full_name,
            invited_by=actor if isinstance(actor, User) else None,
        )
        invitation_email_queue(user=user)
    return user


def user_deactivate(*, actor, user: User) -> User:
    if isinstance(actor, User) and actor.pk == user.pk:
        raise ApplicationError("invalid_operation", _("You cannot deactivate yourself."))
    if user.role == Role.OWNER and _actor_role(actor) != Role.OWNER:
        raise ApplicationError(
            "permission_denied",
            _("Only an owner can deactivate an owner."),
        )
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not user.is_active:
            return user
        user.is_active = False
        user.deactivated_at = timezone.now()
        user.save(update_fields=["is_active", "deactivated_at"])
    return user


def user_unlock(*, user: User) -> int:
    """Lift a login lockout (django-axes) on this user's e-mail: forget its failed sign-ins, from
    every address. Returns how many failure records were dropped. Owner/admin only (the caller's
    guard)."""
    return axes_reset(username=user.email)


def user_password_set(*, user: User, password: str) -> User:
    password_validate(password=password, user=user)
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


def _api_key_hash(raw_key: str) -> str:
    # Keys carry 256 random bits, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(raw_key.encode()).hexdigest()


def api_key_create(
    *, name: str, role: str = ApiKey.KeyRole.ADMIN, created_by: User | None = None
) -> tuple[ApiKey, str]:
    """Create a key; the raw key is returned once and never stored."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ApplicationError(
            "validation_error",
            _("Give the key a name of 1–100 characters."),
            fields={"name": [_("Must be 1–100 characters.")]},
        )
    if role not in ApiKey.KeyRole.values:
        raise ApplicationError(
            "validation_error",
            _("Unknown API key role %(role)s.") % {"role": repr(role)},
            fields={
                "role": [
                    _("Must be one of: %(choices)s.")
                    % {"choices": ", ".join(ApiKey.KeyRole.values)}
                ]
            },
        )
    prefix = secrets.token_hex(4)
    raw_key = f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        name=name,
        prefix=prefix,
        key_hash=_api_key_hash(raw_key),
        role=role,
        created_by=created_by,
    )
    return api_key, raw_key


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    api_key.refresh_from_db(fields=["revoked_at"])
    return api_key


def api_key_authenticate(*, raw_key: str) -> ApiKey | None:
    """The active key matching `raw_key` in the current tenant, or None."""
    if not raw_key.startswith(API_KEY_PREFIX) or len(raw_key) > 200:
        return None
    api_key = ApiKey.objects.filter(
        key_hash=_api_key_hash(raw_key), revoked_at__isnull=True
    ).first()
    if api_key is None:
        return None
    now = timezone.now()
    if api_key.last_used_at is None or api_key.last_used_at < now - LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


def login_token_issue(*, user: User) -> str:
    """A short-lived, single-use token that signs `user` in on their tenant's host."""
    return signing.dumps(
        {"user": str(user.pk), "schema": connection.schema_name, "nonce": uuid.uuid4().hex},
        salt=LOGIN_TOKEN_SALT,
    )


def login_token_redeem(*, token: str) -> User:
    try:
        payload = signing.loads(token, salt=LOGIN_TOKEN_SALT, max_age=LOGIN_TOKEN_MAX_AGE_SECONDS)
    except signing.BadSignature:
        raise ApplicationError(
            "invalid_token", _("This sign-in link is invalid or has expired.")
        ) from None
    if payload.get("schema") != connection.schema_name:
        raise ApplicationError("invalid_token", _("This sign-in link is invalid or has expired."))
    # The cache key carries the tenant's schema; `add` succeeds only the first time.
    if not cache.add(f"login-token:{payload['nonce']}", 1, timeout=LOGIN_TOKEN_MAX_AGE_SECONDS * 2):
        raise ApplicationError("invalid_token", _("This sign-in link was already used."))
    user = User.objects.filter(pk=payload["user"], is_active=True).first()
    if user is None:
        raise ApplicationError("invalid_token", _("This sign-in link is invalid or has expired."))
    return user
