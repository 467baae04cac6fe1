"""The hardened renderer: what WeasyPrint may fetch, and what the PDF says about itself."""

from __future__ import annotations

import subprocess
from io import BytesIO

import pytest
from django.conf import settings
from pypdf import PdfReader
from weasyprint.urls import URLFetchingError, fetch

from briefings.content import build_content
from briefings.models import Edition
from briefings.rendering import RefusedURL, SafeURLFetcher, render_pdf, static_path_for

from .support import pdf_text, squash, start_probe


@pytest.fixture
def probe():
    probe = start_probe()
    yield probe
    probe.server.shutdown()
    probe.server.server_close()


# --- The url_fetcher on its own ----------------------------------------------------------------


def test_fetcher_serves_the_apps_own_static_files():
    fetcher = SafeURLFetcher()
    for url in ("/static/css/briefing-pdf.css", f"{settings.SITE_URL}/static/css/briefing-pdf.css"):
        response = fetcher.fetch(url)
        body = response.read()
        response.close()
        assert b"@page" in body
        assert response.content_type == "text/css"


def test_fetcher_serves_data_uris():
    response = SafeURLFetcher().fetch("data:text/plain;base64,aGVsbG8=")
    assert response.read() == b"hello"
    response.close()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "file://localhost/etc/passwd",
        "/etc/passwd",
        "/static/../../../../etc/passwd",
        "/static/%2e%2e/%2e%2e/etc/passwd",
        "/static/css/../../../etc/passwd",
        "/static/css/briefing-pdf.css/../../settings.py",
        "/static/../auditportal/settings.py",
        "https://example.org/static/css/briefing-pdf.css",
        "ftp://127.0.0.1/x",
        "gopher://127.0.0.1:70/x",
        "//example.org/static/css/briefing-pdf.css",
        "/media/briefings/1/managers-v1.pdf",
    ],
)
def test_fetcher_refuses_everything_else(url):
    fetcher = SafeURLFetcher()
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_fetcher_refuses_the_loopback_and_never_connects(probe):
    fetcher = SafeURLFetcher()
    for url in (f"{probe.url}/stylesheet.css", f"{probe.url}/static/css/briefing-pdf.css"):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)
        # The way WeasyPrint calls it: the refusal becomes a warning, the render goes on.
        with pytest.raises(URLFetchingError), fetch(fetcher, url):
            pass
    assert probe.requests == []


def test_static_paths_stay_inside_the_static_directories():
    assert static_path_for("/static/css/briefing-pdf.css").name == "briefing-pdf.css"
    assert static_path_for("/static/css/missing.css") is None
    # Only the kinds of file a document uses: no Python, no templates, even if a finder has them.
    assert static_path_for("/static/js/briefings.js") is None


# --- Whole documents ---------------------------------------------------------------------------

HOSTILE_SECTIONS = [
    '<img src="file:///etc/passwd">',
    '<link rel="stylesheet" href="file:///etc/passwd">',
    "<link rel=attachment href={probe}/attachment>",
    '<img src="{probe}/image.png"> <iframe src="{probe}/frame"></iframe>',
    '<style>@import url("{probe}/import.css"); body {{ background: url(file:///etc/passwd) }}</style>',
    "[a link to the probe]({probe}/link) and ![an image]({probe}/markdown-image.png)",
    "<object data=file:///etc/passwd></object><embed src={probe}/embed>",
]


def hostile_content(probe_url: str) -> dict:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="200" height="80">'
        f'<image href="file:///etc/passwd" width="10" height="10"/>'
        f'<image xlink:href="{probe_url}/svg-image.png" width="10" height="10"/>'
        f'<style>@import url("{probe_url}/svg-style.css");</style>'
        '<text x="10" y="40">heatmap text</text></svg>'
    )
    return {
        "schema": 1,
        "edition": Edition.MANAGERS,
        "edition_label": "Managers' briefing",
        "title": '<link rel="attachment" href="file:///etc/passwd">Hostile title',
        "audience": "<img src=file:///etc/passwd>",
        "partnership": {"name": "<b>Partnership</b>", "short_name": "P", "contact_email": "lscb@example.org"},
        "audit": {"title": "T", "slug": "t", "theme": "CSE", "year": 2025, "scope_question": "<script>x</script>"},
        "facts": {"cases": 2, "agencies": 2, "part_b_date": ""},
        "sections": [
            {
                "key": f"s{i}",
                "heading": f"Section {i} <img src=file:///etc/passwd>",
                "body": body.format(probe=probe_url),
            }
            for i, body in enumerate(HOSTILE_SECTIONS)
        ]
        + [{"key": "heatmap", "heading": "Heatmap", "body": "The chart."}],
        "heatmap_svg": svg,
        "case_judgements": None,
        "version": 1,
        "published_at": "2025-07-01T10:00:00+00:00",
        "published_by": "QA",
    }


