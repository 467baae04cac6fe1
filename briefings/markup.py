"""The plain-text format of a briefing section, and its one renderer.

A section's `body` is plain text. Nothing in it is ever treated as HTML: the renderer escapes
every character a person typed and builds the markup itself, so the same text is safe in the
browser preview and in the PDF (where WeasyPrint would otherwise fetch `<img src>`,
`<link href>`…). The format is small on purpose:

    ## Information sharing            a sub-heading; it opens a titled block (a strength, an agency)
    ---                               three or more dashes on a line of their own end the titled block
                                      above: what follows is no longer part of it
    Paragraphs are separated          lines of one paragraph are joined
    by a blank line.

    - a bullet point                  a bullet list (also • · ◦ ▪ ● ○ ■ ‣ ⁃, as pasted from Word; a second
                                      mark right after the first, as in "- ✓ text", is dropped)
    1. a numbered point               a numbered list ("1)" too; a blank line between items keeps one
                                      list; a list that goes on after a paragraph goes on numbering from
                                      its first number: "3." after a paragraph prints 3, 4…)
       **Owner:** CSE Steering Group  an indented line continues the item above, on a line of its own
       - a sub-point                  an indented bullet or number ("a.", "i.", "o" as Word pastes it) is
                                      a point within the item above: one level down (deeper is that level)
    **Lead-in:** text                 bold: any **…** span (a lead-in at the start is the usual use)
    [Barnardo's](https://…)           a link; http(s) and mailto only, anything else stays text
    https://… and name@example.org   are made into links as they stand; angle brackets around one
                                      (<https://…>, as e-mail and Word write them) are dropped

Structured sections are written in this format by the prefill (briefings/prefill.py): overall
strengths as "## heading" + paragraph blocks (a "---" before a strength without a heading that
follows a titled one), recommendations as a numbered list whose items carry
an indented "**Owner:**" line. So the structure survives any edit a person makes, and "refresh
from findings" writes it again from Part B.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

HEADING_RE = re.compile(r"^#{2,3}\s+(?P<text>\S.*)$")
# The bullets people type, and those Word, Outlook and Google Docs leave in pasted text (• ◦ ▪ ● ○ ■ ‣ ⁃).
# A second mark right after the first ("- ✓ Promote…", a ticked list typed as bullets) is dropped with it.
BULLET_RE = re.compile(r"^[-*•·✓◦▪●○■‣⁃]\s+(?:[-*•·✓◦▪●○■‣⁃]\s+)?(?P<text>.*)$")
# Three or more dashes on a line of their own: the end of the titled block above.
END_BLOCK_RE = re.compile(r"^-{3,}$")
# An indented point within an item: any bullet above or Word's "o" (its second-level bullet, pasted as a
# letter), or a number, letter or small roman numeral ("2.", "b)", "iv.").
# Word pastes its second- and third-level bullets as "o" and "§" and a tab, with no indent.
WORD_SUB_POINT_RE = re.compile(r"^[o§]\t+\S")
SUB_POINT_RE = re.compile(
    r"^(?:[-*•·✓◦▪●○■‣⁃o§]|(?P<label>\d{1,3}|[a-z]|[ivx]{1,5})[.)])\s+(?:[-*•·✓◦▪●○■‣⁃]\s+)?(?P<text>.*)$"
)
NUMBERED_RE = re.compile(r"^(?P<number>\d{1,3})[.)]\s+(?P<text>.*)$")
CONTINUATION_RE = re.compile(r"^(?: {2,}|\t)\s*(?P<text>\S.*)$")
# Characters that print nothing: zero-width space, zero-width (non-)joiners, word joiner, byte-order mark,
# soft hyphen. A line of only these (and spaces) is a blank line; at a line's start they hide a "1)" or "•".
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_LEADING_INVISIBLE_RE = re.compile(f"^[{INVISIBLE}]+")
_INVISIBLE_TABLE = str.maketrans("", "", INVISIBLE)

# Inline tokens, tried in this order at each position.
# An address may hold one pair of brackets ("…/wiki/Grooming_(sexual)", as Wikipedia's do), kept with it; a bracket
# with no partner in the address is the sentence's ("(see https://…)"), left out of the link.
_PAIRED = r"\([^\s<>\"'()\[\]]{0,200}\)"
_LINK_RE = re.compile(r"\[(?P<label>[^\]\n]{1,300})\]\((?P<url>(?:[^()\s]|" + _PAIRED + r"){1,1000})\)")
_BOLD_RE = re.compile(r"\*\*(?P<text>[^*\n]{1,500}?)\*\*")
_URL_RE = re.compile(
    r"(?P<bare_url>(?:https?://|www\.)(?:[^\s<>\"'()\[\]]|"
    + _PAIRED
    + r"){1,1000}(?:[^\s<>\"'()\[\].,;:!?]|"
    + _PAIRED
    + r"))"
)
_EMAIL_RE = re.compile(r"(?P<email>[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,250}\.[A-Za-z]{2,24})")
# An address in angle brackets, as e-mail and Word write one ("<http://…>"): the brackets are dropped
# when what they hold is one whole web or e-mail address.
_ANGLED_RE = re.compile(r"<(?P<angled>[^<>\s]{1,1100})>")
_INLINE_RE = re.compile("|".join(f"(?:{r.pattern})" for r in (_ANGLED_RE, _LINK_RE, _BOLD_RE, _URL_RE, _EMAIL_RE)))

SAFE_SCHEMES = ("http://", "https://", "mailto:")


@dataclass
class Block:
    kind: str  # "heading", "paragraph", "bullets", "numbered", "end" (of a titled block)
    lines: list[str] = field(default_factory=list)
    # For lists: one entry per item, each a list of its lines (the first, then its continuation lines)
    # and of the lists of points within it (Blocks of their own, one level down, which hold lines only).
    items: list[list[str | Block]] = field(default_factory=list)
    # A numbered list's first number ("3." after a paragraph goes on from 3), and how its labels are
    # written: "1" (1, 2, 3), "a" (a, b, c) or "i" (i, ii, iii): letters and numerals for points within.
    start: int = 1
    style: str = "1"
    # How far the list's points are indented: a line indented deeper is within the item above.
    indent: int = 0

    def labels(self) -> list[str]:
        """Each item's printed number or letter."""
        numbers = range(self.start, self.start + len(self.items))
        if self.style == "a":
            return [_letters(n) for n in numbers]
        if self.style == "i":
            return [_roman(n) for n in numbers]
        return [str(n) for n in numbers]


