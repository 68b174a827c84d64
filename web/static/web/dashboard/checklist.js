// The setup checklist on Today stays folded once the user folds it (remembered in this browser,
// per business host); unfolding it again forgets that.

const KEY = "setup-checklist-folded";
const checklist = document.getElementById("setup-checklist");

function remembered() {
  try {
    return window.localStorage.getItem(KEY) === "1";
  } catch {
    return false; // storage refused (private mode): always open
  }
}

function remember(folded) {
  try {
    if (folded) window.localStorage.setItem(KEY, "1");
    else window.localStorage.removeItem(KEY);
  } catch {
    // nothing to do: the page still works, it just does not remember
  }
}

if (checklist) {
  if (remembered()) checklist.open = false;
  checklist.addEventListener("toggle", () => remember(!checklist.open));
}
