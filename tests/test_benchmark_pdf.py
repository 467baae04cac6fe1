"""The benchmark's PDF documents (benchmarks/briefing_pdf.py) come out at exactly 1, 5 and 20 pages with
an annex the size of seed_scale's full audit (15 agencies × 40 standards), so `make bench` cannot break
when the briefing's layout changes (the annex's table of figures once made a 5-page one impossible)."""

from benchmarks import briefing_pdf, briefing_render


def test_the_pdf_benchmark_renders_1_5_and_20_pages_with_a_full_size_annex(monkeypatch):
    chart = briefing_render.heatmap_svg(agencies=15, standards=40)
    table = briefing_render.heatmap_table(agencies=15, standards=40)
    monkeypatch.setattr(briefing_pdf, "seeded_heatmap", lambda: (chart, table))
    results = briefing_pdf.timings()
    assert [r["pages"] for r in results] == [1, 5, 20], results
    assert all(r["ms"] > 0 for r in results)
    # The generated annex is put back for whoever renders next.
    assert briefing_render.heatmap_table().get("agencies") == [f"Partner agency {a + 1}" for a in range(10)]