def _letters(n: int) -> str:
    """1 → a, 26 → z, 27 → aa: as a word processor letters a long list."""
    out = ""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        out = chr(ord("a") + rest) + out
    return out


def _roman(n: int) -> str:
    out = ""
    for value, numeral in (
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ):
        count, n = divmod(n, value)
        out += numeral * count
    return out


def _from_roman(text: str) -> int | None:
    values = {"i": 1, "v": 5, "x": 10}
    if not text or set(text) - set(values):
        return None
    total = 0
    for i, ch in enumerate(text):
        value = values[ch]
        total += -value if i + 1 < len(text) and values[text[i + 1]] > value else value
    return total if total > 0 and _roman(total) == text else None


def _indent(line: str) -> int:
    """How far a line is indented, a tab counting as four spaces."""
    stripped = line.lstrip(" \t")
    return len(line[: len(line) - len(stripped)].expandtabs(4))


def _sub_point(line: str) -> re.Match | None:
    """The line as a point within an item, or None: a label of several letters must be a roman numeral
    ("iv." is a point, "vv." and "xxxx." are words, the line a note)."""
    match = SUB_POINT_RE.match(line)
    if match is None or (label := match["label"]) is None or len(label) == 1 or label.isdigit():
        return match
    return match if _from_roman(label) is not None else None


def _sub_list(match: re.Match, indent: int) -> Block:
    """A new list within an item, from its first point: numbered in the style of its first label."""
    label = match["label"]
    if label is None:
        return Block("bullets", indent=indent)
    if label.isdigit():
        return Block("numbered", start=int(label), indent=indent)
    if (numeral := _from_roman(label)) is not None:
        return Block("numbered", start=numeral, style="i", indent=indent)
    return Block("numbered", start=ord(label) - ord("a") + 1, style="a", indent=indent)


def is_blank(line: str) -> bool:
    """Nothing a reader would see: spaces, tabs and the invisible characters only."""
    return not line.translate(_INVISIBLE_TABLE).strip()


