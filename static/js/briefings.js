// Briefing composer: confirmations, a guard against leaving with unsaved edits, and the focus kept
// where it was when htmx replaces part of the page.
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
  // puts it back, and a form the server sent back unsaved (an error, a conflict) carries
  // data-kept-unsaved.
  const TRACKED = "form.section-form, form.details-form";
  const dirty = new Set();
  const key = (form) => form.getAttribute("action");
  const markNotSaved = () => {
    for (const form of document.querySelectorAll("form[data-kept-unsaved]")) {
      if (form.matches(TRACKED)) dirty.add(key(form));
    }
  };
  markNotSaved();
  document.addEventListener("htmx:afterSettle", markNotSaved);
  document.addEventListener("input", (event) => {
    const form = event.target.closest && event.target.closest(TRACKED);
    if (!form) return;
    dirty.add(key(form));
    const status = form.querySelector(".save-status");
    if (status) status.textContent = status.dataset.unsaved || "Not saved yet";
  });

  // Signing in again (in another tab, after the session ended) gives the browser a new CSRF
  // cookie, and the tokens printed in this page no longer pass: each post takes the cookie's.
  // Capture phase: before htmx handles (and cancels) the submit of an hx-post form.
  document.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      if (!(form instanceof HTMLFormElement)) return;
      const token = window.auditportal.csrfCookie();
      if (token) {
        for (const input of document.querySelectorAll("input[name=csrfmiddlewaretoken]")) input.value = token;
      }
      if (form.matches(TRACKED)) dirty.delete(key(form));
    },
    true,
  );
  document.addEventListener("htmx:afterRequest", (event) => {
    const form = event.detail.elt;
    if (form instanceof HTMLFormElement && form.matches(TRACKED) && !event.detail.successful) {
      dirty.add(key(form));
    }
  });

  // A save answered with anything but the section's card (signed out: 401; refused: 403, 404;
  // a server error; a redirect followed to another page) swaps nothing: the text typed stays in
  // the form, still marked unsaved, and the card says why and what to do. The same words are said in
  // the composer's one live region (#composer-announcer, below): the card's box is not a live region.
  const said = document.getElementById("composer-save-messages");
  const message = (name) => (said && said.dataset[name]) || "Not saved. Your text is kept here.";
  const showProblem = (form, text) => {
    dirty.add(key(form));
    const box = form.querySelector(".save-problem");
    if (box) {
      box.textContent = text;
      box.hidden = false;
    }
    const status = form.querySelector(".save-status");
    if (status) status.textContent = status.dataset.notSaved || text;
    announce(text);
  };
  const samePath = (a, b) => new URL(a, location.href).pathname === new URL(b, location.href).pathname;

  // A section saved by htmx comes back as a new card in place of the old one (the focus would be
  // lost with it). After the swap the focus goes to the same place in the new card: the text typed,
  // not saved, when the save was refused as the audit was cancelled (the card is read-only), the text
  // saved by the other editor when the save was refused for it, else the first field with an error, else the
  // control that had it (the Save button, or the field Enter was pressed in). Unless the person has
  // moved on to another part of the page meanwhile. The outcome ("Saved at 10:41", "Not saved: …")
  // is said in the page's one live region, there from the start: a new element's is often not read.
  const announcer = document.getElementById("composer-announcer");
  const announce = (text) => {
    if (!announcer || !text) return;
    announcer.textContent = ""; // the same words again ("Saved at 10:41" twice) are said again
    window.setTimeout(() => {
      announcer.textContent = text;
    }, 100);
  };
  let savedCard = null;
  const expectCard = (form) => {
    const card = form.closest(".section-card");
    if (!card) return;
    const active = document.activeElement;
    const inCard = card.contains(active);
    savedCard = {
      id: card.id,
      refocus: inCard || !active || active === document.body,
      focusedId: inCard && active.id ? active.id : "",
    };
  };
  document.addEventListener("htmx:afterSettle", () => {
    if (!savedCard) return;
    const { id, refocus, focusedId } = savedCard;
    savedCard = null;
    const card = document.getElementById(id);
    if (!card) return;
    const status = card.querySelector(".save-status");
    const problem = card.querySelector(".section-problem");
    announce([status && status.textContent.trim(), problem && problem.textContent.trim()].filter(Boolean).join(" "));
    if (!refocus) return;
    const target =
      card.querySelector(".section-kept") ||
      card.querySelector(".section-conflict") ||
      card.querySelector(".section-form .is-invalid") ||
      (focusedId && card.querySelector(`#${CSS.escape(focusedId)}`)) ||
      card.querySelector(".section-form button[type=submit]");
    if (target) target.focus();
  });
  document.addEventListener("htmx:beforeSwap", (event) => {
    const form = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!(form instanceof HTMLFormElement) || !form.matches(TRACKED)) return;
    const xhr = event.detail.xhr;
    const status = xhr.status;
    // A section saved over by somebody else answers 409 with both texts (the typed one kept); a save
    // refused as the audit was cancelled, 409 with the card read-only and the text typed to copy: show it.
    const kept = ['data-testid="section-conflict"', 'data-testid="kept-text"'];
    if (status === 409 && kept.some((mark) => xhr.responseText.includes(mark))) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
      dirty.add(key(form));
      expectCard(form);
      return;
    }
    const redirected = xhr.responseURL && !samePath(xhr.responseURL, key(form));
    if (status >= 200 && status < 300 && !redirected) {
      expectCard(form); // the card, saved or with its errors
      return;
    }
    event.detail.shouldSwap = false;
    if (status === 401 || redirected) showProblem(form, message("signedOut"));
    else if (status === 403 || status === 404) showProblem(form, message("refused"));
    else showProblem(form, message("failed"));
  });
  document.addEventListener("htmx:sendError", (event) => {
    const form = event.detail.elt;
    if (form instanceof HTMLFormElement && form.matches(TRACKED)) showProblem(form, message("offline"));
  });

  window.addEventListener("beforeunload", (event) => {
    if (dirty.size === 0) return;
    event.preventDefault();
    event.returnValue = "";
  });

  // Move up, Move down and Refresh from findings post their form, and the page opens again at the
  // section (#card-…): the focus goes back to the button pressed (at an end of the list, to the other
  // move button), not to the top of the page, so that a section is moved several places with Enter,
  // Enter…; and what the page says about it (written again, or refused: the sections changed in another
  // tab) is shown at the top of the section and said in the composer's live region, not only at the top
  // of the page, far above. The tab remembers the button (sessionStorage) for its next page only.
  const ACTED_KEY = "auditportal.sectionAction";
  const HEADER_FORMS = ".section-card .card-header form";
  document.addEventListener("submit", (event) => {
    const form = event.target;
    // After the confirmation above: "Refresh from findings" cancelled posts nothing.
    if (event.defaultPrevented || !(form instanceof HTMLFormElement) || !form.matches(HEADER_FORMS)) return;
    const direction = form.querySelector("input[name=direction]");
    try {
      window.sessionStorage.setItem(
        ACTED_KEY,
        JSON.stringify({ action: form.getAttribute("action"), direction: direction ? direction.value : "" }),
      );
    } catch {
      // storage switched off: the page opens at the section all the same
    }
  });

  const backAtSection = () => {
    let acted = null;
    let card = null;
    try {
      acted = JSON.parse(window.sessionStorage.getItem(ACTED_KEY) || "null");
      window.sessionStorage.removeItem(ACTED_KEY);
      card = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    } catch {
      return; // storage switched off, or a malformed address: the page stays as it opened
    }
    if (!acted || !card || !card.matches(".section-card")) return;
    const forms = [...card.querySelectorAll(".card-header form")];
    if (!forms.some((form) => form.getAttribute("action") === acted.action)) return; // acted on another section
    const enabled = (form) => form.querySelector("button[type=submit]:not(:disabled)");
    const direction = (form) => (form.querySelector("input[name=direction]") || {}).value || "";
    const same = forms.filter((form) => form.getAttribute("action") === acted.action);
    const button =
      enabled(same.find((form) => direction(form) === acted.direction) || same[0]) ||
      same.map(enabled).find(Boolean) ||
      forms.map(enabled).find(Boolean);
    const messages = document.querySelector("main > .messages");
    if (messages) {
      card.querySelector(".card-body")?.prepend(messages);
      announce(messages.textContent.replace(/\s+/g, " ").trim());
    }
    if (!button) return;
    button.focus({ preventScroll: true });
    // Chromium clears the focus when it scrolls to the address's #card-… once the page has loaded.
    window.addEventListener(
      "load",
      () => {
        if (document.activeElement === document.body) button.focus({ preventScroll: true });
      },
      { once: true },
    );
  };
  backAtSection();
})();
