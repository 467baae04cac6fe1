"""PDF render time per page for 1-, 5- and 20-page briefings, with the app's own renderer.

    python -m benchmarks.briefing_pdf [--json]

Needs seed_scale's data (benchmarks/run.py runs it after the load test). The documents are made
from the newest scale audit's published managers' briefing: its prose sections, repeated until the
document has the number of pages wanted, and (for 5 and 20 pages) its heatmap annex, as a real
briefing has. Each document is rendered by briefings.rendering.render_pdf, the function the
Celery task calls, in this process; the time is that function's own (HTML template + WeasyPrint
layout + PDF writing). One unmeasured render first finds how much prose fills a page (and warms the caches).
"""

from __future__ import annotations

import copy
import json
import os
import sys
from pathlib import Path
from typing import Any

SIZES = [(1, False), (5, True), (20, True)]  # (pages, with the heatmap annex)


def base_content() -> dict[str, Any]:
    from briefings.models import BriefingVersion, Edition, RenderStatus

    version = (
        BriefingVersion.objects.filter(
            briefing__audit__slug__startswith="scale-audit-",
            briefing__edition=Edition.MANAGERS,
            status=RenderStatus.DONE,
        )
        .order_by("-briefing__audit__created_at", "-number")
        .first()
    )
    if version is None:
        raise SystemExit("no published scale briefing: run seed_scale first")
    return version.content


def document(base: dict[str, Any], units: int, heatmap: bool) -> dict[str, Any]:
    from briefings.prefill import DATA_SECTIONS

    prose = [s for s in base["sections"] if s["key"] not in DATA_SECTIONS and s["body"].strip()]
    sections = []
    for i in range(max(1, units)):
        section = dict(prose[i % len(prose)])
        if i >= len(prose):
            section["key"] = f"{section['key']}-{i}"
            section["heading"] = f"{section['heading']} ({i // len(prose) + 1})"
        sections.append(section)
    if heatmap:
        sections += [s for s in base["sections"] if s["key"] == "heatmap"]
    content = copy.deepcopy(base)
    content["sections"] = sections
    return content


def render(content: dict[str, Any]) -> tuple[int, float]:
    from briefings.rendering import render_pdf

    result = render_pdf(content)
    return result.pages, result.seconds


def timings() -> list[dict[str, Any]]:
    base = base_content()
    # How many prose sections fill a page (one unmeasured render of all of them).
    all_prose = len([s for s in base["sections"] if s["body"].strip()])
    pages, _seconds = render(document(base, all_prose, heatmap=False))
    per_page = max(all_prose / max(pages, 1), 0.5)
    heatmap_pages = (
        render(document(base, 1, heatmap=True))[0] - 1 if any(s["key"] == "heatmap" for s in base["sections"]) else 0
    )
    out = []
    for wanted, heatmap in SIZES:
        extra = heatmap_pages if heatmap else 0
        units = max(1, round((wanted - extra) * per_page))
        content = document(base, units, heatmap)
        # The first render above warmed the caches (fonts, stylesheets): every render here counts,
        # the last one is kept (the one with the wanted number of pages, if the estimate allowed).
        for _attempt in range(4):
            pages, seconds = render(content)
            if pages == wanted:
                break
            units = max(1, units + (1 if pages < wanted else -1) * max(1, round(abs(wanted - pages) * per_page)))
            content = document(base, units, heatmap)
        out.append(
            {
                "name": f"{pages}-page briefing" + (" + heatmap" if heatmap and heatmap_pages else ""),
                "pages": pages,
                "ms": seconds * 1000,
            }
        )
    return out


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "auditportal.settings")
    import django

    django.setup()
    results = timings()
    if "--json" in sys.argv:
        print(json.dumps(results))
    else:
        for item in results:
            print(f"{item['name']}: {item['ms']:.0f} ms, {item['ms'] / item['pages']:.0f} ms/page")


if __name__ == "__main__":
    main()
