import json
import logging
from datetime import date, datetime, time, timedelta, timezone

import pytest

from talentflow.core.workdays import DEFAULT_FILE, ENV_VAR, WorkCalendar, default_calendar

D = date.fromisoformat
CST = timezone(timedelta(hours=8), "Asia/Shanghai")


@pytest.fixture
def cal():
    return WorkCalendar.from_file(DEFAULT_FILE)


def brute_between(cal, a, b):
    """Reference implementation of workdays_between by walking every day."""
    sign = 1
    if b < a:
        a, b, sign = b, a, -1
    n, d = 0, a
    while d < b:
        d += timedelta(days=1)
        n += cal.is_workday(d)
    return sign * n


# -- data file -----------------------------------------------------------------


def test_data_file_covers_2025_and_2026(cal):
    assert {2025, 2026} <= cal.years
    doc = json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    assert "State Council" in doc["source"] and "December" in doc["source"]


def test_data_file_matches_chinese_calendar_package(cal):
    """Guard against hand edits drifting from the source package (dev-only dep)."""
    cc = pytest.importorskip("chinese_calendar")
    for year in sorted(cal.years):
        d = date(year, 1, 1)
        while d.year == year:
            assert cal.is_workday(d) == cc.is_workday(d), d
            d += timedelta(days=1)


def test_2026_national_day_and_spring_festival_in_file():
    doc = json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    y = doc["years"]["2026"]
    for i in range(1, 8):
        assert f"2026-10-{i:02d}" in y["holidays"]
    for i in range(15, 24):
        assert f"2026-02-{i:02d}" in y["holidays"]
    assert {"2026-02-14", "2026-02-28", "2026-09-20", "2026-10-10"} <= set(y["workdays"])


# -- ordinary weeks --------------------------------------------------------------


def test_friday_plus_one_is_monday(cal):
    assert D("2026-03-06").weekday() == 4
    assert cal.add_workdays(D("2026-03-06"), 1) == D("2026-03-09")
    assert cal.add_workdays(D("2026-03-06"), 5) == D("2026-03-13")
    assert cal.workdays_between(D("2026-03-06"), D("2026-03-09")) == 1


def test_add_zero(cal):
    assert cal.add_workdays(D("2026-03-09"), 0) == D("2026-03-09")  # Monday
    assert cal.add_workdays(D("2026-03-07"), 0) == D("2026-03-09")  # Saturday
    assert cal.add_workdays(D("2026-10-01"), 0) == D("2026-10-08")  # National Day
    assert cal.add_workdays(D("2026-10-10"), 0) == D("2026-10-10")  # make-up Saturday


def test_datetime_start_uses_its_date(cal):
    assert cal.add_workdays(datetime(2026, 3, 6, 23, 30), 1) == D("2026-03-09")
    assert cal.is_workday(datetime(2026, 10, 10, 9, 0))


def test_negative_n_rejected(cal):
    with pytest.raises(ValueError):
        cal.add_workdays(D("2026-03-06"), -1)


# -- holidays and make-up days ---------------------------------------------------------


def test_make_up_workdays_and_holidays(cal):
    assert cal.is_workday(D("2026-10-10"))  # Saturday, make-up
    assert cal.is_workday(D("2026-09-20"))  # Sunday, make-up
    assert cal.is_workday(D("2026-02-14"))  # Saturday, make-up
    assert cal.is_workday(D("2025-09-28"))  # Sunday, make-up
    assert not cal.is_workday(D("2026-10-05"))  # Monday, National Day
    assert not cal.is_workday(D("2026-02-16"))  # Monday, Spring Festival
    assert not cal.is_workday(D("2026-10-11"))  # ordinary Sunday


def test_make_up_workday_counted(cal):
    # Thu 2026-10-08 -> Fri 10-09 (1), Sat 10-10 make-up (2)
    assert cal.add_workdays(D("2026-10-08"), 2) == D("2026-10-10")
    assert cal.workdays_between(D("2026-10-09"), D("2026-10-12")) == 2  # Sat + Mon
    # Sunday 2026-09-20 is a make-up day: Fri 09-18 + 1 = Sun 09-20
    assert cal.add_workdays(D("2026-09-18"), 1) == D("2026-09-20")


def test_across_2026_national_day(cal):
    # Created Wed 2026-09-30; Oct 1-7 off; Oct 8, 9, 10 (make-up Sat), 12-16, 19, 20.
    created = datetime(2026, 9, 30, 15, 0, tzinfo=CST)
    assert cal.add_workdays(created, 10) == D("2026-10-20")
    assert cal.due_at(created, 10) == datetime(2026, 10, 20, 23, 59, 59, tzinfo=CST)
    assert cal.workdays_between(D("2026-09-30"), D("2026-10-20")) == 10
    # the same span under plain Mon-Fri would end on 10-14
    assert WorkCalendar().add_workdays(created, 10) == D("2026-10-14")


def test_across_2026_spring_festival(cal):
    # Fri 2026-02-13; Sat 02-14 make-up (1); 02-15..23 off; 24-27 (2-5);
    # Sat 02-28 make-up (6); Mar 2-5 (7-10).
    assert cal.add_workdays(D("2026-02-13"), 1) == D("2026-02-14")
    assert cal.add_workdays(D("2026-02-13"), 2) == D("2026-02-24")
    assert cal.add_workdays(D("2026-02-13"), 10) == D("2026-03-05")
    assert cal.workdays_between(D("2026-02-14"), D("2026-02-24")) == 1
    # created during the holiday: n=0 is the first day back, n=1 the next
    assert cal.add_workdays(D("2026-02-18"), 0) == D("2026-02-24")
    assert cal.add_workdays(D("2026-02-18"), 1) == D("2026-02-24")


