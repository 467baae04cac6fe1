// Part B: the evidence board's display toggles (large type for the projector, grades without the
// evidence text, only the standards where grades differ) and print button, confirmation before
// deleting a finding, the confirmation of a save shown where the page opens after it, the focus on
// the errors of a form that comes back refused, a count of the characters of a long text near its
// limit, and wide tables that are a tab stop only while they scroll.
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

  // A form that comes back refused starts with a summary of its errors (boards.error_summary; the
  // evidence board's, boards.board_error_summary, each stage not saved linked to its field), maybe
  // far down the page (a finding's add form, a recommendation's status): the page starts there, with
  // the focus on it, so the person hears what went wrong and is where they acted (WCAG 3.3.1, 2.4.3).
  function focusErrorSummary() {
    const summary = document.querySelector("[data-error-summary]");
    if (!summary) return;
    // Reloaded, the browser would otherwise scroll back to where the page was, away from the summary.
    if ("scrollRestoration" in window.history) window.history.scrollRestoration = "manual";
    summary.focus(); // scrolled into view, towards the middle of the screen: its form's heading stays above
    // The form's address ends with its place (#add-…, #status-…, for a page without this script), and
    // Chromium clears the focus when it scrolls there, once the page has loaded: focus it again then,
    // unless the person has moved on meanwhile.
    window.addEventListener("load", () => {
      if (document.activeElement === document.body) summary.focus();
    }, { once: true });
  }

  // A wide table's region (data-scroll-region) is a tab stop, for the arrow keys to scroll it, only
  // while it does scroll: a board of three agencies on a wide screen fits, and a tab stop there would
  // do nothing. The page gives it tabindex="0" (without this script, every one stays a tab stop).
  function scrollOnlyWhenWide(region) {
    const update = () => {
      const scrolls = region.scrollWidth > region.clientWidth + 1 || region.scrollHeight > region.clientHeight + 1;
      if (scrolls) region.setAttribute("tabindex", "0");
      else if (document.activeElement !== region) region.removeAttribute("tabindex");
    };
    update();
    if (!("ResizeObserver" in window)) return;
    // The region's size changes with the window, its table's with large type or the filters.
    const observer = new ResizeObserver(update);
    observer.observe(region);
    if (region.firstElementChild) observer.observe(region.firstElementChild);
  }

  // Long texts and lines count their characters near the limit, as Part A's form does: app.js
  // (auditportal.countCharacters) sets up every text box whose field carries data-maxlength.

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-scroll-region]").forEach(scrollOnlyWhenWide);

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
    focusErrorSummary();

    document.querySelectorAll("form[data-confirm]").forEach((form) => {
      form.addEventListener("submit", (event) => {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    });
  });
})();
