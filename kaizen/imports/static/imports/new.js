// Show only the fields the chosen kind of file needs, as the page was drawn for the first.
(() => {
  const kind = document.querySelector("#import-form [name=kind]");
  const show = () => document.querySelectorAll("#import-form [data-kinds]").forEach((block) => {
    block.hidden = !block.dataset.kinds.split(" ").includes(kind.value);
  });
  kind.addEventListener("change", show);
  show();
})();
