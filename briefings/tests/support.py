"""Helpers for the briefings tests: an audit with Part B findings, PDF text, and a probe server."""

from __future__ import annotations

import datetime as dt
import html
import http.server
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

from agencies.models import LinkKind, Partnership, PartnershipLink, SupportContact
from audits.models import Case, CaseJudgement, FindingKind, Grade, PartBSession, RiskFactor, Section
from audits.tests.factories import FindingFactory, RecommendationFactory

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"
CHECKED_INPUT = re.compile(r'<input type="hidden" name="(draft|draft_at)" value="([^"]*)">')


def checked_fields(page_html: str) -> dict[str, str]:
    """What the publish form posts of the preview checked (its hidden draft and draft_at), read from
    the publish page as a browser would send them."""
    return {name: html.unescape(value) for name, value in CHECKED_INPUT.findall(page_html)}


def render_version_with(version, render):
    """briefing_version_render's run (services.render_to_file, as a worker runs it) with `render` in
    place of WeasyPrint: for what happens around the render (a withdrawal, a purge, a lost claim)."""
    from briefings import services
    from briefings.models import BriefingVersion, RenderStatus, briefing_upload_to

    return services.render_to_file(
        BriefingVersion,
        version.pk,
        statuses=RenderStatus,
        render=render,
        file_name=lambda v: briefing_upload_to(v, "briefing.pdf"),
        done_label="PDF rendered",
        too_long="too long",
        select_related=("briefing",),
    )


def publish_post(client, url: str, data: dict[str, str], **extra):
    """Publish as the publish page does: GET it (for what it says was checked), then POST its form."""
    page = client.get(url)
    checked = checked_fields(page.content.decode()) if page.status_code == 200 else {}
    return client.post(url, {**checked, **data}, **extra)


STRENGTHS = [
    ("Timely information sharing", "Information sharing across agencies is timely and of a good standard."),
    ("The voice of the young person", "The voice of the young person is evident in all cases."),
]
RECOMMENDATIONS = [
    ("A more robust response to the needs of boys and young men impacted by CSE is required.", "CSE Steering Group"),
    ("Strengthen the risk management process for children at risk of CSE.", "Vulnerable Children's Group"),
]


def add_findings(audit, agency_a, agency_b) -> None:
    """Part B findings of every kind, two recommendations, a session and case judgements."""
    for order, (heading, body) in enumerate(STRENGTHS, start=1):
        FindingFactory(audit=audit, kind=FindingKind.STRENGTH, heading=heading, body=body, order=order)
    missing, _ = RiskFactor.objects.get_or_create(slug="missing-from-school", defaults={"name": "Missing from school"})
    theme = FindingFactory(
        audit=audit, kind=FindingKind.THEME, heading="", body="Children going missing from school repeatedly", order=1
    )
    theme.risk_factors.add(missing)
    FindingFactory(
        audit=audit, kind=FindingKind.KEY_MESSAGE, heading="Promote", body="the guide to good multi-agency working"
    )
    FindingFactory(
        audit=audit,
        kind=FindingKind.MANAGER_POINT,
        heading="Supervision",
        body="Ensure staff receive quality supervision.",
    )
    FindingFactory(
        audit=audit,
        kind=FindingKind.LEARNING_POINT,
        heading="Information",
        body="should always be shared appropriately",
    )
    FindingFactory(
        audit=audit, kind=FindingKind.PRACTITIONER_POINT, heading="Be curious", body="Look beyond the behaviour."
    )
    FindingFactory(
        audit=audit,
        kind=FindingKind.AGENCY_STRENGTH,
        agency=agency_a,
        heading="",
        body="Shared detailed information at once.",
    )
    FindingFactory(
        audit=audit,
        kind=FindingKind.AGENCY_IMPROVEMENT,
        agency=agency_b,
        heading="",
        body="Record the CSE screening tool.",
    )
    for order, (text, owner) in enumerate(RECOMMENDATIONS, start=1):
        RecommendationFactory(audit=audit, text=text, owner=owner, order=order, due_date=dt.date(2026, 3, 31))
    PartBSession.objects.update_or_create(
        audit=audit, defaults={"date": dt.date(2025, 6, 13), "venue": "Council House"}
    )
    grade = Grade.objects.get(scale=audit.tool_version.scale, rank=2)
    case = Case.objects.get(audit=audit, reference="Case 1")
    first_stage = Section.objects.filter(version=audit.tool_version).order_by("order").first()
    CaseJudgement.objects.create(case=case, section=None, grade=grade, reasons="Good multi-agency response overall.")
    CaseJudgement.objects.create(case=case, section=first_stage, grade=grade, reasons="")
    audit.context = "Against this background the partnership agreed to test its response to CSE."
    audit.cohort_source = "young people known to Operation Kite"
    audit.what_next = "The recommendations will be taken forward by the Strategic CSE Group."
    audit.save()


# The section headings of Dudley's seed briefing, in its order (the demo publishes it so).
DUDLEY_SEED_HEADINGS = [
    "Emerging themes and risk factors",
    "Key messages for inter-agency learning",
    "Key points for managers",
    "Remember to use the resources available…",
    "Learning points",
    "Key learning points for practitioners",
    "Reminder to practitioners",
]


