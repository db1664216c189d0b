// The share of users affected matters only for a degraded service: shown for that kind alone.
(() => {
  const kind = document.querySelector("#outage-form [name=kind]");
  const share = document.getElementById("share-affected");
  if (!kind || !share) return;
  const shown = () => { share.hidden = kind.value !== "degraded"; };
  kind.addEventListener("change", shown);
  shown();
})();
