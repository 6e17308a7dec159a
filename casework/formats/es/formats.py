"""Spanish formats for a US city, over Django's own Spanish ones (anything not set here).

Numbers as Spanish speakers in the US read them (a decimal point, commas between thousands, as
in Mexican Spanish), the week from Sunday, and ISO dates first among the input formats: every
date field is an <input type="date">, which shows and sends only YYYY-MM-DD, so a saved date
drawn as 31/12/2026 would leave the field empty.
"""

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
FIRST_DAY_OF_WEEK = 0  # Sunday
DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # '2026-12-31', what date inputs send
    "%d/%m/%Y",  # '31/12/2026'
    "%d/%m/%y",  # '31/12/26'
]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%y %H:%M",
]
