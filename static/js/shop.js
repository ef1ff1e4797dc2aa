// No inline handlers anywhere (the Content-Security-Policy allows scripts from
// /static/ only): pages mark their elements with data attributes, handled here.

// <form data-confirm="Question?">: ask first; a dismissed question sends nothing.
// Capture phase, so that it runs before the handler below sees the submit.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) return;
  if (!window.confirm(form.dataset.confirm)) event.preventDefault();
}, true);

// <select data-autosubmit>: choosing an option sends its form (e.g. the sort order).
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof HTMLSelectElement && "autosubmit" in field.dataset && field.form) {
    field.form.requestSubmit();
  }
});

// Disable a form's submit button once it is sent, so a double click sends one request.
// The server is idempotent anyway; this only spares the shopper a confusing second page.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") return;
  if (event.defaultPrevented) return; // not sent after all (e.g. a dismissed confirm())
  for (const button of form.querySelectorAll("button[type=submit]")) {
    queueMicrotask(() => { button.disabled = true; });
  }
});

// The account menu on a phone (a <details>): Escape, or a tap anywhere else, closes it.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  for (const menu of document.querySelectorAll("details.account-menu[open]")) {
    menu.open = false;
    menu.querySelector("summary").focus();
  }
});
document.addEventListener("click", (event) => {
  for (const menu of document.querySelectorAll("details.account-menu[open]")) {
    if (!menu.contains(event.target)) menu.open = false;
  }
});
