/* Behaviour every page may use, declared in the markup with data-* attributes: the pages carry
   no inline script, event handler attribute or style attribute, so the Content-Security-Policy
   can forbid them all (docs/configuration.md#security-headers).

   data-autosubmit       on a field: changing it submits its form.
   data-confirm="text"   on a form: asks before it is sent.
   data-select-on-focus  on a field: focusing it selects its text (a secret to copy).
   data-kz-width="42.5"  a bar's width, data-kz-left its offset, in % (numbers only).
   data-kz-depth="2"     a tree row's depth (the CSS variable --kz-depth). */
(function () {
  "use strict";

  function percent(value) {
    var number = parseFloat(value);
    return isFinite(number) ? Math.min(Math.max(number, 0), 100) + "%" : null;
  }

  function draw(root) {
    root.querySelectorAll("[data-kz-width]").forEach(function (element) {
      var width = percent(element.dataset.kzWidth);
      if (width !== null) { element.style.width = width; }
    });
    root.querySelectorAll("[data-kz-left]").forEach(function (element) {
      var left = percent(element.dataset.kzLeft);
      if (left !== null) { element.style.left = left; }
    });
    root.querySelectorAll("[data-kz-depth]").forEach(function (element) {
      var depth = parseInt(element.dataset.kzDepth, 10);
      if (isFinite(depth)) { element.style.setProperty("--kz-depth", String(depth)); }
    });
  }

  document.addEventListener("change", function (event) {
    var field = event.target.closest ? event.target.closest("[data-autosubmit]") : null;
    if (field && field.form) { field.form.submit(); }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-select-on-focus]")) { event.target.select(); }
  });

  draw(document);
  window.kaizen = { draw: draw };
})();
