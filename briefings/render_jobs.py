"""What a briefing version and an insight report share as PDF render jobs, on their pages: how long
one has waited, when its status line offers "Retry now", and the key of what that line shows (its
poll is answered 204 while the key is unchanged, so a focused button stays). Their life cycle is
shared in briefings.services: render_to_file (a render), requeue_stalled (the periodic sweep) and
render_retry (a person's Retry)."""

from __future__ import annotations

import hashlib

from django.utils import timezone

# A render still queued or rendering this long gets a "Retry now" button on its status line.
STUCK_AFTER_SECONDS = 120


class RenderJob:
    """For a model with status (queued, rendering, done, failed), error, pages, queued_at and
    started_at. `created_field` names the time it waits from when it has no queued_at (a row queued
    before the model kept one)."""

    created_field = ""

    @property
    def is_finished(self) -> bool:
        """Done or failed: nothing more will happen without a person asking (the poll stops)."""
        return self.status in ("done", "failed")

    @property
    def waiting_seconds(self) -> float:
        """How long the render has been queued or running."""
        since = self.started_at if self.status == "rendering" else self.queued_at
        return (timezone.now() - (since or getattr(self, self.created_field))).total_seconds()

    @property
    def offers_retry_now(self) -> bool:
        """Still queued or rendering, and either the queue could not be reached or it has waited long."""
        return self.status in ("queued", "rendering") and (
            bool(self.error) or self.waiting_seconds > STUCK_AFTER_SECONDS
        )

    @property
    def status_key(self) -> str:
        """What the status line shows, in short: the line polling asks for is replaced only when it
        changes (a withdrawn version is done: its status says so)."""
        shown = "|".join([self.status, str(self.offers_retry_now), str(self.pages), self.error])
        return hashlib.sha256(shown.encode("utf-8")).hexdigest()[:16]
