/* The orders list: "select all" and the count of selected orders for the bulk actions. */
const all = document.getElementById("select-all");
const count = document.getElementById("selected-count");
const boxes = () => document.querySelectorAll('input[name="orders"]');

function update() {
  count.textContent = document.querySelectorAll('input[name="orders"]:checked').length;
}

if (all && count) {
  all.addEventListener("change", () => {
    boxes().forEach((box) => { box.checked = all.checked; });
    update();
  });
  boxes().forEach((box) => box.addEventListener("change", update));
}
