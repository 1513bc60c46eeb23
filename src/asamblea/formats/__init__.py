"""Date formats per language (settings.FORMAT_MODULE_PATH): a date reads "5 dic 2026"
in Spanish and "5 Dec 2026" in English; templates ask for DATE_FORMAT or
DATETIME_FORMAT instead of spelling a format out."""
