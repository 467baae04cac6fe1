"""The identifier guard: find text that looks like it identifies a child.

Cases are pseudonymised, so free text must not carry an NHS number, a date of birth, a home
postcode or a phone number. The guard only *flags*: it never changes the text. The auditor
removes what was flagged, or confirms it is not information about the child (a MASH phone
number, a police station's postcode).

What counts:
- NHS number: ten digits (written 943 476 5919, 943-476-5919 or 9434765919) whose last digit is
  the modulus-11 check digit of the first nine.
- Date of birth: a complete date (day, month and year: 12/03/2009, 12.3.09, 2009-03-12,
  12th March 2009, March 12, 2009) that is either next to a birth cue ("DOB", "born",
  "date of birth") or would make the person an age inside the case's age band at the time
  of the audit. A date of an event ("seen on 14/05/2014") is normal evidence and not flagged.
- Postcode: a full UK postcode (outward and inward code) with a real postcode area.
- Phone number: a UK number (national 0… or +44/0044) of 10 or 11 digits.
- E-mail address, and a social media name ("@jess_2009").
- Record number: what agencies' systems number people and incidents by — a school's unique pupil
  number (a letter and twelve characters, A123456789012), a police reference written with a slash
  (14/123456A), or any other run of seven or more digits ("Mosaic ID 1234567", "crime ref
  47140012345") that is not one of the kinds above.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

NHS_NUMBER = "nhs_number"
DATE_OF_BIRTH = "date_of_birth"
POSTCODE = "postcode"
PHONE = "phone"
EMAIL = "email"
HANDLE = "handle"
RECORD_NUMBER = "record_number"

KIND_LABELS = {
    NHS_NUMBER: _("an NHS number"),
    DATE_OF_BIRTH: _("a date of birth"),
    POSTCODE: _("a postcode"),
    PHONE: _("a phone number"),
    EMAIL: _("an e-mail address"),
    HANDLE: _("a social media name"),
    RECORD_NUMBER: _("a record number"),
}


@dataclass(frozen=True)
class IdentifierMatch:
    kind: str
    text: str
    start: int
    end: int

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self.kind])


# --- NHS numbers --------------------------------------------------------------------------

_NHS_RE = re.compile(r"(?<![\w])(\d{3})([ -]?)(\d{3})\2(\d{4})(?![\w])")


def nhs_number_is_valid(digits: str) -> bool:
    """True if the ten digits pass the NHS modulus-11 check."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    if check == 10:  # no valid number has this remainder
        return False
    return check == int(digits[9])


def _nhs_numbers(text: str) -> list[IdentifierMatch]:
    found = []
    for match in _NHS_RE.finditer(text):
        digits = match.group(1) + match.group(3) + match.group(4)
        if nhs_number_is_valid(digits):
            found.append(IdentifierMatch(NHS_NUMBER, match.group(0), match.start(), match.end()))
    return found


# --- Postcodes -----------------------------------------------------------------------------

_POSTCODE_AREAS = frozenset(
    """AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY
    E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA LD LE LL
    LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN
    SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE""".split()
)
_POSTCODE_RE = re.compile(
    r"(?<![\w])([A-Z]{1,2})(\d[A-Z\d]?) ?(\d[ABD-HJLNP-UW-Z]{2})(?![\w])",
    re.IGNORECASE,
)


def _postcodes(text: str) -> list[IdentifierMatch]:
    return [
        IdentifierMatch(POSTCODE, m.group(0), m.start(), m.end())
        for m in _POSTCODE_RE.finditer(text)
        if m.group(1).upper() in _POSTCODE_AREAS
    ]


# --- Phone numbers -------------------------------------------------------------------------

_PHONE_RE = re.compile(
    r"(?<![\w+])"
    r"(?:(?:\+|00)44[ ]?(?:\(0\)[ ]?)?|\(?0)"
    r"\d[\d \-)]{7,16}\d"
    r"(?![\d])"
)


