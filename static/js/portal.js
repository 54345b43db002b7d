// Small progressive enhancements; no inline scripts anywhere (Content-Security-Policy).
(function () {
  "use strict";
  // A table wider than the screen scrolls inside its own box, never the whole page.
  function contain(root) {
    var tables = Array.prototype.slice.call(root.querySelectorAll ? root.querySelectorAll("main table") : []);
    if (root.matches && root.matches("main table")) { tables.push(root); }
    tables.forEach(function (table) {
      if (table.closest(".table-responsive, .overflow-auto")) { return; }
      var box = document.createElement("div");
      box.className = "table-responsive";
      table.parentNode.insertBefore(box, table);
      box.appendChild(table);
    });
  }
  function bind(root) {
    contain(root);
    root.querySelectorAll("[data-autosubmit]").forEach(function (el) {
      if (el.dataset.bound) { return; }
      el.dataset.bound = "1";
      el.addEventListener("change", function () { el.form.submit(); });
    });
    root.querySelectorAll("[data-confirm]").forEach(function (el) {
      if (el.dataset.boundConfirm) { return; }
      el.dataset.boundConfirm = "1";
      el.addEventListener("click", function (event) {
        if (!window.confirm(el.dataset.confirm)) { event.preventDefault(); }
      });
    });
    // A search box inside a form (the measurement picker): Enter searches instead of sending the form.
    root.querySelectorAll("[data-picker-search]").forEach(function (el) {
      if (el.dataset.boundPicker) { return; }
      el.dataset.boundPicker = "1";
      el.addEventListener("keydown", function (event) {
        if (event.key !== "Enter") { return; }
        event.preventDefault();
        if (window.htmx) { window.htmx.trigger(el, "search"); }
      });
    });
    root.querySelectorAll("[data-print]").forEach(function (el) {
      el.addEventListener("click", function () { window.print(); });
    });
  }
  // After a failed submit the error summary takes the focus, so a screen reader reads it first and a
  // keyboard user starts from it; its links move the focus to the field they name.
  function focusErrors(root) {
    var summary = root.querySelector ? root.querySelector("[data-error-summary]") : null;
    if (root.matches && root.matches("[data-error-summary]")) { summary = root; }
    if (!summary) { return; }
    summary.querySelectorAll("a[href^='#']").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var target = document.getElementById(link.getAttribute("href").slice(1));
        if (target) { event.preventDefault(); target.focus(); }
      });
    });
    summary.focus();
  }
  document.addEventListener("DOMContentLoaded", function () { bind(document); focusErrors(document); });
  document.addEventListener("htmx:load", function (event) { if (event.target !== document.body) { focusErrors(event.target); } });
  document.addEventListener("htmx:load", function (event) { bind(event.target); });
})();
