// auditportal: progressive enhancements. The pages work without JavaScript.
"use strict";

// A text box's counter, once set up: its update (charCounter below).
const charCounters = new WeakMap();

// Shared by the page scripts (parta.js, partb.js), which are loaded after this one.
window.auditportal = Object.freeze({
  // The CSRF cookie's token ("" without one), read when needed: signing in again (in another tab,
  // after the session ended) rotates it, and the token printed in the page no longer passes.
  csrfCookie() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  },

  // Characters as the server counts them: code points, not UTF-16 units.
  characters: (text) => [...text].length,

  // Adds (on) or removes an id in an element's aria-describedby.
  describe(el, id, on) {
    const ids = new Set((el.getAttribute("aria-describedby") || "").split(" ").filter(Boolean));
    if (on) ids.add(id);
    else ids.delete(id);
    if (ids.size) el.setAttribute("aria-describedby", [...ids].join(" "));
    else el.removeAttribute("aria-describedby");
  },

  // A text box's count of characters, shown (and describing the box) from 90 % of its limit on;
  // nothing is cut off: the server refuses text over the limit and keeps it. limit() gives the
  // limit, words(over, n, limit) the sentence: n characters over, or n left. Returns the update.
  charCounter(el, limit, words) {
    if (charCounters.has(el)) return charCounters.get(el); // set up once
    const { characters, describe } = window.auditportal;
    const count = document.createElement("p");
    count.className = "form-text char-count mb-0";
    count.id = `${el.id}-count`;
    count.hidden = true;
    // Screen readers hear the count once typing pauses, not at every key (a second region, hidden).
    const spoken = document.createElement("p");
    spoken.className = "visually-hidden";
    spoken.setAttribute("aria-live", "polite");
    el.after(count, spoken);
    let timer = null;
    const number = (n) => n.toLocaleString("en-GB");
    const update = () => {
      const most = limit();
      const used = characters(el.value);
      const near = used >= most * 0.9;
      count.hidden = !near;
      describe(el, count.id, near);
      count.classList.toggle("text-danger", used > most);
      count.classList.toggle("fw-semibold", used > most);
      count.textContent =
        used > most ? words(true, number(used - most), number(most)) : words(false, number(most - used), number(most));
      clearTimeout(timer);
      timer = setTimeout(() => { spoken.textContent = near ? count.textContent : ""; }, 1000);
    };
    el.addEventListener("input", update);
    charCounters.set(el, update);
    update();
    return update;
  },

  // The counters of the text boxes in `root` whose field gives them (audits.forms_partb.LongTextField,
  // LongLineField: data-maxlength, not maxlength, which would cut a long paste off without a word,
  // and the sentences, data-count-left and data-count-over, with %s for the number and the limit).
  countCharacters(root) {
    const fill = (template, ...args) => args.reduce((text, arg) => text.replace("%s", arg), template);
    for (const el of root.querySelectorAll("[data-maxlength][data-count-over]")) {
      const limit = Number(el.dataset.maxlength);
      if (!limit || !el.id) continue;
      window.auditportal.charCounter(
        el,
        () => limit,
        (over, n, most) => fill((over ? el.dataset.countOver : el.dataset.countLeft) || "", n, most),
      );
    }
  },
});
// On every page (the admin's too), and in what htmx puts in (a briefing's section saved).
document.addEventListener("DOMContentLoaded", () => window.auditportal.countCharacters(document));
document.addEventListener("htmx:load", (event) => window.auditportal.countCharacters(event.detail.elt));
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (token) event.detail.headers["X-CSRFToken"] = token.value;
});

// A render's status line (a briefing version's, an insight report's), polled while its PDF is made, is
// replaced only when what it says changes (the server answers 204 meanwhile). If the focus was in it then
// (on Retry now, say), it goes to the new line's control (Retry, Download) or to the line itself, never
// back to the top of the page.
(() => {
  const LINES = ".version-status, .report-status";
  let statusFocus = "";
  document.addEventListener("htmx:beforeSwap", (event) => {
    const target = event.detail.target;
    if (!event.detail.shouldSwap || !target || !target.matches || !target.matches(LINES)) return;
    if (target.contains(document.activeElement)) {
      statusFocus = target.id;
    }
  });
  document.addEventListener("htmx:afterSettle", () => {
    if (!statusFocus) return;
    const line = document.getElementById(statusFocus);
    statusFocus = "";
    if (!line || line.contains(document.activeElement)) return;
    const control = line.querySelector("button, a[href]");
    if (control) {
      control.focus();
    } else {
      line.tabIndex = -1;
      line.focus();
    }
  });
})();

