# Danish: the portal's one date, short-date and date-time style (partnerportal.formats says where each
# is used). Month and weekday names come from Django's Danish catalogue; `N` is the Danish
# abbreviation ("jan.", "marts", "maj", "sept.", "dec.").
DATE_FORMAT = "j. F Y"  # 1. december 2026
SHORT_DATE_FORMAT = "j. N Y"  # 1. dec. 2026
DATETIME_FORMAT = r"l j. F Y \k\l. H:i"  # tirsdag 1. december 2026 kl. 14:30
SHORT_DATETIME_FORMAT = r"j. N Y \k\l. H:i"  # 1. dec. 2026 kl. 14:30
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"  # december 2026
MONTH_DAY_FORMAT = "j. F"
FIRST_DAY_OF_WEEK = 1

DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