def test_hostile_briefing_text_is_printed_not_fetched(probe):
    result = render_pdf(hostile_content(probe.url))
    text = squash(pdf_text(result.pdf))

    # No request reached the loopback probe, and no local file was read into the PDF.
    assert probe.requests == []
    assert "root:x:0:0" not in text
    # The hostile markup is in the PDF as the words that were typed.
    assert '<img src="file:///etc/passwd">' in text
    assert '<link rel="stylesheet" href="file:///etc/passwd">' in text
    assert f"<link rel=attachment href={probe.url}/attachment>" in text
    assert "Hostile title" in text
    # Nothing was attached: <link rel=attachment> in the text is just text.
    reader = PdfReader(BytesIO(result.pdf))
    names = reader.trailer["/Root"].get("/Names")
    assert names is None or "/EmbeddedFiles" not in names.get_object()
    # The SVG's own references reached the fetcher and were refused there.
    assert "file:///etc/passwd" in result.refused
    assert f"{probe.url}/svg-image.png" in result.refused
    assert "heatmap text" in text


def test_a_link_in_the_text_is_a_link_in_the_pdf_but_is_never_fetched(probe):
    content = hostile_content(probe.url)
    result = render_pdf(content)
    uris = []
    for page in PdfReader(BytesIO(result.pdf)).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action and "/URI" in action:
                uris.append(str(action["/URI"]))
    assert f"{probe.url}/link" in uris
    assert not any(uri.startswith("file:") for uri in uris)
    assert probe.requests == []


@pytest.mark.django_db
def test_pdf_is_tagged_titled_and_a4(make_briefing):
    briefing = make_briefing(Edition.MANAGERS)
    content = build_content(briefing, number=1)
    result = render_pdf(content)
    reader = PdfReader(BytesIO(result.pdf))

    assert reader.metadata.title == briefing.title
    assert reader.metadata.author == "Test Safeguarding Children Partnership"
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert "pdfuaid" in root["/Metadata"].get_object().get_data().decode()
    # A4 portrait: 595 × 842 points.
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    assert result.pages == len(reader.pages)


@pytest.mark.django_db
def test_pdfinfo_and_pdffonts_agree(make_briefing, tmp_path):
    briefing = make_briefing(Edition.PRACTITIONERS)
    path = tmp_path / "b.pdf"
    path.write_bytes(render_pdf(build_content(briefing, number=1)).pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Tagged:          yes" in info
    assert f"Title:           {briefing.title}" in info
    assert "(A4)" in info
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows, "the PDF lists its fonts"
    # Every font is embedded (the "emb" column), so the briefing prints the same everywhere.
    assert all(row.split()[-5] == "yes" for row in rows)


@pytest.mark.django_db
def test_running_header_and_page_x_of_y(make_briefing):
    briefing = make_briefing(Edition.MANAGERS)
    result = render_pdf(build_content(briefing, number=3, published_by="QA"))
    assert result.pages >= 2
    reader = PdfReader(BytesIO(result.pdf))
    first, second = (squash(page.extract_text()) for page in reader.pages[:2])
    assert f"Page 1 of {result.pages}" in first
    assert f"Page 2 of {result.pages}" in second
    # The header from page 2 on: the partnership's name and the edition.
    assert "Test Safeguarding Children Partnership" in second
    assert "Managers' briefing" in second
    assert "Version 3" in second


def test_a_titled_link_prints_its_address_and_a_bare_one_prints_once(probe):
    content = hostile_content(probe.url)
    content["sections"] = [
        {
            "key": "useful_links",
            "heading": "Useful links",
            "body": "- [West Midlands procedures](http://westmidlands.procedures.org.uk/)\n"
            "- https://www.example.org/bare\n- lscb@example.org",
        }
    ]
    text = squash(pdf_text(render_pdf(content).pdf))
    assert "West Midlands procedures (http://westmidlands.procedures.org.uk/)" in text
    assert text.count("www.example.org/bare") == 1 and text.count("lscb@example.org") >= 1
    assert "(mailto:" not in text
    assert probe.requests == []
