// A request form's conditional questions: a question with data-kz-show-if="key" is shown only
// while the answer to `key` is one of data-kz-show-values (the server checks the same rule).
(function () {
  "use strict";
  var form = document.getElementById("request-form");
  if (!form) { return; }
  var questions = Array.prototype.slice.call(form.querySelectorAll(".kz-answer"));
  function answerOf(key) {
    var holder = document.getElementById("question-" + key);
    if (holder && holder.classList.contains("d-none")) { return []; }
    var inputs = form.querySelectorAll('[name="' + key + '"]');
    var values = [];
    inputs.forEach(function (input) {
      if (input.type === "radio" || input.type === "checkbox") {
        if (input.checked) { values.push(input.value); }
      } else if (input.value !== "") {
        values.push(input.value.trim());
      }
    });
    return values;
  }
  function matches(values, wanted) {
    return values.some(function (value) {
      return wanted.some(function (w) {
        if (w === value) { return true; }
        var a = parseFloat(w), b = parseFloat(value);
        return !isNaN(a) && !isNaN(b) && a === b && /^-?[\d.]+$/.test(value);
      });
    });
  }
  function refresh() {
    questions.forEach(function (question) {
      var key = question.getAttribute("data-kz-show-if");
      if (!key) { return; }
      var wanted = JSON.parse(question.getAttribute("data-kz-show-values") || "[]");
      question.classList.toggle("d-none", !matches(answerOf(key), wanted));
    });
  }
  form.addEventListener("change", refresh);
  form.addEventListener("input", refresh);
  refresh();
})();
