// A page opened at a fragment skips its autofocus (the browsers' rule): the sign-in page's skip link
// leaves #main in its address, the browser keeps it through the redirects after the password, and the
// two-factor page's code field was then not focused, the person left on <main> to find it. The focus
// goes to the page's autofocus field all the same, unless the person has moved it meanwhile.
// Loaded by the pages whose field has autofocus for this (two-factor: mfa_verify.html, mfa_setup.html).
"use strict";
(() => {
  const field = document.querySelector("main [autofocus]");
  if (!field) return;
  const untouched = () => [null, document.body, document.getElementById("main")].includes(document.activeElement);
  if (untouched()) field.focus();
  // Chromium focuses <main> (or clears the focus) once it has scrolled to the fragment, after the load.
  window.addEventListener("load", () => {
    if (untouched()) field.focus();
  }, { once: true });
})();
