// "Add a row": copy the formset's empty row, numbered after the last one.
document.querySelectorAll(".kz-rows").forEach((block) => {
  const total = block.querySelector('input[name$="-TOTAL_FORMS"]');
  const template = block.querySelector("template");
  block.querySelector("[data-add-row]").addEventListener("click", () => {
    const html = template.innerHTML.replaceAll("__prefix__", total.value);
    block.querySelector("tbody").insertAdjacentHTML("beforeend", html);
    total.value = Number(total.value) + 1;
  });
});
