"""Office hours (common/office_hours.py, OFFICE_HOURS / OFFICE_CLOSED_DAYS): when staff are at
work, when they next are, and bad values refused at start with the reason."""
import datetime as dt

import pytest
from pydantic import ValidationError

from common.office_hours import TZ, Schedule, describe
from common.settings import Settings, explain

WEEKDAYS = Schedule.parse("mon-fri 07:30-11:30 13:30-17:00; sat 07:30-11:30", "2026-12-14")


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """December 2026: the 7th is a Monday."""
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=TZ)


@pytest.mark.parametrize("moment,open_", [
    (at(7, 7, 30), True), (at(7, 11, 29), True), (at(7, 11, 30), False), (at(7, 12, 0), False),
    (at(7, 13, 30), True), (at(7, 16, 59), True), (at(7, 17, 0), False), (at(7, 6, 0), False),
    (at(12, 9, 0), True), (at(12, 14, 0), False),  # Saturday morning only
    (at(13, 9, 0), False),  # Sunday
    (at(14, 9, 0), False),  # a closed Monday (holiday)
    (dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.timezone.utc), True),  # 09:00 in Vietnam
])
def test_open_in_vietnam_time(moment, open_):
    assert WEEKDAYS.is_open(moment) is open_


def test_next_opening_skips_the_lunch_break_weekend_and_holidays():
    assert WEEKDAYS.next_open(at(7, 9, 0)) == at(7, 9, 0)  # open now
    assert WEEKDAYS.next_open(at(7, 12, 0)) == at(7, 13, 30)
    assert WEEKDAYS.next_open(at(7, 18, 0)) == at(8, 7, 30)
    assert WEEKDAYS.next_open(at(12, 12, 0)) == at(15, 7, 30)  # Sat noon -> Sun off -> Mon holiday -> Tue
    assert describe(at(15, 7, 30), at(12, 12, 0)) == "07:30 thứ Ba, 15/12"
    assert describe(at(8, 7, 30), at(7, 18, 0)) == "07:30 ngày mai (thứ Ba, 08/12)"
    assert describe(at(7, 13, 30), at(7, 12, 0)) == "13:30 hôm nay"


def test_always_means_open_except_closed_days():
    always = Schedule.parse("always", "2026-12-25")
    assert always.is_open(at(13, 3, 0)) and not always.is_open(at(25, 10, 0))
    assert always.next_open(at(25, 10, 0)) == at(26, 0, 0)


@pytest.mark.parametrize("hours,closed,says", [
    ("", "", "no office hours"),
    ("mon-fri", "", "give the hours"),
    ("monday 07:30-11:30", "", "days are mon"),
    ("fri-mon 07:30-11:30", "", "goes forward"),
    ("mon-fri 7h30-11h30", "", "HH:MM-HH:MM"),
    ("mon-fri 11:30-07:30", "", "end comes before"),
    ("mon-fri 25:00-26:00", "", "not a time"),
    ("mon-fri 07:30-11:30", "30/04/2026", "not a day"),
])
def test_bad_values_are_refused_with_the_reason(hours, closed, says):
    with pytest.raises(ValueError, match=says):
        Schedule.parse(hours, closed)


def test_settings_refuse_bad_office_hours_naming_the_variable():
    with pytest.raises(ValidationError) as error:
        Settings(office_hours="mon-fri 7h-17h", office_closed_days="ngày lễ")
    message = explain(error.value)
    assert "OFFICE_HOURS: " in message and "HH:MM" in message
    assert "OFFICE_CLOSED_DAYS: " in message and "YYYY-MM-DD" in message
    assert Settings().office.is_open(at(8, 10, 0))  # the default: weekdays, office hours
