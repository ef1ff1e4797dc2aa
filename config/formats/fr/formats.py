# 5 déc. 2026, 14:05; numbers keep Django's French formats (1 000,50).
DATE_FORMAT = "j N Y"
DATETIME_FORMAT = "j N Y, H:i"
TIME_FORMAT = "H:i"
SHORT_DATETIME_FORMAT = "j N, H:i"
MONTH_DAY_FORMAT = "j N"
