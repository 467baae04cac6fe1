"""Benchmarks: run each as a module, e.g. `python -m benchmarks.briefing_render` (see README.md)."""
