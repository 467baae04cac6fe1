// Part A return form: autosave, a copy of unsaved edits on this device, conflicts, no-involvement.
// The form works without this file: "Save draft" and "Submit return" are ordinary form posts.
"use strict";
(() => {
  const form = document.querySelector("form[data-parta-form]");
  if (!form) return;
  const { characters, describe } = window.auditportal; // app.js

  const DEBOUNCE_MS = 2500;
  const MAX_RETRY_MS = 60000;
  const KEEPALIVE_LIMIT = 60000; // browsers refuse keepalive bodies over 64 KiB
  const MULTI = new Set(["risk_factors"]);
  const SKIP = new Set(["csrfmiddlewaretoken", "version", "tool_version", "save", "submit"]);
  // A confirmation is of the details flagged on the page now: never kept on the device to restore later.
  const CONFIRM = "identifiers_confirmed";

  const strings = JSON.parse(document.getElementById("parta-i18n")?.textContent || "{}");
  const t = (key, ...args) => {
    let text = strings[key] || key;
    for (const arg of args) text = text.replace("%s", arg);
    return text;
  };
  const $ = (selector, root = document) => root.querySelector(selector);
  const versionInput = form.querySelector("input[name=version]");
  // The tool version whose standards this page shows: sent with every save, so that the server recognises
  // answers to standards deleted since (the audit was given another tool version, and this one deleted).
  const toolVersion = Number(form.querySelector("input[name=tool_version]")?.value) || null;
  const statusEl = $("#autosave-status");
  const storageKey = `parta:${form.dataset.userId}:${form.dataset.returnId}`;

  // name -> edit number of its latest change; a save removes a name only if it was not edited again meanwhile
  const dirty = new Map();
  // name -> { theirs: the saved value, base: the version this page's text of it was based on }
  const pendingConflicts = new Map();
  // The version the autosave is based on: the page's saved fields are as they were at this version.
  // The form's hidden "version" (sent by Save draft and Submit return, which post every field) is the
  // same, except while a conflict is unresolved: then it stays at the version the conflicting text was
  // based on, so that a post of the whole form gets the server's conflict page for that field instead
  // of saving this page's text over the other one (see syncFormVersion).
  let version = Number(versionInput.value);
  let editCounter = 0;
  let debounceTimer = null;
  let retryTimer = null;
  let retryDelay = 0;
  let inFlight = null;
  // A version to send the next save on instead of the latest (see handleConflict).
  let checkAgainst = null;
  let blocked = false; // locked, forbidden, not found: no point retrying
  let invalidAt = -1; // the edit number a 400 answered; wait for a new edit before trying again
  const refusedAt = new Map(); // name -> the edit of it the server refused (too long…): not sent again as it is
  let submitting = false;
  let unreachable = false; // the last save got no answer, or the server's error page: retrying
  let offlineNote = ""; // said while offline once Save draft or Submit return was pressed: not sent

  // --- Field values ----------------------------------------------------------------------------
  const elementsNamed = (name) => Array.from(form.querySelectorAll(`[name="${CSS.escape(name)}"]`));

  function fieldValue(name) {
    const els = elementsNamed(name);
    if (!els.length) return undefined;
    if (MULTI.has(name)) return els.filter((el) => el.checked).map((el) => el.value).sort();
    if (els[0].type === "checkbox") return els[0].checked;
    return els[0].value;
  }

  function setFieldValue(name, value) {
    const els = elementsNamed(name);
    if (!els.length) return;
    if (MULTI.has(name)) els.forEach((el) => { el.checked = (value || []).includes(el.value); });
    else if (els[0].type === "checkbox") els[0].checked = Boolean(value);
    else els[0].value = value ?? "";
    if (name === "no_involvement") applyNoInvolvement();
    counters.get(name)?.();
  }

  const trackedNames = () => {
    const names = new Set();
    for (const el of form.elements) if (el.name && !SKIP.has(el.name)) names.add(el.name);
    return names;
  };
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

  // --- Status line -------------------------------------------------------------------------------
  function setStatus(text, isError = false) {
    if (statusEl.textContent !== text) statusEl.textContent = text; // the same words are not said twice
    statusEl.classList.toggle("is-error", isError);
  }

  // What a button just did, said in the status line; and "saving…" with it if that starts a save, which
  // then says nothing more until it is done.
  let savingNote = "";
  function sayAndSave(note) {
    if (!sendable().length || blocked) {
      setStatus(note);
      return;
    }
    savingNote = t("andSaving", note);
    setStatus(savingNote);
    scheduleSave(0);
  }

  // The field to give the focus to when the box that had it goes: the first of the names on the page.
  function focusFirst(names) {
    const el = [...form.elements].find((e) => names.includes(e.name) && e.checkVisibility());
    if (el) {
      el.focus();
      return;
    }
    const heading = $("h1");
    heading.tabIndex = -1;
    heading.focus();
  }

  function showBlocked(message) {
    const box = $("#parta-blocked");
    box.textContent = message;
    box.hidden = false;
  }

  // --- The copy on this device ---------------------------------------------------------------------
  // { fields: { name: { value, at (ms), base (version the edit was made on), label, about, shown } } }
  // label: the field as the status line names it ("R1 Evidence"); about: its standard's wording; shown: a
  // choice as the page showed it (a grade's name): to list an answer whose field is gone from the page later
  // (the return's tool was changed) as the person typed it (showKeptGone).
  function readLocal() {
    try {
      return JSON.parse(localStorage.getItem(storageKey)) || { fields: {} };
    } catch {
      return { fields: {} };
    }
  }

  function writeLocal(record) {
    try {
      if (Object.keys(record.fields).length) localStorage.setItem(storageKey, JSON.stringify(record));
      else localStorage.removeItem(storageKey);
    } catch {
      // Storage full or disabled: the server copy is still saved as usual.
    }
  }

  function keepLocal(name) {
    if (name === CONFIRM) return;
    const record = readLocal();
    record.fields[name] = { value: fieldValue(name), at: Date.now(), base: baseOf(name), ...described(name) };
    writeLocal(record);
  }

  // What a field is, in the page's words, and its value as shown when it is a choice.
  function described(name) {
    const el = elementsNamed(name)[0];
    const about = {};
    const fieldset = el?.closest("fieldset.standard");
    const legend = fieldset && $("legend", fieldset);
    if (legend) {
      about.about = [...legend.childNodes]
        .filter((node) => !node.classList?.contains("standard-code"))
        .map((node) => node.textContent)
        .join("")
        .trim();
    }
    if (el?.tagName === "SELECT") about.shown = el.value ? el.selectedOptions[0]?.textContent.trim() : "";
    return { label: fieldLabel(name), ...about };
  }

  function forgetLocal(name, savedValue) {
    const record = readLocal();
    const entry = record.fields[name];
    if (entry && (savedValue === undefined || same(entry.value, savedValue))) {
      delete record.fields[name];
      writeLocal(record);
    }
  }

  // When, as the status line's "Saved …" says it (audits.views.parta._saved_time), in this browser's time: the
  // time alone today ("14:05"), with its day another day ("20 Nov 2026, 14:05"), not as if it were today.
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  function savedWhen(ms) {
    const when = new Date(ms);
    const today = new Date();
    const pad = (n) => String(n).padStart(2, "0");
    const time = `${pad(when.getHours())}:${pad(when.getMinutes())}`;
    if (when.toDateString() === today.toDateString()) return time;
    return `${when.getDate()} ${MONTHS[when.getMonth()]} ${when.getFullYear()}, ${time}`;
  }

  const hasText = (value) => (Array.isArray(value) ? value.length > 0 : Boolean(String(value ?? "").trim()));

  function offerRestore() {
    const record = readLocal();
    const tracked = trackedNames();
    const differing = {};
    const gone = {};
    for (const [name, entry] of Object.entries(record.fields)) {
      if (name === CONFIRM) delete record.fields[name];
      else if (!tracked.has(name)) {
        // Not a field of this form: the return's tool was changed since it was typed. Listed to copy, not
        // dropped unseen; an empty one holds nothing to copy.
        if (hasText(entry.value)) gone[name] = entry;
        else delete record.fields[name];
      } else if (same(entry.value, fieldValue(name))) {
        // On the page already: saved (forgotten), or on its way (kept until it is).
        if (!dirty.has(name)) delete record.fields[name];
      } else differing[name] = entry;
    }
    writeLocal(record);
    showKeptGone(gone);
    const count = Object.keys(differing).length;
    if (!count) return;
    const latest = Math.max(...Object.values(differing).map((e) => e.at));
    const serverMs = Number(form.dataset.serverUpdated) * 1000;
    const banner = $("#parta-restore");
    // The answers in the order of the page, named as the status line names them.
    const names = [...tracked].filter((name) => name in differing);
    const labels = names.map(fieldLabel).join(", ");
    const newer = latest > serverMs ? "restoreNewer" : "restoreOlder";
    $("#parta-restore-text").textContent =
      count === 1
        ? t(`${newer}One`, savedWhen(latest), savedWhen(serverMs))
        : t(newer, String(count), savedWhen(latest), savedWhen(serverMs));
    banner.hidden = false;
    $("[data-restore-apply]", banner).addEventListener("click", () => {
      // Restored edits keep the version they were made on: if someone saved since, the save
      // is refused as a conflict and both texts are shown, rather than overwriting theirs.
      const bases = Object.values(differing).map((e) => e.base).filter(Number.isFinite);
      if (bases.length) setVersion(Math.min(version, ...bases));
      for (const [name, entry] of Object.entries(differing)) {
        setFieldValue(name, entry.value);
        dirty.set(name, ++editCounter);
      }
      banner.hidden = true;
      focusFirst(names);
      sayAndSave(count === 1 ? t("restoredOne", labels) : t("restored", String(count), labels));
    });
    $("[data-restore-discard]", banner).addEventListener("click", () => {
      const rec = readLocal();
      for (const name of Object.keys(differing)) delete rec.fields[name];
      writeLocal(rec);
      banner.hidden = true;
      focusFirst([]);
      setStatus(count === 1 ? t("discardedOne", labels) : t("discarded", String(count), labels));
    });
  }

  // Answers kept on this device to fields this form has not (standards of the return's former tool): listed,
  // each as the page named it then, until the person discards them. Not on the page that lists them already
  // as posted (Save draft or Submit return from a page of the former tool): they are kept for after it.
  function showKeptGone(gone) {
    const panel = $("#parta-kept-gone");
    const names = Object.keys(gone).sort((a, b) =>
      (gone[a].label || a).localeCompare(gone[b].label || b, undefined, { numeric: true }),
    );
    if (!panel || !names.length || $("[data-gone-answers]")) return;
    $("[data-kept-gone-list]", panel).replaceChildren(
      ...names.flatMap((name) => {
        const entry = gone[name];
        const term = document.createElement("dt");
        term.textContent = entry.label || name;
        if (entry.about) {
          const about = document.createElement("span");
          about.className = "fw-normal";
          about.textContent = ` (${entry.about})`;
          term.append(about);
        }
        const text = document.createElement("div");
        text.className = "conflict-text";
        const value = Array.isArray(entry.value) ? entry.value.join(", ") : String(entry.value);
        text.textContent = entry.shown || value;
        const detail = document.createElement("dd");
        detail.append(text);
        return [term, detail];
      }),
    );
    panel.hidden = false;
    $("[data-kept-gone-discard]", panel).addEventListener("click", () => {
      const rec = readLocal();
      for (const name of names) delete rec.fields[name];
      writeLocal(rec);
      panel.hidden = true;
      focusFirst([]);
      setStatus(names.length === 1 ? t("keptGoneDiscardedOne") : t("keptGoneDiscarded", String(names.length)));
    });
  }

  // --- Answers changed before this script started -------------------------------------------------
  // What the server sent, for one field: the markup's own value, before anything changed it.
  function serverValue(name) {
    const els = elementsNamed(name);
    if (MULTI.has(name)) return els.filter((el) => el.defaultChecked).map((el) => el.value).sort();
    if (els[0].type === "checkbox") return els[0].defaultChecked;
    if (els[0].tagName === "SELECT") {
      const chosen = [...els[0].options].find((option) => option.defaultSelected) || els[0].options[0];
      return chosen ? chosen.value : "";
    }
    return els[0].defaultValue;
  }

  // A field that no longer holds what the server sent was changed before this script listened: put back by
  // kept-form.js after signing in again (Save draft or Submit return pressed once the session had ended), or
  // by the browser's own form restoring. When its copy on this device holds the same text, it was typed here
  // and never saved: it is saved now, as if just typed, on the version it was typed on (so that a change made
  // elsewhere since comes back as a conflict instead of being saved over). Otherwise it is an old copy of a
  // saved answer (the browser's, or kept-form's of a field changed elsewhere since): the saved answer is shown.
  // A confirmation is never taken over.
  function adoptChangedFields() {
    const record = readLocal();
    const names = [];
    const bases = [];
    for (const name of trackedNames()) {
      if (same(fieldValue(name), serverValue(name))) continue;
      const entry = record.fields[name];
      if (name === CONFIRM || !entry || !same(entry.value, fieldValue(name))) {
        setFieldValue(name, serverValue(name));
        continue;
      }
      if (Number.isFinite(entry.base)) bases.push(entry.base);
      dirty.set(name, ++editCounter);
      names.push(name);
    }
    if (!names.length) return;
    if (bases.length) setVersion(Math.min(version, ...bases));
    for (const name of names) keepLocal(name);
    scheduleSave(0);
  }

  // --- Saving ------------------------------------------------------------------------------------
  function csrfToken() {
    return window.auditportal.csrfCookie() || form.querySelector("input[name=csrfmiddlewaretoken]").value;
  }

  function scheduleSave(delay = DEBOUNCE_MS) {
    clearTimeout(debounceTimer);
    debounceTimer = setTimeout(() => save(false), delay);
  }

  function retryLater(message) {
    setStatus(message, true);
    retryDelay = Math.min(Math.max(retryDelay * 2, 2000), MAX_RETRY_MS);
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => {
      retryTimer = null;
      save(false);
    }, retryDelay);
  }

  // Names waiting to be saved that can be sent: not in a conflict, not over the length limit, and not
  // refused by the server as they are now. The others stay unsaved (and on this device) until changed.
  const isHeld = (n) => overLimit(n) || refusedAt.get(n) === dirty.get(n);
  const sendable = () => [...dirty.keys()].filter((n) => !pendingConflicts.has(n) && !isHeld(n));
  const heldBack = () => [...dirty.keys()].filter(isHeld);

  function save(keepalive) {
    if (blocked || submitting || inFlight) return inFlight || Promise.resolve();
    const names = sendable();
    if (!names.length) {
      const held = heldBack();
      if (held.length) setStatus(t("notSaved", fieldLabel(held[0])), true);
    }
    if (!names.length || editCounter === invalidAt) return Promise.resolve();
    clearTimeout(debounceTimer);
    if (!navigator.onLine) {
      // Nothing to try until the browser is online again (which retries at once): the status stays.
      unreachable = true;
      retryLater(offlineNote || t("offlineKept"));
      return Promise.resolve();
    }
    const sent = new Map(names.map((n) => [n, { edit: dirty.get(n), value: fieldValue(n) }]));
    const fields = Object.fromEntries([...sent].map(([n, s]) => [n, s.value]));
    const basedOn = checkAgainst ?? version;
    checkAgainst = null;
    const body = JSON.stringify({ version: basedOn, fields, ...(toolVersion ? { tool_version: toolVersion } : {}) });
    setStatus(savingNote || t("saving"));
    savingNote = "";
    inFlight = fetch(form.dataset.autosaveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
      body,
      keepalive: keepalive && body.length < KEEPALIVE_LIMIT,
    })
      .then(async (response) => {
        const isJson = (response.headers.get("Content-Type") || "").includes("application/json");
        handleResponse(response.status, isJson ? await response.json() : null, sent, basedOn);
      })
      .catch(() => {
        unreachable = true;
        retryLater(t(navigator.onLine ? "unreachable" : "offlineKept"));
      })
      .finally(() => {
        inFlight = null;
        const waiting = sendable().length > 0;
        if (waiting && !blocked && !retryTimer && editCounter !== invalidAt) scheduleSave();
      });
    return inFlight;
  }

  function handleResponse(status, data, sent, basedOn) {
    unreachable = status >= 500;
    if (status === 200 && data && data.ok) {
      offlineNote = "";
      setVersion(data.version);
      const refused = data.refused || {};
      for (const [name, s] of sent) {
        if (refused[name]) {
          refusedAt.set(name, s.edit); // kept unsaved, here and on this device, until it is changed
          showFieldError(name, refused[name]);
          continue;
        }
        if (dirty.get(name) === s.edit) dirty.delete(name);
        forgetLocal(name, s.value);
        clearFieldError(name);
      }
      retryDelay = 0;
      $("#parta-signed-out").hidden = true;
      const held = heldBack();
      // Said in the status line (a live region already on the page) only when what is flagged changes.
      const flaggedNote = showWarnings(sent, data.warnings || {});
      if (data.message) setStatus(withNote(t("invalid", data.message), flaggedNote), true);
      else if (held.length) setStatus(withNote(t("notSaved", fieldLabel(held[0])), flaggedNote), true);
      // Another answer still waits for a choice between two versions: that is still what to say.
      else if (pendingConflicts.size) setStatus(withNote(conflictStatus(), flaggedNote), true);
      else setStatus(withNote(t("saved", data.saved_at_display), flaggedNote));
      // The server clears the confirmation whenever the flagged details change, and so does the page:
      // a tick given while this save was on its way was given before its new details were marked.
      if (data.flagged_changed) dirty.delete(CONFIRM);
      // Otherwise show what the server holds, unless the box was clicked since (that click is saved next).
      if (typeof data.identifiers_confirmed === "boolean" && !dirty.has(CONFIRM)) {
        setFieldValue(CONFIRM, data.identifiers_confirmed);
      }
      showProgress(data.progress);
      showReturnStatus(data.status, data.status_display);
      return;
    }
    if (status === 401 || (status === 403 && !data)) {
      // Signed out (401), or refused by the CSRF check (403 HTML: the session and its cookies are
      // gone): keep trying, the edits stay on this device, and say how to sign in again.
      $("#parta-signed-out").hidden = false;
      retryLater(t("signedOut"));
      return;
    }
    if (status === 400 && data) {
      invalidAt = editCounter;
      for (const [name, errors] of Object.entries(data.errors || {})) {
        if (!sent.has(name)) continue;
        refusedAt.set(name, sent.get(name).edit);
        showFieldError(name, errors);
      }
      setStatus(t("invalid", data.message), true);
      return;
    }
    if (status === 409 && data && data.error === "conflict") {
      handleConflict(data, basedOn, sent);
      return;
    }
    if (status === 409 && data && data.error === "tool_changed") {
      // The return's standards are not this page's any more: nothing more can be saved from it. What was
      // typed stays on the page, to copy (the message says so, and to reload).
      blocked = true;
      setStatus(t("toolChanged"), true);
      showBlocked(data.message);
      return;
    }
    if (data && (status === 403 || status === 404 || (status === 409 && data.error === "locked"))) {
      blocked = true;
      setStatus(t(status === 409 ? "locked" : "forbidden"), true);
      // Locked meanwhile, or its sender is no longer the return's auditor: what they typed is not lost yet.
      const unsaved = [...dirty.keys()].length > 0;
      showBlocked(unsaved ? `${data.message} ${t("keptHere")}` : data.message);
      return;
    }
    retryLater(t("unreachable"));
  }

  // The markup of audits.templatetags.parta_form.field_extras: the text, after a prefix for screen readers.
  function warningNote(text) {
    const p = document.createElement("p");
    p.className = "identifier-warning";
    const prefix = document.createElement("span");
    prefix.className = "visually-hidden";
    prefix.textContent = `${t("warningPrefix")} `;
    p.append(prefix, text);
    return p;
  }

  const isFlagged = () => Boolean(form.querySelector("[data-warnings-for] .identifier-warning"));

  // Shows the warnings of the fields saved; returns what to say of them: the details newly flagged
  // (and where), or that nothing is flagged any more, or "" when that is as it was.
  function showWarnings(sent, warnings) {
    const wasFlagged = isFlagged();
    let added = 0;
    const where = [];
    for (const name of sent.keys()) {
      const box = form.querySelector(`[data-warnings-for="${CSS.escape(name)}"]`);
      if (!box) continue;
      const before = [...box.querySelectorAll(".identifier-warning")].map((p) => p.textContent);
      const notes = (warnings[name] || []).map(warningNote);
      const addedHere = notes.filter((p) => {
        const i = before.indexOf(p.textContent);
        if (i === -1) return true;
        before.splice(i, 1);
        return false;
      }).length;
      if (addedHere) {
        added += addedHere;
        where.push(fieldLabel(name));
      }
      box.replaceChildren(...notes);
    }
    const flagged = isFlagged();
    showHiddenFlags();
    const summary = $("[data-identifier-summary]");
    if (summary) summary.hidden = !flagged;
    // The confirmation box is asked for only while something is flagged.
    const confirm = $("[data-identifier-confirm]");
    if (confirm) confirm.hidden = !flagged;
    if (added) return added === 1 ? t("flaggedOne", where[0]) : t("flagged", String(added), where.join(", "));
    return wasFlagged && !flagged ? t("unflagged") : "";
  }

  // "Saved 10:41" and "1 possible identifier flagged in R1 Evidence: check it", as two sentences.
  const withNote = (text, note) => (note ? `${text.replace(/[.:;]$/, "")}. ${note}` : text);

  // The heading's badge (audits/parta/_status.html): "Not started" becomes "Draft" with the first save, as
  // My returns then says, rather than "Not started" next to "Saved 10:41".
  function showReturnStatus(status, display) {
    const badge = $("h1 .parta-status");
    if (!badge || !status || !display || badge.textContent === display) return;
    badge.className = `badge parta-status parta-status-${status}`;
    badge.textContent = display;
  }

  function showProgress(progress) {
    if (!progress) return;
    const bar = $("#parta-progress-bar");
    if (bar) bar.value = progress.answered;
    const answered = $("[data-progress-answered]");
    if (answered) answered.textContent = String(progress.answered);
  }

  // --- Field errors and the length limit -------------------------------------------------------------
  function fieldLabel(name) {
    const el = elementsNamed(name)[0];
    if (!el) return name;
    const fieldset = el.closest("fieldset.standard");
    const code = fieldset ? $(".standard-code", fieldset)?.textContent : "";
    // A group of tick boxes is named by its legend, not by its first box's label.
    const label = MULTI.has(name)
      ? el.closest("fieldset")?.querySelector("legend")?.textContent
      : el.id && form.querySelector(`label[for="${CSS.escape(el.id)}"]`)?.textContent;
    return [code, label].filter(Boolean).join(" ").trim() || name;
  }


  function showFieldError(name, errors) {
    const el = elementsNamed(name)[0];
    if (!el || !el.id) return;
    let box = document.getElementById(`${el.id}_error`);
    if (!box) {
      box = document.createElement("div");
      box.id = `${el.id}_error`;
      box.className = "invalid-feedback";
      (el.closest(".mb-3") || el.parentElement).append(box);
    }
    box.replaceChildren(...errors.map((text) => {
      const p = document.createElement("p");
      p.className = "mb-0 fw-semibold";
      p.textContent = text;
      return p;
    }));
    el.classList.add("is-invalid");
    el.setAttribute("aria-invalid", "true");
    describe(el, box.id, true);
  }

  function clearFieldError(name) {
    for (const el of elementsNamed(name)) {
      if (!el.classList.contains("is-invalid")) continue;
      el.classList.remove("is-invalid");
      el.removeAttribute("aria-invalid");
      if (el.id) describe(el, `${el.id}_error`, false);
    }
  }

  // Text boxes count their characters near the limit. The browser's maxlength would cut a long paste
  // off without a word: with this script, the whole text stays in the box, the count says how much
  // to take out, and it is not sent until it fits (the server refuses it too).
  const limitOf = (el) => Number(el.dataset.maxlength || 0);

  function overLimit(name) {
    const el = elementsNamed(name)[0];
    return Boolean(el && limitOf(el) && characters(el.value) > limitOf(el));
  }

  function setUpCounter(el) {
    el.dataset.maxlength = el.getAttribute("maxlength");
    el.removeAttribute("maxlength");
    return window.auditportal.charCounter(
      el,
      () => limitOf(el),
      (over, n, limit) => t(over ? "tooMany" : "charsLeft", n, limit),
    );
  }

  const counters = new Map();
  for (const el of form.querySelectorAll("textarea[maxlength]")) if (el.id) counters.set(el.name, setUpCounter(el));

  // --- Conflicts ---------------------------------------------------------------------------------
  const baseOf = (name) => pendingConflicts.get(name)?.base ?? version;

  function syncFormVersion() {
    const bases = [...pendingConflicts.values()].map((c) => c.base);
    versionInput.value = String(Math.min(version, ...bases));
  }

  function setVersion(value) {
    version = Number(value);
    syncFormVersion();
  }

  // `basedOn`: the version the refused save was based on, which this page's text of each field in
  // conflict was written on (the page's other saved fields were as the server held them then).
  function handleConflict(data, basedOn, sent) {
    // Take the saved value wherever this page has no unsaved change of its own.
    for (const [name, value] of Object.entries(data.theirs || {})) {
      if (!dirty.has(name) && !same(fieldValue(name), value)) setFieldValue(name, value);
    }
    for (const conflict of data.conflicts || []) showConflict(conflict, basedOn);
    // The autosave goes on from the saved version (for the fields not in conflict); the form's own
    // version moves only as far as the conflicts still open allow.
    setVersion(data.version);
    setStatus(conflictStatus(), true);
    // Answers changed here but not in that save were typed over what the page showed then, too: the
    // next save sends them on that same version, so one the other save changed as well comes back as
    // a conflict (both texts shown) instead of being saved over a text this page never showed.
    if (basedOn !== data.version && sendable().some((n) => !sent.has(n))) {
      checkAgainst = basedOn;
      scheduleSave(0);
    } else if (!(data.conflicts || []).length) scheduleSave(0);
  }

  // "Not saved — R1 Evidence was changed elsewhere: …", naming the answers waiting for a choice.
  function conflictStatus() {
    const labels = [...pendingConflicts.keys()].map(fieldLabel);
    if (!labels.length) return t("conflict");
    return labels.length === 1 ? t("conflictOne", labels[0]) : t("conflictMany", labels.join(", "));
  }

  // The control a conflict box describes while it is open: a group of tick boxes as a whole.
  function describedControl(name) {
    const el = elementsNamed(name)[0];
    return el && MULTI.has(name) ? el.closest("fieldset") : el;
  }

  function fieldContainer(name) {
    const el = elementsNamed(name)[0];
    return el ? el.closest("fieldset.standard, [data-unsaved], .mb-3") || el.parentElement : null;
  }

  function showConflict(conflict, basedOn) {
    const name = conflict.field;
    form.querySelector(`.conflict-box[data-conflict-for="${CSS.escape(name)}"]`)?.remove();
    const box = document.createElement("div");
    box.className = "conflict-box";
    box.dataset.conflictFor = name;
    box.setAttribute("role", "group");
    const title = document.createElement("p");
    title.className = "conflict-title";
    title.id = `conflict-${name}`;
    title.textContent = `${conflict.label}: ${t("conflictIntro")}`;
    box.setAttribute("aria-labelledby", title.id);
    const column = (label, text, cls) => {
      const col = document.createElement("div");
      col.className = "col-md-6";
      const heading = document.createElement("p");
      heading.className = "small fw-semibold mb-1";
      heading.textContent = label;
      const quote = document.createElement("blockquote");
      quote.className = `conflict-text ${cls}`;
      quote.textContent = text;
      col.append(heading, quote);
      return col;
    };
    const row = document.createElement("div");
    row.className = "row g-2";
    row.append(
      column(t("savedVersion"), conflict.theirs_display, "conflict-theirs"),
      column(t("yourVersion"), conflict.yours_display, "conflict-yours"),
    );
    const actions = document.createElement("div");
    actions.className = "conflict-actions";
    actions.innerHTML = '<button type="button" class="btn btn-sm btn-outline-primary" data-conflict-keep></button> '
      + '<button type="button" class="btn btn-sm btn-outline-secondary" data-conflict-theirs></button>';
    $("[data-conflict-keep]", actions).textContent = t("keepMine");
    $("[data-conflict-theirs]", actions).textContent = t("useTheirs");
    box.append(title, row, actions);
    fieldContainer(name)?.append(box);
    armConflict(box, name, conflict.theirs, basedOn);
  }

  function armConflict(box, name, theirs, base) {
    const earlier = pendingConflicts.get(name)?.base ?? Infinity;
    pendingConflicts.set(name, { theirs, base: Math.min(base, earlier) });
    syncFormVersion();
    const actions = $(".conflict-actions", box);
    actions.hidden = false;
    // Said here (and the box focused) when the form is posted before a choice is made.
    box.tabIndex = -1;
    box.id ||= `conflict-box-${name}`;
    const control = describedControl(name);
    if (control) describe(control, box.id, true);
    const prompt = document.createElement("p");
    prompt.className = "conflict-prompt fw-semibold text-danger mb-1";
    prompt.id = `conflict-prompt-${name}`;
    prompt.hidden = true;
    actions.before(prompt);
    box.setAttribute("aria-describedby", prompt.id);
    // The box goes with the button that had the focus: the focus goes to the answer it was about.
    const resolved = () => {
      pendingConflicts.delete(name);
      syncFormVersion();
      if (control) describe(control, box.id, false);
      box.remove();
      focusFirst([name]);
    };
    $("[data-conflict-keep]", box).addEventListener("click", () => {
      resolved();
      dirty.set(name, ++editCounter);
      keepLocal(name);
      sayAndSave(t("keptMine", fieldLabel(name)));
    });
    $("[data-conflict-theirs]", box).addEventListener("click", () => {
      resolved();
      setFieldValue(name, theirs);
      dirty.delete(name);
      forgetLocal(name);
      sayAndSave(t("tookTheirs", fieldLabel(name)));
    });
  }

  // Save draft or Submit return while a conflict is open: nothing is posted until a choice is made.
  function askToChoose() {
    const boxes = [...form.querySelectorAll(".conflict-box[data-conflict-for]")].filter((box) =>
      pendingConflicts.has(box.dataset.conflictFor),
    );
    for (const box of boxes) {
      const prompt = $(".conflict-prompt", box);
      prompt.textContent = t("chooseFirst");
      prompt.hidden = false;
    }
    setStatus(t("chooseFirst"), true);
    boxes[0]?.focus();
  }

  // A conflict page rendered by the server (after a form post without JavaScript's help).
  function armServerConflicts() {
    for (const box of form.querySelectorAll(".conflict-box[data-conflict-for]")) {
      let theirs = null;
      try {
        theirs = JSON.parse(box.dataset.theirs);
      } catch {
        theirs = null;
      }
      // The server's conflict page holds the saved version: posting it again (without this script)
      // is how a merge made in the box is saved. With this script, a choice is asked for first.
      armConflict(box, box.dataset.conflictFor, theirs, version);
    }
    if (pendingConflicts.size) setStatus(conflictStatus(), true);
    for (const el of form.querySelectorAll("[data-unsaved]")) {
      for (const name of el.dataset.unsaved.split(" ")) if (name) dirty.set(name, ++editCounter);
    }
    if ([...dirty.keys()].some((n) => !pendingConflicts.has(n))) scheduleSave();
  }

  // --- No involvement ------------------------------------------------------------------------------
  // The standards, the agency's practice (strengths, grade...) and the count of standards answered are not
  // asked for of an agency that had no involvement: hidden, so that they are not filled in for nothing.
  const NO_INVOLVEMENT_HIDES = ["[data-standards-block]", "[data-practice-block]", "[data-progress-line]"];

  function applyNoInvolvement() {
    const none = Boolean(fieldValue("no_involvement"));
    for (const selector of NO_INVOLVEMENT_HIDES) {
      const block = $(selector);
      if (block) block.hidden = none;
    }
    const reason = $("[data-no-involvement-reason]");
    if (reason) reason.hidden = !none && !fieldValue("no_involvement_reason");
    showHiddenFlags();
  }

  // The answers hidden with the standards and the practice still count: say where the possible identifiers are
  // that the page asks to remove or confirm, while they are out of sight.
  function showHiddenFlags() {
    const note = $("[data-hidden-flags]");
    const hiddenFlag = (block) => block?.hidden && block.querySelector("[data-warnings-for] .identifier-warning");
    if (note) note.hidden = !(hiddenFlag($("[data-standards-block]")) || hiddenFlag($("[data-practice-block]")));
  }

  // --- Events ----------------------------------------------------------------------------------------
  function onEdit(event) {
    const name = event.target.name;
    if (!name || SKIP.has(name)) return;
    dirty.set(name, ++editCounter);
    keepLocal(name);
    if (name === "no_involvement") applyNoInvolvement();
    if (!pendingConflicts.has(name)) scheduleSave();
  }

  form.addEventListener("input", onEdit);
  form.addEventListener("change", onEdit);
  form.addEventListener("focusout", (event) => {
    if (event.target.name && dirty.has(event.target.name)) scheduleSave(0);
  });

  function flush() {
    if (!submitting && dirty.size) save(true);
  }
  // A save that failed waits longer each time (up to a minute): try again now when there is reason to.
  function retryNow() {
    if (!retryTimer) return;
    clearTimeout(retryTimer);
    retryTimer = null;
    save(false);
  }
  document.addEventListener("visibilitychange", () => {
    // Back on the page (perhaps after signing in elsewhere): try again now.
    if (document.visibilityState === "hidden") flush();
    else retryNow();
  });
  // The connection is back: what was typed meanwhile is sent now, not at the end of the longest wait.
  window.addEventListener("online", retryNow);
  window.addEventListener("pagehide", flush);

  // Leaving while the server cannot be reached: the browser asks first (the edits are on this device too).
  window.addEventListener("beforeunload", (event) => {
    if (unreachable && dirty.size && !submitting) event.preventDefault();
  });

  form.addEventListener("submit", (event) => {
    if (submitting) return;
    const submitter = event.submitter;
    if (!navigator.onLine) {
      // The post would end on the browser's error page: nothing is sent, and the page stays as it is.
      event.preventDefault();
      offlineNote = t("offline");
      setStatus(offlineNote, true);
      return;
    }
    if (pendingConflicts.size) {
      // The form carries this page's text of the field in conflict: choosing comes first.
      event.preventDefault();
      askToChoose();
      return;
    }
    if (inFlight) {
      // Post the form only once the autosave under way has answered, with the version it returned,
      // and not at all if that answer was a conflict (until it is resolved).
      event.preventDefault();
      inFlight.finally(() => {
        if (pendingConflicts.size) {
          askToChoose();
          return;
        }
        submitting = true;
        form.requestSubmit(submitter);
      });
      return;
    }
    // The form carries every value: stop autosaving so that nothing moves the version under it.
    submitting = true;
    clearTimeout(debounceTimer);
    clearTimeout(retryTimer);
  });

  // --- Where the focus starts, and the save bar ----------------------------------------------------
  // The save bar stays at the top of a big enough screen (app.css): what is focused or scrolled to lands
  // below it (scroll-padding-top). Its height is the CSS's guess until its status line wraps.
  const bar = $(".parta-savebar");
  const belowTheBar = () => {
    const sticky = getComputedStyle(bar).position === "sticky";
    document.documentElement.style.scrollPaddingTop = sticky ? `${bar.offsetHeight + 8}px` : "";
  };
  if (bar && "ResizeObserver" in window) {
    new ResizeObserver(belowTheBar).observe(bar);
    window.addEventListener("resize", belowTheBar);
  }

  // A page that came back with errors starts at their summary (unless a link asked for another place).
  function focusErrorSummary() {
    const summary = $("[data-error-summary]");
    if (!summary || (location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1))))) return;
    if (bar) belowTheBar();
    // Reloaded, the browser would otherwise scroll back to where the page was, away from the summary.
    if ("scrollRestoration" in history) history.scrollRestoration = "manual";
    summary.focus();
  }

  applyNoInvolvement();
  armServerConflicts();
  adoptChangedFields();
  offerRestore();
  focusErrorSummary();
})();
