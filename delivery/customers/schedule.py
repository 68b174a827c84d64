"""The dates of a standing order: pure date arithmetic, no database."""

from datetime import date, timedelta

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def weekday_name(day: date) -> str:
    return WEEKDAYS[day.weekday()]


def schedule_dates(
    *,
    start_date: date,
    weekdays: list[str],
    interval_weeks: int,
    end_date: date | None,
    count: int | None,
    first: date,
    last: date,
) -> list[date]:
    """The delivery dates in [first, last]: on `weekdays` of every `interval_weeks`-th week
    counted from the week of `start_date` (weeks start on Monday), never before `start_date`,
    never after `end_date`, and only the first `count` dates of the whole series."""
    wanted = sorted({WEEKDAYS.index(name) for name in weekdays})
    if not wanted or last < first:
        return []
    stop = min(last, end_date) if end_date else last
    week = start_date - timedelta(days=start_date.weekday())
    # Without a count the series can start at the first week that matters; with one, the
    # dates before `first` still use up the count.
    if count is None and first > week:
        weeks_to_first = (first - week).days // 7
        week += timedelta(weeks=weeks_to_first - weeks_to_first % interval_weeks)
    dates: list[date] = []
    seen = 0
    while week <= stop:
        for weekday in wanted:
            day = week + timedelta(days=weekday)
            if day < start_date or day > stop:
                continue
            seen += 1
            if count is not None and seen > count:
                return dates
            if day >= first:
                dates.append(day)
        week += timedelta(weeks=interval_weeks)
    return dates