def _national_digits(candidate: str) -> str:
    digits = re.sub(r"\D", "", candidate)
    if candidate.startswith("+44") or candidate.startswith("0044"):
        digits = digits[4:] if candidate.startswith("0044") else digits[2:]
        if "(0)" in candidate[:8]:
            digits = digits[1:]
        digits = "0" + digits
    return digits


def _is_uk_phone(digits: str) -> bool:
    return len(digits) in (10, 11) and digits[0] == "0" and digits[1] in "1235789"


def _phones(text: str) -> list[IdentifierMatch]:
    found = []
    for match in _PHONE_RE.finditer(text):
        candidate = match.group(0)
        # The pattern is greedy: "call 01273 290400 3 times" catches a trailing " 3". Drop
        # trailing groups until the number is a phone number (or nothing is left).
        while candidate:
            if _is_uk_phone(_national_digits(candidate)):
                start = match.start()
                found.append(IdentifierMatch(PHONE, candidate, start, start + len(candidate)))
                break
            cut = max(candidate.rfind(" "), candidate.rfind("-"))
            if cut <= 0:
                break
            candidate = candidate[:cut].rstrip(" -")
    return found


# --- Dates of birth ------------------------------------------------------------------------

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH_NAME = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE_PATTERNS: list[re.Pattern[str]] = [
    # 2009-03-12
    re.compile(r"(?<![\w/.\-])(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?![\w/\-]|\.\d)"),
    # 12/03/2009, 12.3.09, 12-03-2009 (UK order)
    re.compile(r"(?<![\w/.\-])(?P<d>\d{1,2})(?P<sep>[/.\-])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})(?![\w/\-]|\.\d)"),
    # 12 March 2009, 12th of Mar. 2009
    re.compile(
        r"(?<![\w])(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m>" + _MONTH_NAME + r"),?\s+(?P<y>\d{4})(?![\w])",
        re.IGNORECASE,
    ),
    # March 12, 2009
    re.compile(
        r"(?<![\w])(?P<m>" + _MONTH_NAME + r")\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})(?![\w])",
        re.IGNORECASE,
    ),
]
_BIRTH_CUE_RE = re.compile(
    r"(\bd\.?\s?o\.?\s?b\b\.?|\bdate\s+of\s+birth\b|\bborn\b|\bbirth\s?date\b|\bbirthday\b)[^.\n]{0,20}$",
    re.IGNORECASE,
)
# "12/03/2009 (DOB)": a cue written just after the date.
_BIRTH_CUE_AFTER_RE = re.compile(
    r"^\s*[(\[,\-–:]?\s*(d\.?\s?o\.?\s?b\b|date\s+of\s+birth\b|born\b|birth\s?date\b)", re.IGNORECASE
)


def _to_date(day: str, month: str, year: str) -> date | None:
    try:
        month_number = int(month) if month.isdigit() else _MONTHS[month[:3].lower()]
        year_number = int(year)
        if len(year) == 2:
            # A two-digit year of a child's birth: within the last century, never the future.
            year_number += 2000 if year_number <= date.today().year % 100 else 1900
        return date(year_number, month_number, int(day))
    except (KeyError, ValueError):
        return None


def _age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _dates_of_birth(text: str, age_range: tuple[int, int] | None, reference_date: date | None) -> list[IdentifierMatch]:
    found = []
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            when = _to_date(match.group("d"), match.group("m"), match.group("y"))
            if when is None:
                continue
            before = text[max(0, match.start() - 40) : match.start()]
            cued = (
                _BIRTH_CUE_RE.search(before) is not None
                or _BIRTH_CUE_AFTER_RE.search(text[match.end() : match.end() + 30]) is not None
            )
            plausible = False
            if age_range is not None:
                on = reference_date or date.today()
                age = _age_on(when, on)
                plausible = when <= on and age_range[0] - 1 <= age <= age_range[1] + 1
            if cued or plausible:
                found.append(IdentifierMatch(DATE_OF_BIRTH, match.group(0), match.start(), match.end()))
    return found


