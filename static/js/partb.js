// Part B: the evidence board's display toggles (large type for the projector, grades without the
// evidence text, only the standards where grades differ) and print button, confirmation before
// deleting a finding, and the confirmation of a save shown where the page opens after it.
// Everything here is an enhancement: the pages work without JavaScript.
"use strict";
(() => {
  const root = document.documentElement;
  // Each toggle: a button id, the class it puts on <html>, and where the choice is remembered. The
  // filter to the standards where grades differ is not remembered: a board opened later always
  // shows every standard first.
  const TOGGLES = [
    { id: "large-type-toggle", cls: "large-type", key: "auditportal.largeType" },
    { id: "evidence-toggle", cls: "evidence-hidden", key: "auditportal.evidenceHidden" },
    { id: "differences-toggle", cls: "differences-only", key: null },
  ];

  function readPreference(key) {
    if (!key) return false;
    try {
      return window.localStorage.getItem(key) === "1";
    } catch (error) {
      return false; // storage blocked: the toggle still works for this page
    }
  }

  function savePreference(key, on) {
    if (!key) return;
    try {
      window.localStorage.setItem(key, on ? "1" : "0");
    } catch (error) {
      // nothing to do: the preference just won't persist
    }
  }

  function apply(toggle, on, button) {
    root.classList.toggle(toggle.cls, on);
    if (button) button.setAttribute("aria-pressed", on ? "true" : "false");
  }

  // After a save the page opens at what was saved (#consensus-overall, #agency-3, #theme…), far below
  // the confirmation at the top of the page: move the confirmation there, under the target's
  // heading, so that it is seen where the person is. Not into a list item or a table row.
  function showMessagesAtTarget() {
    const messages = document.querySelector("main > .messages");
    let target = null;
    try {
      target = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
    } catch (error) {
      return; // a malformed address: leave the page as it is
    }
    if (!messages || !target || ["LI", "TR", "TD"].includes(target.tagName)) return;
    const heading = target.querySelector(":scope > h2, :scope > h3");
    if (heading) heading.after(messages);
    else target.prepend(messages);
    target.scrollIntoView({ block: "start", behavior: "instant" });
  }

  document.addEventListener("DOMContentLoaded", () => {
    TOGGLES.forEach((toggle) => {
      const button = document.getElementById(toggle.id);
      apply(toggle, readPreference(toggle.key), button);
      if (!button) return;
      button.hidden = false;
      button.addEventListener("click", () => {
        const on = !root.classList.contains(toggle.cls);
        apply(toggle, on, button);
        savePreference(toggle.key, on);
      });
    });

    const print = document.getElementById("print-page");
    if (print) {
      print.hidden = false;
      print.addEventListener("click", () => window.print());
    }

    showMessagesAtTarget();

    document.querySelectorAll("form[data-confirm]").forEach((form) => {
      form.addEventListener("submit", (event) => {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    });
  });
})();
