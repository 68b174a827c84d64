// The invitation page's "Copy link" button: the clipboard API where the page may use it (a
// secure origin), the selection and execCommand otherwise; the result is announced.

import { gettext } from "../conventions.js";

function announce(text) {
  const status = document.getElementById("copy-status");
  if (status) status.textContent = text;
}

async function copy(input) {
  input.select();
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(input.value);
    } else if (!document.execCommand("copy")) {
      throw new Error("copy refused");
    }
    announce(gettext("Link copied."));
  } catch {
    announce(gettext("Your browser did not allow copying: the link is selected, copy it yourself."));
  }
}

for (const button of document.querySelectorAll("[data-copy]")) {
  const input = document.querySelector(button.dataset.copy);
  if (input) button.addEventListener("click", () => copy(input));
}
