"""PDF render time per page of 1-, 5- and 20-page briefings, for benchmarks/run.py (JSON on stdout).

    python -m benchmarks.briefing_pdf [--json]

The documents are those of the briefings' own render benchmark (benchmarks/briefing_render.py:
generated content grown to exactly 1, 5 and 20 pages, the 5- and 20-page ones with the Part B
heatmap annex: the chart, then its figures as a table). The 20-page one has the real annex of the
newest seeded audit (seed_scale: 15 agencies × 40 standards at full size), since its size is what
the render time depends on: that annex alone is four to five pages, so the 5-page one keeps
briefing_render's generated 10 × 14 grid (two pages). The calibration sees the annex too, so the
page counts are exactly 1, 5 and 20. Each document is rendered by briefings.rendering.render_pdf
(the function the Celery task calls) after briefing_render's calibration renders have warmed the
caches; the time is that of one render.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

SIZES = [(1, None), (5, "generated"), (20, "seeded")]  # (pages, the heatmap annex: none, generated, seeded)


def seeded_heatmap() -> tuple[str, dict | None]:
    """The newest seeded audit's heatmap chart and table (None: a version published without one)."""
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
        return "", None
    return version.content.get("heatmap_svg") or "", version.content.get("heatmap_table")


def timings() -> list[dict]:
    from benchmarks import briefing_render
    from briefings.rendering import render_pdf

    generated = briefing_render.heatmap_svg, briefing_render.heatmap_table
    heatmap, table = seeded_heatmap()
    out = []
    for wanted, annex in SIZES:
        # briefing_render's documents take their annex from these two functions: with the seeded
        # one, its calibration grows the text to the page count asked for, annex included.
        chart, figures = generated
        if annex == "seeded" and heatmap:
            chart, figures = (lambda *args, **kwargs: heatmap), (lambda *args, **kwargs: table)
        briefing_render.heatmap_svg, briefing_render.heatmap_table = chart, figures
        document, _pages = briefing_render.calibrate(wanted, with_heatmap=annex is not None)
        started = time.perf_counter()
        result = render_pdf(document)
        seconds = time.perf_counter() - started
        label = (
            f"{wanted} page{'s' if wanted > 1 else ''}"
            + {
                None: " of text",
                "generated": " with a 10 × 14 heatmap",
                "seeded": " with the seeded heatmap",
            }[annex]
        )
        out.append({"name": label, "pages": result.pages, "ms": seconds * 1000})
    briefing_render.heatmap_svg, briefing_render.heatmap_table = generated
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
            print(
                f"{item['name']}: {item['pages']} pages, {item['ms']:.0f} ms, {item['ms'] / item['pages']:.0f} ms/page"
            )


if __name__ == "__main__":
    main()
