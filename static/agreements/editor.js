// Draft editor: cancel a new (unsaved) row form without a round trip.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-remove-row]");
    if (!link) { return; }
    var row = link.closest(".agreement-row");
    if (row) {
      event.preventDefault();
      row.remove();
    }
  });
  // A refused change (409: the version is no longer a draft) is shown in place of the row.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
