// Series form: show only the fields the chosen recurrence needs.
(function () {
  "use strict";
  var NEEDS = {
    weekly: ["weekday", "interval"],
    biweekly: ["weekday"],
    monthly_weekday: ["weekday", "ordinal", "interval"],
    monthly_day: ["day", "interval"],
    quarterly: [],
    custom: []
  };
  var OPTIONAL = ["weekday", "ordinal", "day", "interval"];
  function wrapper(name) {
    var field = document.querySelector("#series-form [name=" + name + "]");
    return field ? field.closest(".mb-3") : null;
  }
  function update() {
    var pattern = document.querySelector("#series-form [name=pattern]");
    if (!pattern) { return; }
    var needed = NEEDS[pattern.value] || [];
    OPTIONAL.forEach(function (name) {
      var el = wrapper(name);
      if (el) { el.classList.toggle("d-none", needed.indexOf(name) === -1); }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var pattern = document.querySelector("#series-form [name=pattern]");
    if (pattern) { pattern.addEventListener("change", update); update(); }
  });
})();
