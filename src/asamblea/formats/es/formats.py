"""Spanish: "5 dic 2026, 14:30" (month abbreviated in lower case, as Spanish writes it)."""

DATE_FORMAT = "j b Y"
DATETIME_FORMAT = "j b Y, H:i"
MONTH_DAY_FORMAT = "j b"