// Part A answers typed but not yet saved are kept on this device (parta.js: localStorage,
// "parta:<person>:<return>", each answer with the time it was typed) so that a lost connection or an
// ended session loses nothing. They hold case detail, so they are kept no longer than a session can
// last (body's data-device-copy-seconds, settings.SESSION_ABSOLUTE_SECONDS), only for the person signed
// in on this browser (another person's are removed when someone else signs in), and not at all once the
// person signs out (the portal's Sign out, or the admin's Log out).
(() => {
  const PREFIX = "parta:";
  let storage = null;
  try {
    storage = window.localStorage;
  } catch {
    return; // storage switched off: nothing is kept
  }
  const keys = () => Object.keys(storage).filter((key) => key.startsWith(PREFIX));
  const forgetAll = () => keys().forEach((key) => storage.removeItem(key));
  const maxAgeMs = (Number(document.body.dataset.deviceCopySeconds) || 12 * 60 * 60) * 1000;
  const person = document.body.dataset.person || "";
  const now = Date.now();
  for (const key of keys()) {
    if (person && key.split(":")[1] !== person) {
      storage.removeItem(key);
      continue;
    }
    try {
      const record = JSON.parse(storage.getItem(key)) || {};
      const fields = Object.fromEntries(
        Object.entries(record.fields || {}).filter(([, entry]) => now - Number(entry.at || 0) <= maxAgeMs),
      );
      if (Object.keys(fields).length) storage.setItem(key, JSON.stringify({ ...record, fields }));
      else storage.removeItem(key);
    } catch {
      storage.removeItem(key); // unreadable: of no use to anyone
    }
  }
  // Forgotten on the page signing out leads to (nobody signed in there), not on the click: offline with
  // unsaved answers the browser first asks whether to leave (parta.js), and a person who stays keeps
  // their copy. The tab remembers the click (sessionStorage) for its next page only.
  const SIGNING_OUT = "parta-signing-out";
  try {
    if (window.sessionStorage.getItem(SIGNING_OUT)) {
      window.sessionStorage.removeItem(SIGNING_OUT);
      if (!person) forgetAll();
    }
  } catch {
    // sessionStorage switched off: the copies expire with the session instead
  }
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (form.getAttribute("action") === document.body.dataset.signOutUrl || form.id === "logout-form") {
      try {
        window.sessionStorage.setItem(SIGNING_OUT, "1");
      } catch {
        forgetAll(); // nowhere to remember it: forgotten at once, as before
      }
    }
  });
})();

// A wide table's region (a .table-responsive with role="region", or any data-scroll-region: the evidence
// board's, the heat map's) is a tab stop, for the arrow keys to scroll it, only while it does scroll. A
// table that fits (My returns, the library, the dashboard on a laptop) would otherwise be a tab stop that
// does nothing. The page gives it tabindex="0" (without this script, every one stays a tab stop); it is
// checked again whenever the region or its table changes size (the window, a phone turned, large type).
(() => {
  const REGIONS = '[data-scroll-region], .table-responsive[role="region"][tabindex="0"]';
  function tabStopOnlyWhileItScrolls(region) {
    const update = () => {
      const scrolls = region.scrollWidth > region.clientWidth + 1 || region.scrollHeight > region.clientHeight + 1;
      if (scrolls) region.setAttribute("tabindex", "0");
      else if (document.activeElement !== region) region.removeAttribute("tabindex");
    };
    update();
    // Kept while it has the focus (taking it away would lose the person's place): checked again on leaving.
    region.addEventListener("blur", update);
    if (!("ResizeObserver" in window)) return;
    const observer = new ResizeObserver(update);
    observer.observe(region);
    if (region.firstElementChild) observer.observe(region.firstElementChild);
  }
  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll(REGIONS).forEach(tabStopOnlyWhileItScrolls);
  });
})();
