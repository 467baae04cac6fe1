"""PDF render time per page of 1-, 5- and 20-page briefings, for benchmarks/run.py (JSON on stdout).

    python -m benchmarks.briefing_pdf [--json]

The documents are those of the briefings' own render benchmark (benchmarks/briefing_render.py:
generated content grown to exactly 1, 5 and 20 pages, the 5- and 20-page ones with the Part B
heatmap annex), with one change: the heatmap is the real one of the newest seeded audit (seed_scale:
15 agencies × 40 standards at full size, chart and table), not the generated 10 × 14 grid, since its size is what the
render time depends on; the calibration sees it too, so the page counts are still 1, 5 and 20. Each document is
rendered by briefings.rendering.render_pdf (the function the Celery task calls) after
briefing_render's calibration renders have warmed the caches; the time is that of one render.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

SIZES = [(1, False), (5, True), (20, True)]  # (pages, with the heatmap annex)


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

    heatmap, table = seeded_heatmap()
    if heatmap:
        # briefing_render's documents take their annex from these functions: with the seeded one,
        # its calibration grows the text to the page count asked for, annex included.
        briefing_render.heatmap_svg = lambda *args, **kwargs: heatmap
    if table:
        briefing_render.heatmap_table = lambda *args, **kwargs: table
    out = []
    for wanted, with_heatmap in SIZES:
        document, _pages = briefing_render.calibrate(wanted, with_heatmap=with_heatmap)
        started = time.perf_counter()
        result = render_pdf(document)
        seconds = time.perf_counter() - started
        label = f"{wanted} page{'s' if wanted > 1 else ''}" + (" with heatmap" if with_heatmap else " of text")
        out.append({"name": label, "pages": result.pages, "ms": seconds * 1000})
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
