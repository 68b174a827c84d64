"""One-time links that let a user choose a password: an invitation (days) and a password reset
(an hour). Each is single use (the hash covers the password, which the link changes), expires on
its own clock and is bound to the business: a link made in one schema never checks in another."""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import connection
from django.utils.http import base36_to_int


class AccountTokenGenerator(PasswordResetTokenGenerator):
    def __init__(self, *, key_salt: str, max_age_setting: str) -> None:
        super().__init__()
        self.key_salt = key_salt
        self.max_age_setting = max_age_setting

    @property
    def max_age_seconds(self) -> int:
        return int(getattr(settings, self.max_age_setting))

    def _make_hash_value(self, user, timestamp) -> str:
        return f"{connection.schema_name}:{super()._make_hash_value(user, timestamp)}"

    def check_token(self, user, token) -> bool:
        # Django checks its own PASSWORD_RESET_TIMEOUT; each kind of link has its own, shorter
        # or not, checked here too.
        if not super().check_token(user, token):
            return False
        try:
            issued = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        return self._num_seconds(self._now()) - issued <= self.max_age_seconds


invitation_tokens = AccountTokenGenerator(
    key_salt="tenants.accounts.invitation", max_age_setting="INVITATION_LINK_SECONDS"
)
password_reset_tokens = AccountTokenGenerator(
    key_salt="tenants.accounts.password-reset", max_age_setting="PASSWORD_RESET_LINK_SECONDS"
)
