/* The queue's bulk actions: "select all", the count of chosen rows, and the action buttons
   enabled only when at least one row is chosen. */
(function () {
  const form = document.getElementById("bulk-form");
  const boxes = () => form.querySelectorAll(".row-select");
  const update = () => {
    const n = form.querySelectorAll(".row-select:checked").length;
    document.getElementById("bulk-count").textContent = n;
    form.querySelectorAll(".bulk-action").forEach((b) => { b.disabled = n === 0; });
  };
  document.getElementById("select-all").addEventListener("change", (e) => {
    boxes().forEach((b) => { b.checked = e.target.checked; });
    update();
  });
  boxes().forEach((b) => b.addEventListener("change", update));
  update();
})();
