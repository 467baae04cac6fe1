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

  // A section form with edits not yet saved marks its card; leaving the page then asks first.
  const dirty = new Set();
  document.addEventListener("input", (event) => {
    const form = event.target.closest && event.target.closest("form.section-form");
    if (!form) return;
    dirty.add(form.getAttribute("action"));
    const status = form.querySelector(".save-status");
    if (status) status.textContent = status.dataset.unsaved || "Not saved yet";
  });
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form instanceof HTMLFormElement && form.classList.contains("section-form") && !event.defaultPrevented) {
      dirty.delete(form.getAttribute("action"));
    }
  });
  window.addEventListener("beforeunload", (event) => {
    if (dirty.size === 0) return;
    event.preventDefault();
    event.returnValue = "";
  });
})();