def parse(text: str) -> list[Block]:
    """Split the text into blocks. Every line of the input lands in exactly one block.

    A blank line ends a paragraph but not a list: Word and Outlook paste a list with a blank line between
    its items, which are still one list (numbered on: 1, 2, 3, not 1, 1, 1), and an indented line after
    the blank still belongs to the item above. A numbered item typed as "1." after a blank line starts
    a new list. A "---" line ends the titled block a heading opened (an "end" block, with no lines);
    with no titled block open it ends nothing and is dropped.
    """
    blocks: list[Block] = []
    current: Block | None = None
    after_blank = False
    titled = False

    def close() -> None:
        nonlocal current
        if current is not None:
            blocks.append(current)
        current = None

    for raw in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = _LEADING_INVISIBLE_RE.sub("", raw.rstrip())
        if is_blank(line):
            if current is None or current.kind not in ("bullets", "numbered"):
                close()
            after_blank = True
            continue
        gap, after_blank = after_blank, False
        if END_BLOCK_RE.match(line):
            close()
            if titled:
                blocks.append(Block("end"))
            titled = False
            continue
        if match := HEADING_RE.match(line):
            close()
            blocks.append(Block("heading", lines=[match["text"].strip()]))
            titled = True
            continue
        stripped = line.strip()
        indented = CONTINUATION_RE.match(line) is not None
        indent = _indent(line)
        in_list = current is not None and current.kind in ("bullets", "numbered") and bool(current.items)
        top_bullet = BULLET_RE.match(stripped)
        top_numbered = NUMBERED_RE.match(stripped)
        # Within the item above: a line indented deeper than the list's points, a line at their depth that
        # is not a point of their own (a note), or Word's second- and third-level bullets as it pastes them.
        word_sub = WORD_SUB_POINT_RE.match(line)
        if in_list and (
            (indented and (indent > current.indent or not (top_bullet or top_numbered))) or word_sub is not None
        ):
            item = current.items[-1]
            inner = item[-1] if item and isinstance(item[-1], Block) else None
            sub = _sub_point(stripped) if indent > current.indent or word_sub else None
            if sub is not None:
                kind = "bullets" if sub["label"] is None else "numbered"
                if inner is None or inner.kind != kind:
                    inner = _sub_list(sub, indent)
                    item.append(inner)
                point = sub["text"].strip()
                inner.items.append([point] if point else [])
            elif inner is not None and inner.items and indent > inner.indent:
                inner.items[-1].append(stripped)  # a note to the point within
            else:
                item.append(stripped)  # a note to the item itself
            continue
        # A list's points may all be indented: a list all the same, not a paragraph (unless one is open).
        starts = not indented or current is None or in_list
        bullet = top_bullet if starts else None
        numbered = top_numbered if starts else None
        if bullet or numbered:
            kind = "bullets" if bullet else "numbered"
            item_text = (bullet or numbered)["text"].strip()
            restart = gap and numbered is not None and int(numbered["number"]) == 1
            if current is None or current.kind != kind or restart:
                close()
                current = Block(kind, start=int(numbered["number"]) if numbered else 1, indent=indent)
            current.items.append([item_text] if item_text else [])
            continue
        if in_list:
            close()
        if current is None:
            current = Block("paragraph")
        current.lines.append(stripped)
    close()
    return [b for b in blocks if b.kind != "paragraph" or b.lines]


def _safe_url(url: str) -> str | None:
    lowered = url.strip().lower()
    if lowered.startswith(SAFE_SCHEMES):
        return url.strip()
    return None


def _link(url: str, label_html: str, *, labelled: bool = False) -> str:
    external = url.lower().startswith(("http://", "https://"))
    rel = ' rel="noopener noreferrer"' if external else ""
    # A web link whose text is a title, not the address: a printed copy adds the address after it.
    cls = ' class="labelled"' if labelled and external else ""
    return f'<a href="{escape(url)}"{cls}{rel}>{label_html}</a>'


def _render_bold(text: str) -> str:
    """Escaped text with **bold** spans only: for a link's label, which must not hold a link."""
    out: list[str] = []
    pos = 0
    for match in _BOLD_RE.finditer(text):
        out.append(escape(text[pos : match.start()]))
        out.append(f"<strong>{escape(match['text'])}</strong>")
        pos = match.end()
    out.append(escape(text[pos:]))
    return "".join(out)


