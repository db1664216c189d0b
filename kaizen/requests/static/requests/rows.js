// The row builders of request types (form questions, approval steps, tasks): add, remove and
// reorder rows of a Django formset, and show only the settings that apply to a row's choices
// (elements with data-kz-when="type:text,long_text").
(function () {
  "use strict";
  function selectNamed(row, name) {
    return row.querySelector('select[name$="-' + name + '"]');
  }
  function applyWhen(row) {
    row.querySelectorAll("[data-kz-when]").forEach(function (cell) {
      var parts = cell.getAttribute("data-kz-when").split(":");
      var select = selectNamed(row, parts[0]);
      var show = !select || parts[1].split(",").indexOf(select.value) !== -1;
      cell.classList.toggle("d-none", !show);
    });
  }
  function setUp(container) {
    var form = container.closest("form");
    var prefix = container.getAttribute("data-kz-prefix");
    var total = form.querySelector('input[name="' + prefix + '-TOTAL_FORMS"]');
    var template = form.querySelector("template[data-kz-row-template]");
    var empty = form.querySelector("[data-kz-rows-empty]");
    function visibleRows() {
      return Array.prototype.filter.call(container.querySelectorAll("[data-kz-row]"), function (row) {
        return !row.classList.contains("d-none");
      });
    }
    function renumber() {
      visibleRows().forEach(function (row, index) {
        var order = row.querySelector('input[name$="-ORDER"]');
        if (order) { order.value = String(index + 1); }
        var number = row.querySelector("[data-kz-row-number]");
        if (number) { number.textContent = String(index + 1); }
      });
      if (empty) { empty.classList.toggle("d-none", visibleRows().length > 0); }
    }
    function wire(row) {
      applyWhen(row);
      row.addEventListener("change", function () { applyWhen(row); });
      row.querySelector("[data-kz-row-remove]").addEventListener("click", function () {
        var remove = row.querySelector('input[name$="-DELETE"]');
        if (remove) { remove.value = "on"; }
        row.classList.add("d-none");
        renumber();
      });
      row.querySelector("[data-kz-row-up]").addEventListener("click", function () {
        var rows = visibleRows();
        var at = rows.indexOf(row);
        if (at > 0) { container.insertBefore(row, rows[at - 1]); renumber(); }
      });
      row.querySelector("[data-kz-row-down]").addEventListener("click", function () {
        var rows = visibleRows();
        var at = rows.indexOf(row);
        if (at >= 0 && at < rows.length - 1) { container.insertBefore(rows[at + 1], row); renumber(); }
      });
    }
    container.querySelectorAll("[data-kz-row]").forEach(wire);
    form.querySelector("[data-kz-add-row]").addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      var holder = document.createElement("div");
      holder.innerHTML = html.trim();
      var row = holder.firstElementChild;
      container.appendChild(row);
      total.value = String(index + 1);
      wire(row);
      renumber();
      var first = row.querySelector("input:not([type=hidden]), select, textarea");
      if (first) { first.focus(); }
    });
    renumber();
  }
  document.querySelectorAll("[data-kz-rows]").forEach(setUp);
})();
