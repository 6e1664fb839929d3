// The Tasks page's Copy buttons: an enhancement only. Without this script the approved text
// stays in read-only fields the owner selects and copies by hand. Loaded as a file, so the
// page's Content-Security-Policy (script-src 'self') allows it; no inline script anywhere.
"use strict";

function copyField(field) {
  field.focus();
  field.select();
  if (navigator.clipboard && window.isSecureContext) {
    return navigator.clipboard.writeText(field.value).then(() => true, () => false);
  }
  return Promise.resolve(document.execCommand("copy"));
}

document.querySelectorAll("button[data-copy]").forEach((button) => {
  const field = document.getElementById(button.dataset.copy);
  const status = document.getElementById(button.dataset.status);
  if (!field || !status) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", () => {
    copyField(field).then((copied) => {
      status.textContent = copied
        ? "Copied."
        : "Selected: press Ctrl+C (or ⌘C) to copy.";
    });
  });
});
