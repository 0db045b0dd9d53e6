"""Calendar arithmetic for legal periods: years and months on calendar dates, never day counts.

"公告之日起3年", "期满前3个月", "满12个月" are calendar periods (DOMAIN 7.3). dateutil's
``relativedelta`` clamps to the month's last day, so 2024-02-29 plus 3 years is 2027-02-28 and
2027-05-31 minus 3 months is 2027-02-28: the reading an officer with a paper calendar makes.
"""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta


def add_years(day: dt.date, years: int) -> dt.date:
    return day + relativedelta(years=years)


def add_months(day: dt.date, months: int) -> dt.date:
    return day + relativedelta(months=months)


def within(day: dt.date, start: dt.date, end: dt.date) -> bool:
    """``start <= day <= end``: legal windows here include both ends (以上/以内 include the number)."""
    return start <= day <= end
