// Briefing composer: confirmations and a guard against leaving with unsaved edits.
// The pages work without it: every action is an ordinary form post.
"use strict";
(() => {
  // Forms that replace a person's work ask first ("Refresh from findings").
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) return;
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });

  // A form with edits not yet saved (a section, or the title and audience) marks itself; leaving
  // the page then asks first. Saving it, by a post or by htmx, clears the mark; a save that fails
  // puts it back.
  const TRACKED = "form.section-form, form.details-form";
  const dirty = new Set();
  const key = (form) => form.getAttribute("action");
  document.addEventListener("input", (event) => {
    const form = event.target.closest && event.target.closest(TRACKED);
    if (!form) return;
    dirty.add(key(form));
    const status = form.querySelector(".save-status");
    if (status) status.textContent = status.dataset.unsaved || "Not saved yet";
  });
  // Capture phase: before htmx handles (and cancels) the submit of an hx-post form.
  document.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      if (form instanceof HTMLFormElement && form.matches(TRACKED)) dirty.delete(key(form));
    },
    true,
  );
  document.addEventListener("htmx:afterRequest", (event) => {
    const form = event.detail.elt;
    if (form instanceof HTMLFormElement && form.matches(TRACKED) && !event.detail.successful) {
      dirty.add(key(form));
    }
  });
  // A section saved over by somebody else answers 409 with both texts: show it (htmx would not swap an error).
  document.addEventListener("htmx:beforeSwap", (event) => {
    const form = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (event.detail.xhr.status === 409 && form instanceof HTMLFormElement && form.matches(TRACKED)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
      dirty.add(key(form));
    }
  });
  window.addEventListener("beforeunload", (event) => {
    if (dirty.size === 0) return;
    event.preventDefault();
    event.returnValue = "";
  });
})();
