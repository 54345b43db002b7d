// The searchable partner picker (templates/includes/partner_picker.html): an ARIA combobox with a
// listbox of the partners /partners/picker/?q= finds. Typing searches; Arrow Down/Up move through the
// matches, Enter picks one (the hidden `partner` gets its id), Escape closes the list; Enter with the
// list closed sends the form. Without this script the box is a text field the server resolves by name.
(function () {
  "use strict";
  if (window.portalPartnerPicker) { return; }

  function setup(root) {
    if (root.dataset.bound) { return; }
    root.dataset.bound = "1";
    var input = root.querySelector("[role='combobox']");
    var hidden = root.querySelector("input[type='hidden']");
    var list = root.querySelector("[role='listbox']");
    var active = -1;
    var timer = null;
    var asked = 0;

    function say(text) {
      if (window.portal && window.portal.announce) { window.portal.announce(text); }
    }
    function options() { return list.querySelectorAll("[role='option']"); }
    function show(open) {
      list.classList.toggle("show", open);
      input.setAttribute("aria-expanded", open ? "true" : "false");
      if (!open) {
        active = -1;
        input.removeAttribute("aria-activedescendant");
      }
    }
    function highlight(index) {
      var found = options();
      if (!found.length) { return; }
      active = (index + found.length) % found.length;
      found.forEach(function (option, i) {
        option.classList.toggle("active", i === active);
        option.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", found[active].id);
      found[active].scrollIntoView({ block: "nearest" });
    }
    function choose(option) {
      input.value = option.dataset.name;
      hidden.value = option.dataset.pk;
      show(false);
    }
    function render(data, then) {
      list.textContent = "";
      data.results.forEach(function (partner, i) {
        var option = document.createElement("li");
        option.id = input.id + "-option-" + i;
        option.className = "dropdown-item";
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.dataset.pk = partner.id;
        option.dataset.name = partner.name;
        option.textContent = partner.inactive ? partner.name + " (" + root.dataset.inactive + ")" : partner.name;
        list.appendChild(option);
      });
      show(data.results.length > 0);
      if (!data.results.length) {
        say(root.dataset.none);
        return;
      }
      say(root.dataset.found.replace("%(count)s", data.results.length) + (data.more ? " " + root.dataset.more : ""));
      if (then) { then(); }
    }
    function search(then) {
      var mine = ++asked;
      var url = root.dataset.url + "?q=" + encodeURIComponent(input.value.trim());
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) { if (data && mine === asked && document.activeElement === input) { render(data, then); } })
        .catch(function () { /* the server resolves the typed name on submit */ });
    }

    input.addEventListener("input", function () {
      hidden.value = ""; // a changed text names no chosen partner until one is picked again
      window.clearTimeout(timer);
      timer = window.setTimeout(search, 200);
    });
    input.addEventListener("keydown", function (event) {
      var open = input.getAttribute("aria-expanded") === "true";
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (open) { highlight(active + 1); } else { search(function () { highlight(0); }); }
      } else if (event.key === "ArrowUp") {
        if (open) { event.preventDefault(); highlight(active - 1); }
      } else if (event.key === "Enter") {
        if (open && active >= 0) { event.preventDefault(); choose(options()[active]); }
      } else if (event.key === "Escape") {
        if (open) { event.preventDefault(); show(false); }
      }
    });
    input.addEventListener("blur", function () { show(false); });
    list.addEventListener("mousedown", function (event) { event.preventDefault(); }); // keep the focus in the box
    list.addEventListener("click", function (event) {
      var option = event.target.closest("[role='option']");
      if (option) { choose(option); }
    });
  }

  function bind(root) {
    if (root.matches && root.matches("[data-partner-picker]")) { setup(root); }
    if (root.querySelectorAll) { root.querySelectorAll("[data-partner-picker]").forEach(setup); }
  }
  window.portalPartnerPicker = { bind: bind };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { bind(document); });
  } else {
    bind(document);
  }
  document.addEventListener("htmx:load", function (event) { bind(event.target); });
})();
