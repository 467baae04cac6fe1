from datetime import date

import pytest

from audits.identifiers import (
    DATE_OF_BIRTH,
    NHS_NUMBER,
    PHONE,
    POSTCODE,
    age_range_from_band,
    find_identifiers,
    identifier_key,
    identifier_warnings,
    nhs_number_is_valid,
)


def kinds(text: str, **kwargs) -> list[tuple[str, str]]:
    return [(m.kind, m.text) for m in find_identifiers(text, **kwargs)]


@pytest.mark.parametrize("number", ["9434765919", "4010232137", "4505577104"])
def test_valid_nhs_numbers_pass_modulus_11(number):
    assert nhs_number_is_valid(number)


@pytest.mark.parametrize("number", ["9434765918", "4010232138", "123456789", "12345678901", "abcdefghij"])
def test_invalid_nhs_numbers_fail(number):
    assert not nhs_number_is_valid(number)


def test_check_digit_ten_is_never_valid():
    # 1..9 weighted 10..2 sums to 210; 210 % 11 = 1; 11 - 1 = 10: no check digit makes it valid.
    assert all(not nhs_number_is_valid(f"123456789{d}") for d in range(10))


@pytest.mark.parametrize("written", ["943 476 5919", "943-476-5919", "9434765919"])
def test_nhs_number_in_text_is_flagged_however_written(written):
    assert kinds(f"Health record {written} checked.") == [(NHS_NUMBER, written)]


def test_ten_digits_failing_the_check_are_not_an_nhs_number():
    assert kinds("Reference 943 476 5918 in the file.") == []


def test_nhs_number_inside_a_longer_number_is_a_record_number_not_an_nhs_number():
    assert kinds("Crime ref 194347659190") == [("record_number", "194347659190")]


@pytest.mark.parametrize(
    "text, found",
    [
        ("UPN A123456789012 on the school file", [("record_number", "A123456789012")]),
        ("police ref 14/123456A", [("record_number", "14/123456A")]),
        ("Mosaic ID 1234567", [("record_number", "1234567")]),
        ("Crime ref 47140012345", [("record_number", "47140012345")]),
        ("emailed jess.smith@gmail.com today", [("email", "jess.smith@gmail.com")]),
        ("known on Snapchat as @jess_2009.", [("handle", "@jess_2009")]),
    ],
)
def test_record_numbers_addresses_and_social_media_names_are_flagged(text, found):
    assert kinds(text) == found


@pytest.mark.parametrize(
    "text",
    [
        "Case 3 of the 2014/15 audit, seen on 14/05/2014 at 13:00",
        "Standards 1.2 and 2.10; version 1.2.3",
        "1,940 victims through 29 services; £12,000,000",
        "met @ school",
        "http://westmidlands.procedures.org.uk/local-content/4cjN/child-sexual-exploitation-risk-assessment",
    ],
)
def test_ordinary_numbers_and_addresses_of_pages_are_not_record_numbers(text):
    assert kinds(text) == []


@pytest.mark.parametrize(
    "text,found",
    [
        ("DOB 12/03/2009", "12/03/2009"),
        ("D.O.B: 12.3.09", "12.3.09"),
        ("date of birth 2009-03-12", "2009-03-12"),
        ("born on 12th March 2009", "12th March 2009"),
        ("March 12, 2009 (DOB)", "March 12, 2009"),
    ],
)
def test_dates_next_to_a_birth_cue_are_flagged(text, found):
    assert kinds(text) == [(DATE_OF_BIRTH, found)]


def test_event_dates_are_not_flagged():
    text = "Strategy meeting held 14/05/2014; CSE screening tool completed on 2 June 2014."
    assert kinds(text, age_range=(13, 15), reference_date=date(2015, 1, 1)) == []


def test_a_date_that_makes_the_child_the_case_age_is_flagged_without_a_cue():
    text = "Young person (1 Jan 2001) was seen at school."
    assert kinds(text, age_range=(13, 15), reference_date=date(2015, 1, 1)) == [(DATE_OF_BIRTH, "1 Jan 2001")]
    assert kinds(text, age_range=(16, 17), reference_date=date(2015, 1, 1)) == []


def test_impossible_dates_are_not_dates():
    assert kinds("DOB 31/02/2009") == []


@pytest.mark.parametrize("postcode", ["BN1 1AA", "SW1A 1AA", "bn2 9pr", "M1 1AE", "EC1A1BB"])
def test_uk_postcodes_are_flagged(postcode):
    assert kinds(f"Lives at {postcode} with mother.") == [(POSTCODE, postcode)]


@pytest.mark.parametrize("text", ["Seen at 3pm", "BN1 area", "at2 3rd", "QQ1 1AA"])
def test_things_that_are_not_postcodes(text):
    assert kinds(text) == []


@pytest.mark.parametrize(
    "phone",
    ["01273 290400", "07700 900123", "+44 (0)1273 290400", "+44 7700 900123", "(01273) 290400", "0044 1273 290400"],
)
def test_uk_phone_numbers_are_flagged(phone):
    assert kinds(f"Mother's number {phone}.") == [(PHONE, phone)]


def test_phone_number_followed_by_a_count_is_still_found():
    assert kinds("Called 01273 290400 3 times") == [(PHONE, "01273 290400")]


@pytest.mark.parametrize("text", ["Seen 3 times in 2014", "Crime number 47/12345/14", "Room 0123"])
def test_numbers_that_are_not_phone_numbers(text):
    assert kinds(text) == []


def test_one_number_or_postcode_has_one_key_however_written():
    def keys(text: str) -> set[str]:
        return {identifier_key(m) for m in find_identifiers(text)}

    phones = ["01273 290400", "+44 (0)1273 290400", "(01273) 290400", "0044 1273 290400", "01273-290400"]
    assert len(keys(" / ".join(phones))) == 1
    assert keys("01273 290400") != keys("01273 290401")
    assert keys("bn1 1aa") == keys("BN1 1AA") == {"postcode:BN11AA"}


def test_several_identifiers_in_one_text_in_order():
    text = "NHS 943 476 5919, DOB 12/03/2009, lives BN1 1AA, mobile 07700 900123."
    assert [k for k, _ in kinds(text)] == [NHS_NUMBER, DATE_OF_BIRTH, POSTCODE, PHONE]


def test_warnings_quote_the_text_and_say_what_to_do():
    [warning] = identifier_warnings("Seen at BN1 1AA")
    assert "BN1 1AA" in warning and "postcode" in warning and "confirm" in warning


def test_the_guard_never_changes_the_text():
    text = "DOB 12/03/2009"
    find_identifiers(text)
    assert text == "DOB 12/03/2009"


@pytest.mark.parametrize("band,expected", [("13-15", (13, 15)), ("0-9", (0, 9)), ("18+", (18, 25)), ("", None)])
def test_age_range_from_band(band, expected):
    assert age_range_from_band(band) == expected


@pytest.mark.django_db
def test_without_a_part_a_due_date_the_guard_dates_from_the_local_day_the_audit_was_made():
    """An audit made at 00:30 on 1 July in London (23:30 on 30 June in UTC) dates a child's age from
    1 July, the day its pages show, not the UTC clock's 30 June."""
    from datetime import UTC, datetime

    from audits.selectors.parta import guard_context
    from audits.tests.factories import PartAReturnFactory

    made = datetime(2025, 6, 30, 23, 30, tzinfo=UTC)
    ret = PartAReturnFactory(case__audit__part_a_due=None, case__audit__created_at=made)
    assert guard_context(ret).reference_date == date(2025, 7, 1)
