// Known errors suggested under the incident form while the agent types: the form's words,
// service, CI and category are sent to the suggest API (debounced), and the matches listed
// with why they matched. Plain fetch; no library.
(function () {
  "use strict";
  var panel = document.getElementById("known-error-suggestions");
  var form = document.getElementById("incident-form");
  if (!panel || !form) return;
  var list = panel.querySelector("ul");
  var url = panel.dataset.suggestUrl;
  var timer = null;
  var latest = 0;

  function field(name) {
    return form.querySelector("[name='" + name + "']");
  }
  function value(name) {
    var input = field(name);
    return input ? input.value.trim() : "";
  }
  function categoryName() {
    var select = field("category");
    if (!select || select.selectedIndex < 0 || !select.value) return "";
    return select.options[select.selectedIndex].text.trim();
  }
  function show(suggestions) {
    list.replaceChildren();
    suggestions.forEach(function (suggestion) {
      var item = document.createElement("li");
      item.className = "list-group-item small";
      var link = document.createElement("a");
      link.href = suggestion.url;
      link.target = "_blank";
      link.textContent = suggestion.number;
      item.append(link, " " + suggestion.title);
      var why = document.createElement("div");
      why.className = "text-secondary";
      why.textContent = suggestion.reasons.join("; ");
      item.append(why);
      list.append(item);
    });
    panel.hidden = suggestions.length === 0;
  }
  function ask() {
    var params = new URLSearchParams({
      text: value("short_description") + "\n" + value("description"),
      service: value("service"),
      configuration_item: value("configuration_item"),
      category: categoryName(),
    });
    ["service", "configuration_item"].forEach(function (name) {
      if (!params.get(name)) params.delete(name);
    });
    var asked = ++latest;
    fetch(url + "?" + params.toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : [];
      })
      .then(function (suggestions) {
        if (asked === latest) show(suggestions);
      })
      .catch(function () {});
  }
  function later() {
    clearTimeout(timer);
    timer = setTimeout(ask, 300);
  }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  if (value("short_description")) ask();
})();