def age_range_from_band(band: str) -> tuple[int, int] | None:
    """ "13-15" → (13, 15); "18+" → (18, 25); anything else → None."""
    if band.endswith("+") and band[:-1].isdecimal():
        return int(band[:-1]), 25
    low, sep, high = band.partition("-")
    if sep and low.isdecimal() and high.isdecimal():
        return int(low), int(high)
    return None


# --- E-mail addresses, social media names, record numbers ---------------------------------------

_EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?<![.-])")
_HANDLE_RE = re.compile(r"(?<![\w.@])@[A-Za-z][A-Za-z0-9_.]{2,29}(?<!\.)(?![\w@])")
_RECORD_RES = (
    re.compile(r"(?<![\w/])[A-Z]\d{11}[0-9A-Z](?![\w])"),  # unique pupil number
    re.compile(r"(?<![\w/])\d{2,4}/\d{5,}[A-Z]?(?![\w/])"),  # 14/123456A
    re.compile(r"(?<![\w/])[A-Z]{0,3}\d{7,}[A-Z]{0,2}(?![\w/])"),  # 1234567, CR47140012345
)


def _pattern(kind: str, pattern: re.Pattern[str], text: str) -> list[IdentifierMatch]:
    return [IdentifierMatch(kind, m.group(0), m.start(), m.end()) for m in pattern.finditer(text)]


def _record_numbers(text: str) -> list[IdentifierMatch]:
    return [match for pattern in _RECORD_RES for match in _pattern(RECORD_NUMBER, pattern, text)]


# --- The guard -------------------------------------------------------------------------------


def find_identifiers(
    text: str, *, age_range: tuple[int, int] | None = None, reference_date: date | None = None
) -> list[IdentifierMatch]:
    """Everything in `text` that looks like an identifier, in order, without overlaps."""
    if not text:
        return []
    candidates = (
        _nhs_numbers(text)
        + _postcodes(text)
        + _phones(text)
        + _dates_of_birth(text, age_range, reference_date)
        + _pattern(EMAIL, _EMAIL_RE, text)
        + _pattern(HANDLE, _HANDLE_RE, text)
        + _record_numbers(text)
    )
    kept: list[IdentifierMatch] = []
    for match in candidates:  # earlier kinds win an overlap: an NHS number is not also a phone number
        if not any(match.start < other.end and other.start < match.end for other in kept):
            kept.append(match)
    return sorted(kept, key=lambda m: m.start)


def identifier_key(match: IdentifierMatch) -> str:
    """What makes two matches the same identifier however they are written: a phone number's last
    ten digits (01273 290400, 01273-290400 and +44 1273 290400 are one number), a postcode without
    spaces in capitals, an address, name or record number in lower case, the digits of anything else."""
    if match.kind == POSTCODE:
        return POSTCODE + ":" + re.sub(r"\s", "", match.text).upper()
    if match.kind in (EMAIL, HANDLE, RECORD_NUMBER):
        return f"{match.kind}:{match.text.lower()}"
    digits = re.sub(r"\D", "", match.text)
    return f"{match.kind}:{digits[-10:] if match.kind == PHONE else digits}"


def identifier_warnings(
    text: str, *, age_range: tuple[int, int] | None = None, reference_date: date | None = None
) -> list[str]:
    """One message per flagged identifier, for showing next to the field."""
    return [
        identifier_warning(match)
        for match in find_identifiers(text, age_range=age_range, reference_date=reference_date)
    ]


def identifier_warning(match: IdentifierMatch) -> str:
    return str(
        _("“%(text)s” looks like %(label)s. Remove it, or confirm that it is not information about the child.")
        % {"text": match.text, "label": match.label}
    )
