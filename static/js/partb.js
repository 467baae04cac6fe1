// Part B: the evidence board's large-type toggle and print button, and confirmation before
// deleting a finding. Everything here is an enhancement: the pages work without JavaScript.
"use strict";
(() => {
  const KEY = "auditportal.largeType";
  const root = document.documentElement;

  function readPreference() {
    try {
      return window.localStorage.getItem(KEY) === "1";
    } catch (error) {
      return false; // storage blocked: the toggle still works for this page
    }
  }

  function savePreference(on) {
    try {
      window.localStorage.setItem(KEY, on ? "1" : "0");
    } catch (error) {
      // nothing to do: the preference just won't persist
    }
  }

  function applyLargeType(on, button) {
    root.classList.toggle("large-type", on);
    if (button) button.setAttribute("aria-pressed", on ? "true" : "false");
  }

  document.addEventListener("DOMContentLoaded", () => {
    const toggle = document.getElementById("large-type-toggle");
    applyLargeType(readPreference(), toggle);
    if (toggle) {
      toggle.hidden = false;
      toggle.addEventListener("click", () => {
        const on = !root.classList.contains("large-type");
        applyLargeType(on, toggle);
        savePreference(on);
      });
    }

    const print = document.getElementById("print-page");
    if (print) {
      print.hidden = false;
      print.addEventListener("click", () => window.print());
    }

    document.querySelectorAll("form[data-confirm]").forEach((form) => {
      form.addEventListener("submit", (event) => {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    });
  });
})();
