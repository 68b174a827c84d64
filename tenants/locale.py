"""The business's conventions, in one place: its language, its clock (24- or 12-hour), its order of
day and month, its time zone. Every page, message and log that writes a date or a time for a
business formats it here (templates through the `business_format` filters, scripts through
`locale_script_config`, messages through the functions below)."""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.utils import dateformat, translation
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.translation import gettext_lazy as _

# The languages a business (and a recipient) can be written to in; every recipient-facing text
# (tracking page, default SMS and e-mail) is complete in each of them.
LANGUAGES = [("en", "English"), ("nl", "Nederlands"), ("de", "Deutsch")]
LANGUAGE_CODES = frozenset(code for code, _label in LANGUAGES)

# Countries whose clocks read 12-hour (10:30 AM) and whose dates put the month first (12/3/2026);
# everyone else reads 10:30 and 3/12/2026.
TWELVE_HOUR_COUNTRIES = frozenset({"US", "CA", "AU", "NZ", "PH", "IN", "PK", "EG", "SA", "CO"})
MONTH_FIRST_COUNTRIES = frozenset({"US", "PH", "FM", "MH", "PW"})


# A day in words where the language writes it otherwise than "Thursday 3 December".
DAY_PATTERNS = {"de": "l, j. F"}
DATE_SEPARATORS = {"de": ".", "nl": "-"}


class Clock:
    AUTOMATIC = "auto"
    H24 = "24"
    H12 = "12"
    CHOICES = [
        (AUTOMATIC, _("As usual in the business's country")),
        (H24, _("24-hour (14:30)")),
        (H12, _("12-hour (2:30 PM)")),
    ]


@dataclass(frozen=True)
class BusinessLocale:
    language: str
    country: str
    time_zone: ZoneInfo
    hour12: bool
    month_first: bool

    @property
    def tag(self) -> str:
        """The BCP 47 tag browsers understand (Intl.DateTimeFormat): "en-GB", "nl-NL", "de"."""
        return f"{self.language}-{self.country}" if self.country else self.language


def language_for(value: str | None) -> str | None:
    """The shipped language a tag such as "nl", "nl-BE" or "en_GB" asks for, or None."""
    if not value:
        return None
    code = value.replace("_", "-").split("-")[0].lower()
    return code if code in LANGUAGE_CODES else None


def _connection_tenant():
    """The business the connection is on: the request's tenant, or (a task, a test switched with
    schema_context, whose tenant is a stand-in) the business read by its schema."""
    tenant = getattr(connection, "tenant", None)
    if tenant is None or hasattr(tenant, "time_zone"):
        return tenant
    if connection.schema_name == settings.PUBLIC_SCHEMA_NAME:
        return None  # the platform's defaults
    from tenants.models import Tenant  # here: tenants.models imports this module

    return Tenant.objects.filter(schema_name=connection.schema_name).first()


def business_locale(tenant=None, *, language: str | None = None) -> BusinessLocale:
    """The conventions of `tenant` (default: the business the connection is on; the platform's
    defaults on the public site). `language`: a recipient's own, when it is one we ship."""
    if tenant is None:
        tenant = _connection_tenant()
    country = (getattr(tenant, "country", "") or "").upper()
    clock = getattr(tenant, "clock", Clock.AUTOMATIC) or Clock.AUTOMATIC
    hour12 = clock == Clock.H12 or (clock == Clock.AUTOMATIC and country in TWELVE_HOUR_COUNTRIES)
    return BusinessLocale(
        language=language_for(language)
        or language_for(getattr(tenant, "language", None))
        or settings.LANGUAGE_CODE,
        country=country,
        time_zone=ZoneInfo(getattr(tenant, "time_zone", None) or settings.TIME_ZONE),
        hour12=hour12,
        month_first=country in MONTH_FIRST_COUNTRIES,
    )


def _local(moment: datetime, locale: BusinessLocale) -> datetime:
    return moment.astimezone(locale.time_zone) if moment.tzinfo else moment


