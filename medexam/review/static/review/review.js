// Reviewer page: choosing a replacement reason marks the image as "needs replacement".
// (The image viewer and the keyboard shortcuts are viewer.js.)
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-flag-for]");
    if (!select || !select.value) { return; }
    var radio = document.getElementById("replace-" + select.getAttribute("data-flag-for"));
    if (radio) { radio.checked = true; }
  });
})();
