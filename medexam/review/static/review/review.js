// Reviewer page: choosing a replacement reason marks the image as "needs replacement".
// (The image viewer and the keyboard shortcuts are viewer.js.)
(function () {
  "use strict";
  // Proposing a turned version is a request to replace, for the orientation.
  document.addEventListener("change", function (event) {
    var rotate = event.target.closest("select[data-rotate-for]");
    if (!rotate || rotate.value === "0") { return; }
    var uuid = rotate.getAttribute("data-rotate-for");
    var radio = document.getElementById("replace-" + uuid);
    if (radio) { radio.checked = true; }
    var reason = document.getElementById("reason-" + uuid);
    if (reason && !reason.value && reason.querySelector('option[value="orientation"]')) { reason.value = "orientation"; }
  });
  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-flag-for]");
    if (!select || !select.value) { return; }
    var radio = document.getElementById("replace-" + select.getAttribute("data-flag-for"));
    if (radio) { radio.checked = true; }
  });
})();
