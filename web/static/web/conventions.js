/* The business's conventions in the browser, as the server writes them (tenants.locale): its
 * language, its clock (24-hour "14:30" or 12-hour "2:30 PM"), its order of day and month, its
 * time zone. The one place where the driver's phone, the dashboard and the tracking page format a
 * time or a date, and where they find the translations of their words (Django's JavaScript
 * catalog, /jsi18n/, loaded as a classic script before the page's modules).
 *
 * Settings: {locale: "en-GB", hour12: false, timeZone: "Europe/London", monthFirst: false}, from
 * the page's json_script (tenants.locale.locale_script_config) or from <html data-locale
 * data-hour12 data-month-first data-time-zone> (pageSettings()). */

// Without the catalog (a phone offline before it ever cached it) the words stay in English.
export const gettext = window.gettext || ((text) => text);
export const ngettext = window.ngettext || ((singular, plural, count) => (count === 1 ? singular : plural));
export const interpolate =
  window.interpolate ||
  ((format, values, named) =>
    named
      ? format.replace(/%\(\w+\)s/g, (match) => String(values[match.slice(2, -2)]))
      : format.replace(/%s/g, () => String(values.shift())));

/* gettext with named values: say("Stop %(number)s of %(count)s", {number: 2, count: 9}) after
 * gettext() has translated the format. */
export function format(text, values) {
  return interpolate(text, values, true);
}

/* 35 min, 1 h 30 min: a span of whole minutes (the server's tenants.locale.duration_text). */
export function duration(minutes) {
  return minutes >= 60
    ? format(gettext("%(hours)s h %(minutes)s min"), { hours: Math.floor(minutes / 60), minutes: minutes % 60 })
    : format(gettext("%(minutes)s min"), { minutes });
}

const DATE_SEPARATORS = { de: ".", nl: "-" };

export function pageSettings() {
  const data = document.documentElement.dataset;
  return {
    locale: data.locale || "en-GB",
    hour12: data.hour12 === "true",
    monthFirst: data.monthFirst === "true",
    timeZone: data.timeZone || undefined,
  };
}

function language(locale) {
  return String(locale || "en").split("-")[0].toLowerCase();
}

function moment(value) {
  return value instanceof Date ? value : new Date(value);
}

/* A calendar day ("2026-12-03") is the same day everywhere: read it at noon UTC, write it in UTC. */
function calendarDay(value) {
  return typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value);
}

export function conventions(settings) {
  const locale = settings.locale || "en-GB";
  const hour12 = Boolean(settings.hour12);
  const timeZone = settings.timeZone || undefined;
  const clock = new Intl.DateTimeFormat(locale, {
    hour: hour12 ? "numeric" : "2-digit",
    minute: "2-digit",
    hour12,
    timeZone,
  });
  const zoneOf = (value) => (calendarDay(value) ? "UTC" : timeZone);
  const at = (value) => (calendarDay(value) ? new Date(value + "T12:00:00Z") : moment(value));

  /* 14:05, or 2:05 PM where the business reads a 12-hour clock ("–" for no time). */
  function time(value) {
    if (value === null || value === undefined || value === "") return "–";
    return clock.format(moment(value)).replace(/[\u202f\u00a0]/g, " ");
  }

  /* 03/12/2026 (03.12.2026 in German, 03-12-2026 in Dutch), or 12/03/2026 where the month
   * comes first: tenants.locale.date_text. */
  function date(value) {
    if (!value) return "";
    const parts = {};
    new Intl.DateTimeFormat("en-GB", {
      year: "numeric", month: "2-digit", day: "2-digit", timeZone: zoneOf(value),
    })
      .formatToParts(at(value))
      .forEach((part) => { parts[part.type] = part.value; });
    if (settings.monthFirst) return `${parts.month}/${parts.day}/${parts.year}`;
    const separator = DATE_SEPARATORS[language(locale)] || "/";
    return [parts.day, parts.month, parts.year].join(separator);
  }

  /* The day in words, in the business's language: "Thursday 3 December". */
  function day(value) {
    if (!value) return "";
    return new Intl.DateTimeFormat(locale, {
      weekday: "long", day: "numeric", month: "long", timeZone: zoneOf(value),
    }).format(at(value));
  }

  /* The weekday's name in the business's language: "Thursday", "donderdag". */
  function weekday(value) {
    if (!value) return "";
    return new Intl.DateTimeFormat(locale, { weekday: "long", timeZone: zoneOf(value) }).format(at(value));
  }

  /* 03/12/2026 10:40 (or 12/03/2026 10:40 AM): a log's moment. */
  function dateTime(value) {
    if (!value) return "";
    return `${date(value)} ${time(value)}`;
  }

  return { locale, hour12, timeZone, time, date, day, weekday, dateTime };
}
