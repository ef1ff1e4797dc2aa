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