def time_text(moment: datetime | None, locale: BusinessLocale | None = None) -> str:
    """14:05, or 2:05 PM where the business reads a 12-hour clock."""
    if moment is None:
        return ""
    locale = locale or business_locale()
    moment = _local(moment, locale)
    if locale.hour12:
        suffix = "AM" if moment.hour < 12 else "PM"
        return f"{moment.hour % 12 or 12}:{moment.minute:02d} {suffix}"
    return f"{moment.hour:02d}:{moment.minute:02d}"


def date_text(day: date | datetime | None, locale: BusinessLocale | None = None) -> str:
    """A short date: 03/12/2026 (day first; 03.12.2026 in German, 03-12-2026 in Dutch) or
    12/03/2026 (month first, e.g. the US)."""
    if day is None:
        return ""
    locale = locale or business_locale()
    if isinstance(day, datetime):
        day = _local(day, locale).date()
    if locale.month_first:
        return f"{day.month:02d}/{day.day:02d}/{day.year}"
    separator = DATE_SEPARATORS.get(locale.language, "/")
    return f"{day.day:02d}{separator}{day.month:02d}{separator}{day.year}"


def day_text(day: date | datetime | None, locale: BusinessLocale | None = None) -> str:
    """A delivery day in words, in the locale's language: "Thursday 3 December" ("Thursday,
    December 3" where the month comes first)."""
    if day is None:
        return ""
    locale = locale or business_locale()
    if isinstance(day, datetime):
        day = _local(day, locale).date()
    pattern = "l, F j" if locale.month_first else DAY_PATTERNS.get(locale.language, "l j F")
    with translation.override(locale.language):
        return dateformat.format(day, pattern)


def datetime_text(moment: datetime | None, locale: BusinessLocale | None = None) -> str:
    """03/12/2026 10:40 (or 12/03/2026 10:40 AM): a log's moment."""
    if moment is None:
        return ""
    locale = locale or business_locale()
    return f"{date_text(moment, locale)} {time_text(moment, locale)}"


def duration_text(minutes: int) -> str:
    """35 min, 1 h 30 min: a span of whole minutes, as the scripts write it (conventions.js
    duration), in the active language."""
    from django.utils.translation import gettext

    if minutes >= 60:
        return gettext("%(hours)s h %(minutes)s min") % {
            "hours": minutes // 60,
            "minutes": minutes % 60,
        }
    return gettext("%(minutes)s min") % {"minutes": minutes}


def locale_script_config(locale: BusinessLocale | None = None) -> dict:
    """What a page's script needs to write times as the server does, with Intl.DateTimeFormat:
    `new Intl.DateTimeFormat(locale, {hour: "numeric", minute: "2-digit", hour12, timeZone})`."""
    locale = locale or business_locale()
    return {
        "locale": locale.tag,
        "hour12": locale.hour12,
        "timeZone": str(locale.time_zone),
        "monthFirst": locale.month_first,
    }


# Countries whose weeks start on Sunday (calendars, week-day pickers); everyone else's on Monday.
SUNDAY_FIRST_COUNTRIES = frozenset(
    {"US", "CA", "MX", "BR", "JP", "KR", "TW", "HK", "IL", "PH", "ZA", "IN", "SA", "CO"}
)
WEEKDAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # as stored: Monday first


def week_order(locale: BusinessLocale | None = None) -> tuple[str, ...]:
    """The days of the week (mon … sun) in the order the business's calendar shows them."""
    locale = locale or business_locale()
    if locale.country in SUNDAY_FIRST_COUNTRIES:
        return ("sun", *WEEKDAY_CODES[:-1])
    return WEEKDAY_CODES


def weekday_choices(
    locale: BusinessLocale | None = None, *, short: bool = False
) -> list[tuple[str, str]]:
    """[("mon", "Monday"), …] in the business's week order and language ("maandag", "Mo" short),
    for the week-day pickers and lists of the business's pages."""
    locale = locale or business_locale()
    names = WEEKDAYS_ABBR if short else WEEKDAYS
    with translation.override(locale.language):
        return [(code, str(names[WEEKDAY_CODES.index(code)])) for code in week_order(locale)]