def configure_partnership() -> Partnership:
    partnership = Partnership.load()
    partnership.name = "Test Safeguarding Children Partnership"
    partnership.contact_email = "lscb@example.org"
    partnership.training = "The partnership runs two CSE training courses."
    partnership.save()
    SupportContact.objects.create(
        partnership=partnership, name="MASH", description="If you are worried about a child", phone="01273 290400"
    )
    for kind, title in (
        (LinkKind.USEFUL, "Barnardo's"),
        (LinkKind.READING, "Working Together to Safeguard Children"),
        (LinkKind.TRAINING, "CSE: working with young people at risk"),
        (LinkKind.PROCEDURE, "Multi-agency safeguarding procedures"),
    ):
        PartnershipLink.objects.create(partnership=partnership, kind=kind, title=title, url="https://example.org/x")
    return partnership


def pdf_text(path_or_bytes: Path | bytes, *, layout: bool = False) -> str:
    """The PDF's text as pdftotext (poppler) reads it."""
    args = ["pdftotext", "-enc", "UTF-8"] + (["-layout"] if layout else [])
    if isinstance(path_or_bytes, bytes):
        result = subprocess.run([*args, "-", "-"], input=path_or_bytes, capture_output=True, check=True)
    else:
        result = subprocess.run([*args, str(path_or_bytes), "-"], capture_output=True, check=True)
    return result.stdout.decode("utf-8")


def squash(text: str) -> str:
    """Whitespace folded, so that words wrapped across lines still match."""
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class Tagged:
    """One element of a tagged PDF's structure tree: its type (P, Table, TH…), its attributes (/A), its
    /ID, the text of its own marked content and its children."""

    tag: str
    attributes: dict = field(default_factory=dict)
    id: str = ""
    own_text: str = ""
    children: list[Tagged] = field(default_factory=list)

    @property
    def text(self) -> str:
        return squash(" ".join([self.own_text, *(child.text for child in self.children)]))

    def find_all(self, tag: str) -> list[Tagged]:
        found = [self] if self.tag == tag else []
        for child in self.children:
            found.extend(child.find_all(tag))
        return found


def _marked_texts(page) -> dict[int, str]:
    """The text of each marked-content sequence (MCID) of a page."""
    texts: dict[int, str] = {}
    stack: list[int | None] = []

    def before(operator, args, cm, tm) -> None:
        if operator == b"BDC":
            properties = args[1] if len(args) > 1 else None
            stack.append(properties.get("/MCID") if hasattr(properties, "get") else None)
        elif operator == b"BMC":
            stack.append(None)
        elif operator == b"EMC" and stack:
            stack.pop()

    def text(value, cm, tm, font, size) -> None:
        mcid = next((m for m in reversed(stack) if m is not None), None)
        if mcid is not None and value:
            texts[int(mcid)] = texts.get(int(mcid), "") + value

    page.extract_text(visitor_operand_before=before, visitor_text=text)
    return texts


def structure_tree(pdf: bytes) -> Tagged:
    """The PDF's structure tree (StructTreeRoot) with the text each element marks, read with pypdf."""
    from io import BytesIO

    from pypdf import PdfReader

    reader = PdfReader(BytesIO(pdf))
    pages = {page.indirect_reference.idnum: page for page in reader.pages}
    texts: dict[int, dict[int, str]] = {}

    def page_text(page_ref, mcid: int) -> str:
        number = page_ref.idnum
        if number not in texts:
            texts[number] = _marked_texts(pages[number])
        return texts[number].get(int(mcid), "")

    def build(node, page_ref=None) -> Tagged:
        node = node.get_object()
        if "/Pg" in node:
            page_ref = node.raw_get("/Pg")
        element = Tagged(
            tag=str(node.get("/S", "/StructTreeRoot"))[1:],
            attributes=dict(node.get("/A") or {}),
            id=str(node.get("/ID", "")),
        )
        kids = node.get("/K")
        kids = [] if kids is None else list(kids) if isinstance(kids, list) else [kids]
        own = []
        for kid in kids:
            if isinstance(kid, int):  # a marked-content id on the element's page
                own.append(page_text(page_ref, kid))
                continue
            child = kid.get_object()
            if child.get("/Type") == "/MCR":
                own.append(page_text(child.raw_get("/Pg") if "/Pg" in child else page_ref, child["/MCID"]))
            elif "/S" in child:  # a structure element (not an annotation's OBJR)
                element.children.append(build(child, page_ref))
        element.own_text = " ".join(own)
        return element

    return build(reader.trailer["/Root"]["/StructTreeRoot"])


def page_one_png(pdf: bytes, name: str) -> Path:
    """Page 1 as a PNG in test-artifacts/, for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    pdf_path = ARTIFACTS / f"{name}.pdf"
    pdf_path.write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf_path),
            str(ARTIFACTS / f"{name}-page1"),
        ],
        check=True,
    )
    return ARTIFACTS / f"{name}-page1.png"


def poppler_available() -> bool:
    return all(shutil.which(tool) for tool in ("pdftotext", "pdfinfo", "pdffonts", "pdftoppm"))


@dataclass
class Probe:
    """An HTTP server on a free loopback port that records every request it gets."""

    server: http.server.ThreadingHTTPServer
    requests: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"


def start_probe() -> Probe:
    recorded: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            recorded.append(self.path)
            body = b"root:x:0:0:probe-served-this"
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET  # noqa: N815

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return Probe(server=server, requests=recorded)
