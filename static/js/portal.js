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
  document.addEventListener("htmx:load", function (event) { if (event.target !== document.body) { focusErrors(event.target); } });
  // A link to something inside a closed <details> (a chart's data table) opens it.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href^='#']");
    var target = link && link.getAttribute("href").length > 1 && document.getElementById(link.getAttribute("href").slice(1));
    var details = target && target.closest("details");
    if (details) { details.open = true; }
  });
  document.addEventListener("DOMContentLoaded", function () { bind(document); focusErrors(document); });
  document.addEventListener("htmx:load", function (event) { bind(event.target); });

  // A polite live region (in base.html) says what an action did without moving the focus.
  function announce(text) {
    var region = document.getElementById("live-status");
    if (!region || !text) { return; }
    region.textContent = "";
    // A fresh node after a pause, so the same words twice are read twice.
    window.setTimeout(function () { region.textContent = text; }, 100);
  }
  window.portal = window.portal || {};
  window.portal.announce = announce;
  // Servers announce with the header HX-Trigger-After-Settle: {"portal:announce": "Gemt"} (partnerportal/htmx.py).
  document.addEventListener("portal:announce", function (event) {
    announce(event.detail && event.detail.value);
  });

  // Forms with errors come back as 400/422 and a locked object as 409: show them instead of doing nothing.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 400 || status === 409 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // A lazy section that could not load stops being busy; one this person may not see (404) goes,
  // with its link in the hub's list of sections. Its placeholder's link still opens the section.
  function lazyFailed(event) {
    var el = event.detail.elt;
    if (!el || !el.matches || !el.matches("[data-lazy-section]")) { return; }
    el.removeAttribute("aria-busy");
    if (event.detail.xhr && event.detail.xhr.status === 404) {
      var link = document.querySelector("a[href='#" + el.id + "']");
      if (link && link.closest("li")) { link.closest("li").remove(); }
      el.remove();
    }
  }
  document.addEventListener("htmx:responseError", lazyFailed);
  document.addEventListener("htmx:sendError", lazyFailed);

  // After a swap a form that came in takes the focus (its first field with an error, or its first
  // field); otherwise the focus stays where it was if that element is still on the page (a search
  // field), or goes to the new content ([data-focus], its first control, or the content itself), and
  // when the content was removed, to its neighbour.
  var FOCUSABLE = "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled]), button:not([disabled]), a[href], [tabindex]";
  // Several swaps may be on their way at once (lazy hub sections loading as they scroll into view
  // while a reader opens another): each swap keeps its own state, found again by its request, so one
  // swap settling never acts on (or uses up) another's.
  var swaps = new WeakMap();  // request (xhr) -> {target, next, previous, parent}
  var pending = 0;  // swaps in `swaps` that have not settled yet
  var loaded = [];  // content htmx loaded since the last settle; a swap's own settle takes it
  var quiet = {};  // ids of lazy parts swapped in as they scrolled into view: none of a swap's concern
  function live(el) { return el && el.nodeType === 1 && document.body.contains(el) ? el : null; }
  function focusIn(el) {
    if (!live(el)) { return false; }
    var target = el.querySelector(".is-invalid, [aria-invalid=true], [data-focus]") ||
      (el.matches("form") ? el.querySelector("input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])") : null) ||
      (el.matches(FOCUSABLE) ? el : el.querySelector(FOCUSABLE));
    if (!target) {
      if (!el.hasAttribute("tabindex")) { el.setAttribute("tabindex", "-1"); }
      target = el;
    }
    target.focus();
    return document.activeElement === target;
  }
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var xhr = event.detail.xhr;
    // A lazy part loading as it scrolls into view leaves the focus alone, unless the focus was on
    // its placeholder (its link), which the swap removes: then the focus goes to the loaded part.
    if (target && target.matches("[data-lazy-section]") && !target.contains(document.activeElement)) {
      if (target.id) { quiet[target.id] = true; }
      return;
    }
    if (!xhr || !event.detail.shouldSwap) { return; }  // an answer not swapped in (an error) settles nothing
    if (!swaps.has(xhr)) { pending += 1; }
    swaps.set(xhr, {
      target: target,
      next: target && target.nextElementSibling,
      previous: target && target.previousElementSibling,
      parent: target && target.parentElement
    });
  });
  // htmx loads a swap's new content while settling it, right before that swap's htmx:afterSettle
  // (one synchronous step), so what `loaded` holds at a settle is that swap's content.
  // Content loaded outside a swap (the page itself as htmx starts) is no swap's.
  document.addEventListener("htmx:load", function (event) {
    var id = event.target && event.target.id;
    if (id && quiet[id]) { delete quiet[id]; return; }
    if (pending > 0 && event.target !== document.body) { loaded.push(event.target); }
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var added = loaded;
    loaded = [];
    var xhr = event.detail && event.detail.xhr;
    var state = xhr ? swaps.get(xhr) : null;
    if (!state) { return; }  // another swap's settle, or one already handled (an event per settled element)
    swaps.delete(xhr);
    pending -= 1;
    window.setTimeout(function () {
      var active = document.activeElement;
      added = added.filter(live);
      var inAdded = added.some(function (el) { return el.contains(active); });
      // A form that was opened (or came back with errors) takes the focus to its first field.
      var form = null;
      added.forEach(function (el) { form = form || (el.matches("form") ? el : el.querySelector("form")); });
      if (form) {
        if (!inAdded) { focusIn(form); }
        return;
      }
      if (inAdded || (active && active !== document.body && document.body.contains(active))) { return; }
      var candidates = added.concat([state.target, state.next, state.previous, state.parent]);
      for (var i = 0; i < candidates.length; i++) {
        if (focusIn(candidates[i])) { return; }
      }
    }, 0);
  });
})();