def test_across_2025_national_day(cal):
    # 2025: Oct 1-8 off, Sun 09-28 and Sat 10-11 make-up.
    assert cal.add_workdays(D("2025-09-30"), 1) == D("2025-10-09")
    assert cal.add_workdays(D("2025-09-30"), 3) == D("2025-10-11")


# -- workdays_between ---------------------------------------------------------------------


def test_workdays_between_basic_symmetric_negative(cal):
    a, b = D("2026-09-30"), D("2026-10-20")
    assert cal.workdays_between(a, a) == 0
    assert cal.workdays_between(a, b) == 10
    assert cal.workdays_between(b, a) == -10
    # overdue: due 10-20, today 10-22 -> two working days overdue
    assert cal.workdays_between(D("2026-10-22"), b) == -2
    assert cal.workdays_between(datetime(2026, 9, 30, 8), datetime(2026, 10, 20, 8)) == 10


def test_workdays_between_matches_walk_and_add(cal):
    start = D("2025-01-01")
    for offset in range(0, 800, 13):
        a = start + timedelta(days=offset)
        for span in (0, 1, 2, 6, 7, 9, 30, 45, 400):
            b = a + timedelta(days=span)
            expected = brute_between(cal, a, b)
            assert cal.workdays_between(a, b) == expected, (a, b)
            assert cal.workdays_between(b, a) == -expected, (a, b)
        for n in (1, 3, 10, 20):
            assert cal.workdays_between(a, cal.add_workdays(a, n)) == n, (a, n)


# -- fallback ------------------------------------------------------------------------------


def test_fallback_year_is_monday_to_friday_and_warns_once(cal, caplog):
    assert 2031 not in cal.years
    with caplog.at_level(logging.WARNING, logger="talentflow.core.workdays"):
        week = [D("2031-09-29") + timedelta(days=i) for i in range(14)]
        assert [cal.is_workday(d) for d in week] == [d.weekday() < 5 for d in week]
        assert cal.is_workday(D("2031-10-01"))  # no National Day data -> Wednesday works
        assert cal.add_workdays(D("2031-10-03"), 1) == D("2031-10-06")  # Fri -> Mon
        assert cal.workdays_between(D("2031-09-28"), D("2031-10-05")) == 5
    warnings = [r for r in caplog.records if "2031" in r.getMessage()]
    assert len(warnings) == 1


def test_crossing_into_unknown_year(cal):
    # 2026-12-31 is Thursday; 2027 has no data yet -> Mon-Fri
    assert cal.add_workdays(D("2026-12-31"), 1) == D("2027-01-01")
    assert cal.add_workdays(D("2026-12-30"), 3) == D("2027-01-04")


# -- due_at ------------------------------------------------------------------------------


def test_due_at_end_of_day_keeps_tzinfo(cal):
    naive = cal.due_at(datetime(2026, 3, 6, 10, 0), 1)
    assert naive == datetime(2026, 3, 9, 23, 59, 59) and naive.tzinfo is None
    aware = cal.due_at(datetime(2026, 3, 6, 10, 0, tzinfo=CST), 0)
    assert aware == datetime.combine(D("2026-03-06"), time(23, 59, 59), tzinfo=CST)
    assert aware.tzinfo is CST


# -- loading -----------------------------------------------------------------------------


def _write(tmp_path, years, name="wd.json"):
    p = tmp_path / name
    p.write_text(json.dumps({"source": "test", "years": years}), encoding="utf-8")
    return p


def test_env_override(tmp_path, monkeypatch):
    p = _write(tmp_path, {"2031": {"holidays": ["2031-10-01"], "workdays": ["2031-10-04"]}})
    monkeypatch.setenv(ENV_VAR, str(p))
    cal = WorkCalendar.from_file()
    assert cal.years == {2031}
    assert not cal.is_workday(D("2031-10-01"))
    assert cal.is_workday(D("2031-10-04"))
    # explicit path wins over the env var
    assert 2026 in WorkCalendar.from_file(DEFAULT_FILE).years


@pytest.mark.parametrize(
    "years",
    [
        {"2026": {"holidays": [], "workdays": ["2026-10-09"]}},  # make-up day on a Friday
        {"2026": {"holidays": ["2025-10-01"], "workdays": []}},  # wrong year
        {"2026": {"holidays": ["2026-10-10"], "workdays": ["2026-10-10"]}},  # both
        {"2026": {"holidays": ["2026/10/01"]}},  # not ISO
        {"26": {"holidays": []}},  # bad year key
    ],
)
def test_invalid_file_rejected(tmp_path, years):
    with pytest.raises(ValueError):
        WorkCalendar.from_file(_write(tmp_path, years))


def test_missing_file_rejected(tmp_path):
    with pytest.raises(ValueError):
        WorkCalendar.from_file(tmp_path / "nope.json")


def test_default_calendar_cached(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    default_calendar.cache_clear()
    try:
        assert default_calendar() is default_calendar()
        assert 2026 in default_calendar().years
    finally:
        default_calendar.cache_clear()
