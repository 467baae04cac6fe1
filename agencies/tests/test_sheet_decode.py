"""Reading an uploaded sheet's file (agencies.sheets.decode): a NUL byte anywhere in it is refused with what to
do, not only in its first 4 KB (past them it reached the database, which refuses it: a server error when
adding a tool version's standards, or a person's job title); and Excel's "Unicode Text" (UTF-16, its cells
between tabs) is read rather than refused as not text."""

import codecs

import pytest

from agencies.people_import import COLUMNS
from agencies.sheets import SheetError, decode, read

HEAD = "First name\tLast name\tE-mail\tRole\tJob title\n"


def test_a_nul_byte_past_the_first_4_kb_is_refused_as_not_text():
    rows = "".join(f"Ann\tLee\tann{n}@example.org\tQA manager\tNurse\n" for n in range(150))
    data = (HEAD + rows).encode() + b"Bo\tLi\tbo@example.org\tQA manager\tNurse\0\n"
    assert len(data) > 4096
    with pytest.raises(SheetError, match="This file is not text"):
        decode(data)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_excels_unicode_text_is_read(encoding):
    bom = codecs.BOM_UTF16_LE if encoding == "utf-16-le" else codecs.BOM_UTF16_BE
    data = bom + (HEAD + "Siân\tÓ Briain\tsian@example.org\tQA manager\tNurse\n").encode(encoding)
    [row] = read(decode(data), COLUMNS).rows
    assert (row.values["first_name"], row.values["last_name"]) == ("Siân", "Ó Briain")


def test_a_file_neither_utf_8_nor_windows_1252_is_refused_rather_than_read_with_letters_replaced():
    data = (HEAD + "Zoë\tLee\tzoe@example.org\tQA manager\tNurse\n").encode("cp1252").replace(b"\xeb", b"\x81")
    with pytest.raises(SheetError, match="Save the spreadsheet as CSV UTF-8"):
        decode(data)
