# English: day before month, as in Britain (never the US month/day order), 24-hour clock.
DATE_FORMAT = "j F Y"  # 1 December 2026
SHORT_DATE_FORMAT = "j M Y"  # 1 Dec 2026
DATETIME_FORMAT = "l j F Y, H:i"  # Tuesday 1 December 2026, 14:30
SHORT_DATETIME_FORMAT = "j M Y, H:i"  # 1 Dec 2026, 14:30
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"  # December 2026
MONTH_DAY_FORMAT = "j F"
FIRST_DAY_OF_WEEK = 1

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
