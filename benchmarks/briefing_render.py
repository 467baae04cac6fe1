"""How long WeasyPrint takes to render a briefing, per page, at 1, 5 and 20 pages.

    DEBUG=1 .venv/bin/python -m benchmarks.briefing_render [--repeat 3]

The briefings are generated (no database needed): the same content snapshot a published version
holds, with strengths as titled blocks, bullet lists, numbered recommendations with owners and
links (and, at 5 and 20 pages, the heatmap annex: its chart and the table of its figures), grown
until the PDF has the page count asked for. Each size is rendered --repeat times
through the production path (briefings.rendering.render_pdf: the hardened url_fetcher, PDF/UA
tagging) and the best time is kept. A straight line, time = fixed + per_page × pages, is fitted
through the three points; the render is "linear" when the per-page time of the 20-page briefing
is within 1.5× that of the 5-page one.
"""

from __future__ import annotations

import argparse
import os
import time


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "auditportal.settings")
    if not os.environ.get("SECRET_KEY") and not os.environ.get("DEBUG"):
        os.environ.setdefault("AUDITPORTAL_TESTING", "1")
    import django

    django.setup()


def heatmap_svg(agencies: int = 10, standards: int = 14, grades: int = 4) -> str:
    """A grid of the Part B heatmap's size and shape (rectangles and counts), without a database."""
    cell, row, label = 28, 28, 300
    width, height = label + agencies * (grades * cell + 10) + 20, 180 + standards * row
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
    ]
    parts.append("<desc>Benchmark heatmap.</desc>")
    for s in range(standards):
        y = 170 + s * row
        parts.append(f'<text x="10" y="{y + 18}" font-size="12">R{s + 1} Concerns about CSE were recognised</text>')
        for a in range(agencies):
            for g in range(grades):
                x = label + a * (grades * cell + 10) + g * cell
                parts.append(
                    f'<rect x="{x}" y="{y + 2}" width="26" height="24" fill="#aed581" fill-opacity="0.{(s + a + g) % 9 + 1}"/>'
                    f'<text x="{x + 13}" y="{y + 18}" text-anchor="middle" font-size="12">{(s * a + g) % 4}</text>'
                )
    parts.append("</svg>")
    return "".join(parts)


def heatmap_table(agencies: int = 10, standards: int = 14, grades: int = 4) -> dict:
    """The figures printed after the heatmap (briefings.content.heatmap_table), for the same grid."""
    scale = [("Outstanding", "O"), ("Good", "G"), ("Requires improvement", "RI"), ("Inadequate", "I")][:grades]
    return {
        "grades": [{"label": label, "abbr": abbr} for label, abbr in scale],
        "agencies": [f"Partner agency {a + 1}" for a in range(agencies)],
        "rows": [
            {
                "standard": f"R{s + 1} Concerns about CSE were recognised",
                "cells": [[(s * a + g) % 4 for g in range(grades)] + [(s + a) % 2] for a in range(agencies)],
            }
            for s in range(standards)
        ],
    }


