"""PDF rendering with WeasyPrint, hardened.

WeasyPrint fetches whatever a document points at: stylesheets, images, fonts, `<link
rel=attachment>` files, SVG references. A briefing's text is escaped before it reaches the HTML
(briefings/markup.py), but the renderer does not rely on that alone: `SafeURLFetcher` serves the
application's own static files and `data:` URIs, and refuses everything else — `file://`, http(s)
to any host (loopback included), ftp and the rest — before any I/O happens.

In WeasyPrint 70 a url_fetcher must be a `weasyprint.urls.URLFetcher` (its `fetch(url, headers)`
method is what gets called, and WeasyPrint reads the fetcher's `_fail_on_errors`), not the plain
function of older versions; hence a subclass.
"""

from __future__ import annotations

import logging
import mimetypes
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .content import document_context
from .models import Edition

logger = logging.getLogger(__name__)
# WeasyPrint reports every layout step at INFO: noise in a worker's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

PDF_VARIANT = "pdf/ua-1"  # tagged PDF (structure tree, /Lang, /MarkInfo) for screen readers
STATIC_TYPES = {".css", ".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".woff", ".woff2", ".ttf", ".otf"}
MAX_STATIC_BYTES = 10 * 1024 * 1024


class RefusedURL(ValueError):
    """The renderer was asked for something outside the app's static files and data: URIs."""


class SafeURLFetcher(URLFetcher):
    def __init__(self) -> None:
        # No redirects, and only the data: scheme ever reaches urllib (see fetch below).
        super().__init__(timeout=5, allowed_protocols=("data",), allow_redirects=False, fail_on_errors=False)
        self.refused: list[str] = []
        self.served: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if url.lower().startswith("data:"):
            self.served.append(url[:40])
            return super().fetch(url, headers)
        path = static_path_for(url)
        if path is None:
            self.refused.append(url)
            logger.warning("briefing renderer refused to fetch %s", url[:200])
            raise RefusedURL(f"Refused to fetch {url[:200]}: only the app's static files and data: URIs")
        self.served.append(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        headers_out = {"Content-Type": content_type + ("; charset=utf-8" if content_type == "text/css" else "")}
        return URLFetcherResponse(url, body=path.read_bytes(), headers=headers_out)


def static_path_for(url: str) -> Path | None:
    """The local file behind a /static/ URL of this site, or None.

    Accepts "/static/…" and "<SITE_URL>/static/…" (the document's base URL is SITE_URL, so the
    templates' {% static %} URLs arrive in that form). Collected files (STATIC_ROOT, production)
    come first, then the staticfiles finders (development, tests). No `..`, no other origin.
    """
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        site = urlsplit(settings.SITE_URL)
        if parts.scheme.lower() not in ("http", "https") or (parts.scheme.lower(), parts.netloc.lower()) != (
            site.scheme.lower(),
            site.netloc.lower(),
        ):
            return None
    static_prefix = urlsplit(settings.STATIC_URL).path or "/static/"
    path = unquote(parts.path)
    if not path.startswith(static_prefix):
        return None
    relative = path[len(static_prefix) :]
    segments = relative.split("/")
    if not relative or "\\" in relative or "\x00" in relative or any(s in ("", ".", "..") for s in segments):
        return None
    if Path(relative).suffix.lower() not in STATIC_TYPES:
        return None
    candidates: list[tuple[Path, Path | None]] = []
    if settings.STATIC_ROOT:
        root = Path(settings.STATIC_ROOT).resolve()
        candidates.append((root / relative, root))
    found = finders.find(relative)
    if found:
        candidates.append((Path(found), None))
    for candidate, root in candidates:
        try:
            resolved = candidate.resolve(strict=True)
        except OSError:
            continue
        if root is not None and not resolved.is_relative_to(root):
            continue
        if resolved.is_file() and resolved.stat().st_size <= MAX_STATIC_BYTES:
            return resolved
    return None


@dataclass
class RenderResult:
    pdf: bytes
    pages: int
    seconds: float
    refused: list[str]


def template_for(edition: str) -> str:
    return f"briefings/pdf/{Edition(edition).value}.html"


def render_html(content: dict[str, Any]) -> str:
    return render_to_string(template_for(content["edition"]), document_context(content))


def render_pdf(content: dict[str, Any]) -> RenderResult:
    """Render a content snapshot (briefings.content.build_content) to a tagged A4 PDF."""
    started = time.perf_counter()
    return render_html_pdf(render_html(content), started=started)


def render_html_pdf(html: str, *, started: float) -> RenderResult:
    """The one hardened WeasyPrint call: only SafeURLFetcher's fetches, tagged PDF/UA output.

    `started` is when the caller began (template rendering included in the time reported).
    """
    fetcher = SafeURLFetcher()
    document = HTML(string=html, base_url=settings.SITE_URL.rstrip("/") + "/", url_fetcher=fetcher).render(
        pdf_variant=PDF_VARIANT
    )
    pdf = document.write_pdf(pdf_variant=PDF_VARIANT)
    return RenderResult(
        pdf=pdf, pages=len(document.pages), seconds=time.perf_counter() - started, refused=list(fetcher.refused)
    )