def render_inline(text: str) -> str:
    """Escape the text, turning the few inline forms (links, bold) into markup."""
    out: list[str] = []
    pos = 0
    for match in _INLINE_RE.finditer(text):
        out.append(escape(text[pos : match.start()]))
        token = match.group(0)
        if (angled := _ANGLED_RE.fullmatch(token)) is not None:
            inner = angled["angled"]
            address = inner[len("mailto:") :] if inner.lower().startswith("mailto:") else inner
            if _URL_RE.fullmatch(inner) or _EMAIL_RE.fullmatch(address):
                out.append(render_inline(address))
            else:
                out.append(f"&lt;{render_inline(inner)}&gt;")
        elif (link := _LINK_RE.fullmatch(token)) is not None:
            url = _safe_url(link["url"])
            label = _render_bold(link["label"])
            out.append(_link(url, label, labelled=True) if url else escape(token))
        elif (bold := _BOLD_RE.fullmatch(token)) is not None:
            out.append(f"<strong>{render_inline(bold['text'])}</strong>")
        elif _EMAIL_RE.fullmatch(token):
            out.append(_link(f"mailto:{token}", escape(token)))
        else:
            href = token if token.lower().startswith(("http://", "https://")) else f"https://{token}"
            out.append(_link(href, escape(token)))
        pos = match.end()
    out.append(escape(text[pos:]))
    return "".join(out)


def _render_item(parts: list[str | Block]) -> str:
    html = ""
    for i, part in enumerate(parts):
        if isinstance(part, Block):
            html += _render_list(part)
        elif i == 0:
            html += render_inline(part)
        else:
            html += f'<span class="item-note">{render_inline(part)}</span>'
    return html


def _render_list(block: Block) -> str:
    if block.kind == "bullets":
        return '<ul class="bullets">' + "".join(f"<li>{_render_item(item)}</li>" for item in block.items) + "</ul>"
    # The number is printed from data-number (a CSS counter cannot start at 3 without a style attribute,
    # which the Content-Security-Policy refuses); start and type tell the browser's list the same.
    attrs = ' type="a"' if block.style == "a" else ' type="i"' if block.style == "i" else ""
    attrs += f' start="{block.start}"' if block.start != 1 else ""
    items = "".join(
        f'<li data-number="{label}">{_render_item(item)}</li>'
        for label, item in zip(block.labels(), block.items, strict=True)
    )
    return f'<ol class="numbered"{attrs}>{items}</ol>'


def _render_block(block: Block, heading_level: int) -> str:
    if block.kind == "heading":
        return f'<h{heading_level} class="block-title">{render_inline(block.lines[0])}</h{heading_level}>'
    if block.kind == "paragraph":
        return f"<p>{render_inline(' '.join(block.lines))}</p>"
    return _render_list(block)


def render(text: str, *, heading_level: int = 3) -> SafeString:
    """The section body as HTML. A "## heading" opens a titled block that runs to the next one, or
    to a "---" line."""
    parts: list[str] = []
    in_block = False
    for block in parse(text):
        if block.kind == "end":
            parts.append("</div>")
            in_block = False
            continue
        if block.kind == "heading":
            if in_block:
                parts.append("</div>")
            parts.append('<div class="titled-block">')
            in_block = True
        parts.append(_render_block(block, heading_level))
    if in_block:
        parts.append("</div>")
    # Every piece above went through escape() or is markup written here.
    return mark_safe("".join(parts))  # noqa: S308


def plain_text(text: str) -> str:
    """The words of the body without the markup: for search, summaries and tests."""
    words: list[str] = []
    for block in parse(text):
        for line in block.lines or _list_lines(block):
            line = _LINK_RE.sub(lambda m: m["label"], line)
            words.append(line.replace("**", ""))
    return " ".join(words)


def _list_lines(block: Block) -> list[str]:
    """A list's lines in reading order, those of the points within each item included."""
    lines: list[str] = []
    for item in block.items:
        for part in item:
            lines.extend(_list_lines(part) if isinstance(part, Block) else [part])
    return lines
