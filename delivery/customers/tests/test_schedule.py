"""The dates of a standing order (pure)."""

from datetime import date

from delivery.customers.schedule import schedule_dates

MONDAY = date(2026, 11, 30)


def dates(**kwargs) -> list[str]:
    values = {
        "start_date": MONDAY,
        "weekdays": ["mon"],
        "interval_weeks": 1,
        "end_date": None,
        "count": None,
        "first": MONDAY,
        "last": date(2026, 12, 31),
    }
    return [day.isoformat() for day in schedule_dates(**{**values, **kwargs})]


def test_every_week_on_the_start_weekday():
    assert dates() == ["2026-11-30", "2026-12-07", "2026-12-14", "2026-12-21", "2026-12-28"]


def test_every_second_week_counts_from_the_start_week():
    assert dates(interval_weeks=2) == ["2026-11-30", "2026-12-14", "2026-12-28"]
    # Seen from later on, the same weeks.
    assert dates(interval_weeks=2, first=date(2026, 12, 8)) == ["2026-12-14", "2026-12-28"]
    assert dates(interval_weeks=3, first=date(2026, 12, 15)) == ["2026-12-21"]


def test_chosen_weekdays_never_before_the_start_date():
    assert dates(
        start_date=date(2026, 12, 2), weekdays=["mon", "thu"], last=date(2026, 12, 14)
    ) == ["2026-12-03", "2026-12-07", "2026-12-10", "2026-12-14"]


def test_end_date_and_count():
    assert dates(end_date=date(2026, 12, 14)) == ["2026-11-30", "2026-12-07", "2026-12-14"]
    assert dates(count=2) == ["2026-11-30", "2026-12-07"]
    # The count includes the dates before the first asked for.
    assert dates(count=3, first=date(2026, 12, 8)) == ["2026-12-14"]


def test_nothing_without_weekdays_or_an_empty_range():
    assert dates(weekdays=[]) == []
    assert dates(last=date(2026, 11, 29)) == []