def content(units: int, *, with_heatmap: bool) -> dict:
    """A briefing of `units` blocks (a unit is about a fifth of an A4 page)."""
    sentence = (
        "Information sharing across agencies is timely and of a good standard, and it led to appropriate action "
        "being taken to safeguard the young person. "
    )
    kinds = ["strengths", "manager_points", "recommendations", "useful_links"]
    sections = []
    for n in range(units):
        kind = kinds[n % len(kinds)]
        if kind == "strengths":
            body = f"## Strength {n}\n{sentence * 3}"
        elif kind == "manager_points":
            body = "\n".join(f"- **Supervision {n}.{i}:** {sentence}" for i in range(3))
        elif kind == "recommendations":
            body = "\n".join(
                f"{i}. {sentence}\n   **Owner:** CSE Steering Group; due 31 March 2026" for i in range(1, 3)
            )
        else:
            body = "\n".join(f"- [Useful resource {n}.{i}](https://example.org/{n}/{i}) – {sentence}" for i in range(2))
        sections.append({"key": f"{kind}-{n}", "heading": f"Section {n + 1}", "body": body})
    if with_heatmap:
        sections.append({"key": "heatmap", "heading": "Annex: grades", "body": "The Part B heatmap."})
    return {
        "schema": 1,
        "edition": "managers",
        "edition_label": "Managers' briefing",
        "title": "Benchmark briefing",
        "audience": "Managers",
        "partnership": {
            "name": "Benchmark Safeguarding Children Partnership",
            "short_name": "BSCP",
            "contact_email": "",
        },
        "audit": {"title": "Benchmark audit", "slug": "bench", "theme": "CSE", "year": 2025, "scope_question": "Q?"},
        "facts": {"cases": 6, "agencies": 10, "part_b_date": "2025-06-13"},
        "sections": sections,
        "heatmap_svg": heatmap_svg() if with_heatmap else "",
        "heatmap_table": heatmap_table() if with_heatmap else None,
        "case_judgements": None,
        "version": 1,
        "published_at": "2025-07-01T10:00:00+00:00",
        "published_by": "Benchmark",
    }


def calibrate(target: int, *, with_heatmap: bool) -> tuple[dict, int]:
    """Grow the content until the PDF has exactly `target` pages (a few renders)."""
    from briefings.rendering import render_pdf

    units = max(1, target * 5 - (5 if with_heatmap else 2))
    tried: dict[int, int] = {}
    for _ in range(12):
        pages = tried.setdefault(units, render_pdf(content(units, with_heatmap=with_heatmap)).pages)
        if pages == target:
            return content(units, with_heatmap=with_heatmap), pages
        step = max(1, round(abs(target - pages) * units / max(pages, 1) * 0.8))
        units = max(1, units + step if pages < target else units - step)
        if units in tried:  # oscillating around a page break: step by one
            units = units + 1 if tried[units] < target else units - 1
    raise RuntimeError(f"could not make a {target}-page briefing")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="renders per size; the best is kept (default 3)")
    args = parser.parse_args()
    setup()
    from briefings.rendering import render_pdf

    render_pdf(content(1, with_heatmap=False))  # warm-up: fonts, templates, CSS parsing
    rows = []
    print(f"{'pages':>5}  {'best ms':>8}  {'ms/page':>8}  {'size KiB':>8}  {'KiB/page':>8}")
    for target in (1, 5, 20):
        doc, pages = calibrate(target, with_heatmap=target > 1)
        best = float("inf")
        size = 0
        for _ in range(args.repeat):
            started = time.perf_counter()
            result = render_pdf(doc)
            best = min(best, time.perf_counter() - started)
            size = len(result.pdf)
            assert result.pages == pages and not result.refused
        ms = best * 1000
        rows.append((pages, ms))
        print(f"{pages:>5}  {ms:>8.0f}  {ms / pages:>8.0f}  {size / 1024:>8.0f}  {size / 1024 / pages:>8.1f}")

    # Least squares through the three points: time = fixed + per_page × pages.
    n = len(rows)
    mean_p = sum(p for p, _ in rows) / n
    mean_t = sum(t for _, t in rows) / n
    slope = sum((p - mean_p) * (t - mean_t) for p, t in rows) / sum((p - mean_p) ** 2 for p, _ in rows)
    fixed = mean_t - slope * mean_p
    total = sum((t - mean_t) ** 2 for _, t in rows)
    residual = sum((t - (fixed + slope * p)) ** 2 for p, t in rows)
    r2 = 1 - residual / total if total else 1.0
    per_page_5 = rows[1][1] / rows[1][0]
    per_page_20 = rows[2][1] / rows[2][0]
    ratio = per_page_20 / per_page_5
    print(f"fit: time ≈ {fixed:.0f} ms + {slope:.0f} ms × pages (R² = {r2:.3f})")
    verdict = "linear" if ratio <= 1.5 else "NOT linear"
    print(f"linear check: ms/page at 20 pages ÷ ms/page at 5 pages = {ratio:.2f} → {verdict} (threshold 1.5)")


if __name__ == "__main__":
    main()
