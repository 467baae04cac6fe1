// Part B: the evidence board's display toggles (large type for the projector, grades without the
// evidence text, only the standards where grades differ) and print button, confirmation before
// deleting a finding, the confirmation of a save shown where the page opens after it (a finding's
// move or edit: in its list's status region, the focus back on the button pressed), the focus on
// the errors of a form that comes back refused, a count of the characters of a long text near its
// limit, and a question before leaving a page with something typed in it and not saved. (Wide tables
// are a tab stop only while they scroll: app.js, on every page.)
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
  // heading, so that it is seen where the person is. Not into a list item or a table row: a finding
  // (#finding-…, after a move or an edit) or another row of a list with a status region (a
  // recommendation edited, an agency's auditor chased) has it said in that region instead.
  function showMessagesAtTarget() {
    const messages = document.querySelector("main > .messages");
    let target = null;
    try {
      target = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
    } catch (error) {
      return; // a malformed address: leave the page as it is
    }
    if (!target) return;
    const list = target.matches("li, tr, section") ? target.closest("[data-status]") : null;
    const region = list ? document.getElementById(list.dataset.status) : null;
    if (region) {
      const cameBack = focusMovedFinding(target);
      if (messages) showInListStatus(messages, region, target, cameBack === "region");
      return;
    }
    if (!messages || ["LI", "TR", "TD"].includes(target.tagName)) return;
    const heading = target.querySelector(":scope > h2, :scope > h3");
    if (heading) heading.after(messages);
    else target.prepend(messages);
    target.scrollIntoView({ block: "start", behavior: "instant" });
  }

  // The messages of a move (or edit) of a finding, or of another row's action, in the status region by its list
  // (_finding_list.html), not at the top of the page: a keyboard or screen-reader user, back at the
  // finding, hears and sees the result or the refusal where they are. The region is empty when the
  // page opens and is given the messages a moment later, for screen readers to announce them (what a
  // live region holds when the page loads is not read out).
  function showInListStatus(messages, region, item, focusRegion) {
    const notes = Array.from(messages.children);
    messages.remove();
    const show = () => whenScrollSettles(() => {
      region.append(...notes);
      if (focusRegion && [document.body, null].includes(document.activeElement)) {
        // Back from a control the row no longer has (a chase refused once Part A closed): the focus on
        // what the page says about it, by the row.
        region.tabIndex = -1;
        region.focus({ preventScroll: true });
      }
      // The message in view if it fits with the finding, the finding in view in any case.
      region.scrollIntoView({ block: "nearest", behavior: "instant" });
      item.scrollIntoView({ block: "nearest", behavior: "instant" });
    });
    // After the browser's own scroll to the address's #finding-… (smooth, unless the person asks for
    // less motion), once the page has loaded.
    if (document.readyState === "complete") show();
    else window.addEventListener("load", show, { once: true });
  }

  // Calls back once the page has not scrolled for a few frames (at most about a second and a half).
  function whenScrollSettles(callback) {
    let last = window.scrollY;
    let still = 0;
    let frames = 0;
    const step = () => {
      frames += 1;
      if (window.scrollY === last) still += 1;
      else [still, last] = [0, window.scrollY];
      if (still >= 6 || frames >= 90) callback();
      else window.requestAnimationFrame(step);
    };
    window.requestAnimationFrame(step);
  }

  // Up and Down post the form and the page opens again at the finding moved: the focus goes back to
  // the button pressed (or, at an end of the list, the other one), not to the top of the page. Edit
  // opens the finding's own page, whose Save and Cancel come back to the finding: the focus goes back
  // to its Edit link, for the next finding to be edited from there. Other rows do the same with the
  // controls marked data-come-back (a recommendation's Edit link, an agency's Chase button): the page
  // that answers opens again at the row (a list item, table row or section with an id, in a
  // [data-status] list), and the focus goes back to the control of the same data-come-back, or, if
  // the row no longer has it, to what the page says in the list's status region.
  const MOVED_KEY = "auditportal.findingMoved";
  const ROW = "li[id], tr[id], section[id]";

  function remember(item, what) {
    try {
      window.sessionStorage.setItem(MOVED_KEY, `${item.id} ${what}`);
    } catch (error) {
      // storage blocked: the page opens at the finding all the same
    }
  }

  function rememberMoves() {
    document.querySelectorAll(".finding-actions form").forEach((form) => {
      form.addEventListener("submit", (event) => {
        const button = event.submitter;
        const item = form.closest("li[id]");
        if (!button || button.name !== "direction" || !item) return;
        remember(item, button.value);
      });
    });
    document.querySelectorAll(".finding-actions a[href]").forEach((link) => {
      const item = link.closest("li[id]");
      if (item) link.addEventListener("click", () => remember(item, "edit"));
    });
    document.querySelectorAll("a[data-come-back]").forEach((link) => {
      const item = link.closest(ROW);
      if (item) link.addEventListener("click", () => remember(item, `=${link.dataset.comeBack}`));
    });
    document.querySelectorAll("form").forEach((form) => {
      const item = form.closest(ROW);
      if (!item || !form.querySelector("button[data-come-back]")) return;
      form.addEventListener("submit", (event) => {
        const button = event.submitter;
        if (button && button.dataset.comeBack) remember(item, `=${button.dataset.comeBack}`);
      });
    });
  }

  // Returns "control" when the focus went back to a control, "region" when the row no longer has the
  // one followed (the status region is to have the focus), "" when the page was opened otherwise.
  function focusMovedFinding(item) {
    let moved = null;
    try {
      moved = window.sessionStorage.getItem(MOVED_KEY);
      window.sessionStorage.removeItem(MOVED_KEY);
    } catch (error) {
      return "";
    }
    const [id, direction] = (moved || "").split(" ");
    if (id !== item.id) return ""; // opened at this row after something else (a link)
    let button = null;
    if (direction.startsWith("=")) {
      const name = direction.slice(1);
      button = Array.from(item.querySelectorAll("[data-come-back]")).find(
        (el) => el.dataset.comeBack === name && !el.disabled,
      );
    } else {
      const buttons = Array.from(item.querySelectorAll('button[name="direction"]')).filter((b) => !b.disabled);
      button =
        direction === "edit"
          ? item.querySelector(".finding-actions a[href]")
          : buttons.find((b) => b.value === direction) || buttons[0];
    }
    if (!button) return "region";
    button.focus({ preventScroll: true });
    // Chromium clears the focus when it scrolls to the address's #finding-… once the page has loaded.
    window.addEventListener("load", () => {
      if (document.activeElement === document.body) button.focus({ preventScroll: true });
    }, { once: true });
    return "control";
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

  // A link of the error summary goes to its field with what the field is about in view above it, not
  // with the field at the very top of the window as any in-page link would: on the evidence board the
  // consensus's stage, the judgement somebody else recorded meanwhile, the warning and "Replace their
  // judgement with mine" (which the summary says to tick) were all scrolled off above the grade, at the
  // projector (1280 x 720 at 150 %) a whole window away; on another form, the field's label.
  function followErrorSummaryLinks() {
    document.querySelectorAll("[data-error-summary] a[href^='#']").forEach((link) => {
      link.addEventListener("click", (event) => {
        let field = null;
        try {
          field = document.getElementById(decodeURIComponent(link.hash.slice(1)));
        } catch (error) {
          return; // a malformed address: the browser follows it as it can
        }
        if (!field) return;
        event.preventDefault();
        const label = field.id ? document.querySelector(`label[for="${CSS.escape(field.id)}"]`) : null;
        const context = field.closest(".consensus") || label || field;
        context.scrollIntoView({ block: "start", behavior: "instant" });
        // Taller than the window, what it is about gives way: the field itself is in view in any case.
        field.scrollIntoView({ block: "nearest", behavior: "instant" });
        field.focus({ preventScroll: true });
      });
    });
  }

  // Leaving a page with something typed and not saved (a consensus's reasons, a finding, a
  // recommendation, the session's notes) asks first, as the briefing composer does: on the session
  // day, "Case 2 →" or a tab of the Part B menu clicked before "Record consensus" lost what the room
  // had agreed, unseen. Unsaved: a field of a form that can be sent (it has a submit button) whose value
  // is not what the page opened with, or a form that came back refused with what was typed (its error
  // summary, or a consensus kept unsaved on the board). Not the form being sent: the page it leads to
  // answers for it.
  let sending = null;
  const changed = (el) => {
    if (el.type === "checkbox" || el.type === "radio") return el.checked !== el.defaultChecked;
    if (el.tagName === "SELECT" && !el.multiple) {
      // Without an option marked selected, the first one is what the page opened with.
      const options = [...el.options];
      const first = options.findIndex((option) => option.defaultSelected);
      return options.length > 0 && el.selectedIndex !== (first === -1 ? 0 : first);
    }
    if (el.tagName === "SELECT") return [...el.options].some((option) => option.selected !== option.defaultSelected);
    if (["hidden", "submit", "button", "reset", "image", "file"].includes(el.type)) return false;
    return "defaultValue" in el && el.value !== el.defaultValue;
  };
  const unsaved = (form) => {
    const elements = [...form.elements];
    if (!elements.some((el) => el.type === "submit")) return false; // shown to copy: nothing to send
    if (form.querySelector("[data-error-summary]")) return true;
    return elements.some((el) => el.name && !el.disabled && (changed(el) || el.closest(".consensus-unsaved")));
  };
  document.addEventListener("submit", (event) => {
    if (!event.defaultPrevented && event.target instanceof HTMLFormElement) sending = event.target;
  });
  window.addEventListener("beforeunload", (event) => {
    const forms = [...document.querySelectorAll("main form")].filter((form) => form.method === "post");
    if (!forms.some((form) => form !== sending && unsaved(form))) return;
    event.preventDefault();
    event.returnValue = "";
  });
  window.addEventListener("pageshow", () => {
    sending = null; // back on the page from the browser's cache: a later leave is asked about again
  });

  // Long texts and lines count their characters near the limit, as Part A's form does: app.js
  // (auditportal.countCharacters) sets up every text box whose field carries data-maxlength.

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

    rememberMoves();
    showMessagesAtTarget();
    focusErrorSummary();
    followErrorSummaryLinks();

    document.querySelectorAll("form[data-confirm]").forEach((form) => {
      form.addEventListener("submit", (event) => {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    });
  });
})();
