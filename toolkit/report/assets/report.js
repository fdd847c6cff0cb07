/* Experiment report: following a link to a folded section (or into one) unfolds it. */
(function () {
  "use strict";
  function openTarget() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var node = id && document.getElementById(id);
    for (; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
    }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
})();
