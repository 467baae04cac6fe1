// auditportal: a form sent after the session had ended was not saved (the server sends the person to
// sign in, then back to the page the form was on: SessionLimitsMiddleware). What they had typed is put
// back in that form, for them to check and send again, instead of being lost.
//
// Each form sent the ordinary way (not by htmx or a page script) is kept in this tab's sessionStorage
// until the next page that is not the sign-in or two-factor page, which forgets it: normally the page
// the form's answer led to. It is put back only on the page it was sent from, reached straight from the
// sign-in or two-factor page, within 30 minutes, to the person who sent it (body's data-person). Nothing
// secret is kept (passwords, codes, tokens).
"use strict";

(() => {
  const KEY = "auditportal.sentForm";
  const MAX_AGE_MS = 30 * 60 * 1000;
  const MAX_CHARS = 200_000;
  const SECRET = /csrf|pass|token|code|otp|secret/i;
  const SIGN_IN = /^\/accounts\/(login|two-factor)\//;
  const here = () => location.pathname + location.search;

  const storage = (() => {
    try {
      return window.sessionStorage;
    } catch {
      return null; // storage switched off: nothing is kept
    }
  })();
  if (!storage) return;

  const keptFields = (form) =>
    [...form.elements].filter(
      (el) =>
        el.name &&
        !el.disabled &&
        !SECRET.test(el.name) &&
        !["hidden", "password", "file", "submit", "button", "reset", "image"].includes(el.type),
    );

  const sameForms = (form) => [...document.forms].filter((f) => f.getAttribute("action") === form.getAttribute("action"));

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (event.defaultPrevented || !(form instanceof HTMLFormElement) || form.method !== "post") return;
    if (SIGN_IN.test(location.pathname)) return;
    const fields = keptFields(form).map((el) => {
      if (el.type === "checkbox" || el.type === "radio") return [el.name, el.value, el.checked];
      if (el.type === "select-multiple") return [el.name, [...el.selectedOptions].map((o) => o.value)];
      return [el.name, el.value];
    });
    const kept = JSON.stringify({
      person: document.body.dataset.person || "",
      page: here(),
      at: Date.now(),
      action: form.getAttribute("action"),
      index: sameForms(form).indexOf(form),
      fields,
    });
    try {
      if (fields.length && kept.length <= MAX_CHARS) storage.setItem(KEY, kept);
      else storage.removeItem(KEY);
    } catch {
      storage.removeItem(KEY); // over the browser's quota
    }
  });

  if (SIGN_IN.test(location.pathname)) {
    // Kept through signing in and the second step, but not on a sign-in page left open past its time
    // (someone walked away): what was typed is gone from this tab when it could no longer be put back.
    let at = 0;
    try {
      at = JSON.parse(storage.getItem(KEY))?.at || 0;
    } catch {
      at = 0;
    }
    const left = at + MAX_AGE_MS - Date.now();
    if (left <= 0) storage.removeItem(KEY);
    else setTimeout(() => storage.removeItem(KEY), left);
    return;
  }
  let kept = null;
  try {
    kept = JSON.parse(storage.getItem(KEY));
  } catch {
    kept = null;
  }
  storage.removeItem(KEY);
  // Only for the person who typed it: someone else signing in at the same tab gets nothing back.
  const person = document.body.dataset.person || "";
  if (!kept || !person || kept.person !== person) return;
  if (Date.now() - kept.at > MAX_AGE_MS || kept.page !== here()) return;
  let from = null;
  try {
    from = new URL(document.referrer);
  } catch {
    return;
  }
  if (from.origin !== location.origin || !SIGN_IN.test(from.pathname)) return;
  const form = [...document.forms].filter((f) => f.getAttribute("action") === kept.action)[kept.index];
  if (!form) return;

  const seen = new Map();
  let restored = 0;
  let first = null; // the first field whose value was put back: not as the page showed it
  for (const [name, value, checked] of kept.fields) {
    const same = keptFields(form).filter((el) => el.name === name);
    if (same[0] && (same[0].type === "checkbox" || same[0].type === "radio")) {
      const box = same.find((el) => el.value === value);
      if (box && box.checked !== checked) {
        box.checked = checked;
        first = first || box;
        box.dispatchEvent(new Event("change", { bubbles: true }));
      }
      restored += box ? 1 : 0;
      continue;
    }
    const nth = seen.get(name) || 0;
    seen.set(name, nth + 1);
    const el = same[nth];
    if (!el) continue;
    const before = el.type === "select-multiple" ? [...el.selectedOptions].map((o) => o.value) : el.value;
    if (el.type === "select-multiple") {
      for (const option of el.options) option.selected = value.includes(option.value);
    } else {
      el.value = value;
    }
    if (JSON.stringify(before) !== JSON.stringify(value)) first = first || el;
    el.dispatchEvent(new Event("input", { bubbles: true })); // counters and the like see the text
    el.dispatchEvent(new Event("change", { bubbles: true }));
    restored += 1;
  }
  if (!restored) return;
  const notice = document.createElement("div");
  notice.className = "alert alert-info";
  notice.setAttribute("role", "status");
  notice.dataset.testid = "kept-form-notice";
  notice.textContent = document.body.dataset.keptFormNotice || "";
  // A form whose fields are spread over the page (form="…": the evidence board's consensus judgements, its
  // <form> empty at the foot of the page): the notice goes by the first field put back, marked
  // data-kept-notice, and is brought into view, not left far below the top where the page opens.
  const near = first && !form.contains(first) ? first.closest("[data-kept-notice]") : null;
  (near || form).before(notice);
  if (near) notice.scrollIntoView({ block: "start" });
})();
