"""A seeded generator of human-written dates and their ISO form, `YYYY-MM-DD`.

Each date is written in one of many surface formats in English, French or
German ("Saturday, 9 May 2018", "9/5/18", "le samedi 9 mai 2018", "9. Mai 2018",
…), with varied case and spacing. Because the writer knows where it put the
day, the month and the year, every example carries those character spans: the
alignment a translator's attention should find.

Numeric dates are always day-first (as in all three languages); two-digit years
stand for 1950–2049 (`yy < 50` → `20yy`), and only dates in that range are
written with them.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass

FIRST_DAY = datetime.date(1900, 1, 1)
LAST_DAY = datetime.date(2099, 12, 31)
FIELDS = ("day", "month", "year")
# Where each field sits in the ISO target "YYYY-MM-DD".
TARGET_SPANS = {"year": (0, 4), "month": (5, 7), "day": (8, 10)}

MONTHS = {
    "en": "January February March April May June July August September October November December",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
}
MONTHS_SHORT = {
    "en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec",
    "fr": "janv. févr. mars avr. mai juin juil. août sept. oct. nov. déc.",
    "de": "Jan. Feb. März Apr. Mai Juni Juli Aug. Sept. Okt. Nov. Dez.",
}
WEEKDAYS = {
    "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
    "fr": "lundi mardi mercredi jeudi vendredi samedi dimanche",
    "de": "Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag",
}
WEEKDAYS_SHORT = {
    "en": "Mon Tue Wed Thu Fri Sat Sun",
    "fr": "lun. mar. mer. jeu. ven. sam. dim.",
    "de": "Mo. Di. Mi. Do. Fr. Sa. So.",
}

Segment = tuple[str, str | None]  # text and the field it writes (None: glue or weekday)


@dataclass(frozen=True)
class DateExample:
    """A written date, its ISO form, and where day, month and year sit in the source."""

    source: str
    target: str
    format_name: str
    spans: dict[str, tuple[int, int]]  # field → [start, end) character offsets in `source`


_MONTH_NAMES = {
    (lang, short): tuple((MONTHS_SHORT if short else MONTHS)[lang].split())
    for lang in MONTHS
    for short in (False, True)
}
_WEEKDAY_NAMES = {
    (lang, short): tuple((WEEKDAYS_SHORT if short else WEEKDAYS)[lang].split())
    for lang in WEEKDAYS
    for short in (False, True)
}


def _month(lang: str, date: datetime.date, short: bool = False) -> str:
    return _MONTH_NAMES[lang, short][date.month - 1]


def _weekday(lang: str, date: datetime.date, short: bool = False) -> str:
    return _WEEKDAY_NAMES[lang, short][date.weekday()]


def _english_ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _yy(date: datetime.date) -> str:
    return f"{date.year % 100:02d}"


def _french_day(day: int) -> str:
    return "1er" if day == 1 else str(day)


F = Callable[[datetime.date], list[Segment]]

# Each format: name, whether it writes a two-digit year, and the writer.
FORMATS: list[tuple[str, bool, F]] = [
    (
        "en_weekday_d_month_y",
        False,
        lambda d: [
            (_weekday("en", d), None),
            (", ", None),
            (str(d.day), "day"),
            (" ", None),
            (_month("en", d), "month"),
            (" ", None),
            (str(d.year), "year"),
        ],
    ),
    (
        "en_d_month_y",
        False,
        lambda d: [
            (str(d.day), "day"),
            (" ", None),
            (_month("en", d), "month"),
            (" ", None),
            (str(d.year), "year"),
        ],
    ),
    (
        "en_month_dth_y",
        False,
        lambda d: [
            (_month("en", d), "month"),
            (" ", None),
            (_english_ordinal(d.day), "day"),
            (" ", None),
            (str(d.year), "year"),
        ],
    ),
    (
        "en_month_d_comma_y",
        False,
        lambda d: [
            (_month("en", d), "month"),
            (" ", None),
            (str(d.day), "day"),
            (", ", None),
            (str(d.year), "year"),
        ],
    ),
    (
        "en_y_month_dd",
        False,
        lambda d: [
            (str(d.year), "year"),
            (" ", None),
            (_month("en", d), "month"),
            (" ", None),
            (f"{d.day:02d}", "day"),
        ],
    ),
    (
        "d/m/yy",
        True,
        lambda d: [
            (str(d.day), "day"),
            ("/", None),
            (str(d.month), "month"),
            ("/", None),
            (_yy(d), "year"),
        ],
    ),
    (
        "dd/mm/yyyy",
        False,
        lambda d: [
            (f"{d.day:02d}", "day"),
            ("/", None),
            (f"{d.month:02d}", "month"),
            ("/", None),
            (str(d.year), "year"),
        ],
    ),
    (
        "en_wkd_d_mon_y",
        False,
        lambda d: [
            (_weekday("en", d, True), None),
            (" ", None),
            (str(d.day), "day"),
            (" ", None),
            (_month("en", d, True), "month"),
            (" ", None),
            (str(d.year), "year"),
        ],
    ),
    (
        "d-mon-yyyy",
        False,
        lambda d: [
            (str(d.day), "day"),
            ("-", None),
            (_month("en", d, True), "month"),
            ("-", None),
            (str(d.year), "year"),
        ],
    ),
    (
        "en_the_dth_of_month_y",
        False,
        lambda d: [
            ("the ", None),
            (_english_ordinal(d.day), "day"),
            (" of ", None),
            (_month("en", d), "month"),
            (", ", None),
            (str(d.year), "year"),
        ],
    ),
    (
        "en_weekday_month_dth_y",
        False,
        lambda d: [
            (_weekday("en", d), None),
            (", ", None),
            (_month("en", d), "month"),
            (" ", None),
            (_english_ordinal(d.day), "day"),
            (", ", None),
            (str(d.year), "year"),
        ],
    ),
    (
        "en_mon_d_yy",
        True,
        lambda d: [
            (_month("en", d, True), "month"),
            (" ", None),
            (str(d.day), "day"),
            (" '", None),
            (_yy(d), "year"),
        ],
    ),
    (
        "yyyy.mm.dd",
        False,
        lambda d: [
            (str(d.year), "year"),
            (".", None),
            (f"{d.month:02d}", "month"),
            (".", None),
            (f"{d.day:02d}", "day"),
        ],
    ),
    (
        "fr_le_weekday_d_mois_y",
        False,
        lambda d: [
            ("le ", None),
            (_weekday("fr", d), None),
            (" ", None),
            (_french_day(d.day), "day"),
            (" ", None),
            (_month("fr", d), "month"),
            (" ", None),
            (str(d.year), "year"),
        ],
    ),
    (
        "fr_d_mois_y",
        False,
        lambda d: [
            (_french_day(d.day), "day"),
            (" ", None),
            (_month("fr", d), "month"),
            (" ", None),
            (str(d.year), "year"),
        ],
    ),
    (
        "fr_le_d_mois_y",
        False,
        lambda d: [
            ("le ", None),
            (_french_day(d.day), "day"),
            (" ", None),
            (_month("fr", d), "month"),
            (" ", None),
            (str(d.year), "year"),
        ],
    ),
    (
        "fr_wkd_d_mois_abr_y",
        False,
        lambda d: [
            (_weekday("fr", d, True), None),
            (" ", None),
            (str(d.day), "day"),
            (" ", None),
            (_month("fr", d, True), "month"),
            (" ", None),
            (str(d.year), "year"),
        ],
    ),
    (
        "fr_d_mois_yy",
        True,
        lambda d: [
            (str(d.day), "day"),
            (" ", None),
            (_month("fr", d), "month"),
            (" ", None),
            (_yy(d), "year"),
        ],
    ),
    (
        "de_d._monat_y",
        False,
        lambda d: [
            (str(d.day), "day"),
            (". ", None),
            (_month("de", d), "month"),
            (" ", None),
            (str(d.year), "year"),
        ],
    ),
    (
        "de_wochentag_d._monat_y",
        False,
        lambda d: [
            (_weekday("de", d), None),
            (", ", None),
            (str(d.day), "day"),
            (". ", None),
            (_month("de", d), "month"),
            (" ", None),
            (str(d.year), "year"),
        ],
    ),
    (
        "de_d.m.yyyy",
        False,
        lambda d: [
            (str(d.day), "day"),
            (".", None),
            (str(d.month), "month"),
            (".", None),
            (str(d.year), "year"),
        ],
    ),
    (
        "de_am_d._monat_y",
        False,
        lambda d: [
            ("am ", None),
            (str(d.day), "day"),
            (". ", None),
            (_month("de", d), "month"),
            (" ", None),
            (str(d.year), "year"),
        ],
    ),
    (
        "de_wt._d._mon_y",
        False,
        lambda d: [
            (_weekday("de", d, True), None),
            (", ", None),
            (str(d.day), "day"),
            (". ", None),
            (_month("de", d, True), "month"),
            (" ", None),
            (str(d.year), "year"),
        ],
    ),
    (
        "de_dd.mm.yy",
        True,
        lambda d: [
            (f"{d.day:02d}", "day"),
            (".", None),
            (f"{d.month:02d}", "month"),
            (".", None),
            (_yy(d), "year"),
        ],
    ),
]
FORMAT_NAMES = tuple(name for name, _, _ in FORMATS)


TWO_DIGIT_FIRST_DAY = datetime.date(1950, 1, 1)
TWO_DIGIT_LAST_DAY = datetime.date(2049, 12, 31)
# By whether the year is written with two digits: the first day a date is drawn from,
# and how many days there are to draw from.
_DAY_RANGES = {
    False: (FIRST_DAY, (LAST_DAY - FIRST_DAY).days + 1),
    True: (TWO_DIGIT_FIRST_DAY, (TWO_DIGIT_LAST_DAY - TWO_DIGIT_FIRST_DAY).days + 1),
}
# A date's case: as written (most often), lower, upper or title, weighted 5 : 2 : 1 : 1.
_CASES = (str, str.lower, str.upper, str.title)
_CASE_CUMULATIVE_WEIGHTS = (5, 7, 8, 9)


def _random_date(rng: random.Random, two_digit_year: bool) -> datetime.date:
    first, days = _DAY_RANGES[two_digit_year]
    return first + datetime.timedelta(days=rng.randrange(days))


def _vary_case(rng: random.Random, segments: list[Segment]) -> list[Segment]:
    """One case for the whole date: as written (most often), lower, upper or title."""
    change = rng.choices(_CASES, cum_weights=_CASE_CUMULATIVE_WEIGHTS)[0]
    if change is str:
        return segments
    # Upper-casing never changes the length of these names (no ß), so spans stay exact.
    return [(change(text), field) for text, field in segments]


def _vary_spacing(rng: random.Random, segments: list[Segment]) -> list[Segment]:
    """Sometimes a doubled space, a dropped space after a comma, or surrounding blanks."""
    out: list[Segment] = []
    for text, field in segments:
        if field is None and text.endswith(" ") and rng.random() < 0.08:
            text = text + " "
        elif field is None and text == ", " and rng.random() < 0.15:
            text = ","
        out.append((text, field))
    return out


def write_date(date: datetime.date, format_index: int, rng: random.Random) -> DateExample:
    """Write `date` in the given format with random case and spacing; record the spans."""
    name, _, writer = FORMATS[format_index]
    segments = _vary_spacing(rng, _vary_case(rng, writer(date)))
    spans: dict[str, tuple[int, int]] = {}
    offset = 0
    for text, field in segments:
        if field is not None:
            spans[field] = (offset, offset + len(text))
        offset += len(text)
    source = "".join([text for text, _ in segments])
    return DateExample(source, date.isoformat(), name, spans)


def generate_dates(count: int, seed: int, exclude: set[str] | None = None) -> list[DateExample]:
    """`count` examples, the same for the same seed; sources in `exclude` are skipped."""
    rng = random.Random(seed)
    examples: list[DateExample] = []
    seen = set(exclude or ())
    while len(examples) < count:
        index = rng.randrange(len(FORMATS))
        example = write_date(_random_date(rng, FORMATS[index][1]), index, rng)
        if example.source in seen:
            continue
        seen.add(example.source)
        examples.append(example)
    return examples


def parse_iso(text: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None
