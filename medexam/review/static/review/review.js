// Reviewer image viewer: zoom and view-only rotation (the stored file never changes).
// Classes only: the strict CSP allows no inline styles.
(function () {
  "use strict";
  var ROTATIONS = ["rot-0", "rot-90", "rot-180", "rot-270"];
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-viewer-action]");
    if (!button) { return; }
    var box = button.closest(".viewer-box");
    var viewer = box && box.querySelector(".viewer");
    var img = viewer && viewer.querySelector("img");
    if (!img) { return; }
    var action = button.getAttribute("data-viewer-action");
    if (action === "zoom") {
      viewer.classList.toggle("is-zoomed");
      button.setAttribute("aria-pressed", viewer.classList.contains("is-zoomed") ? "true" : "false");
    } else if (action === "rotate") {
      var index = parseInt(img.getAttribute("data-rotation") || "0", 10);
      img.classList.remove(ROTATIONS[index]);
      index = (index + 1) % 4;
      img.classList.add(ROTATIONS[index]);
      img.setAttribute("data-rotation", String(index));
    }
  });
  // Choosing a replacement reason marks the image as "needs replacement".
  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-flag-for]");
    if (!select || !select.value) { return; }
    var radio = document.getElementById("replace-" + select.getAttribute("data-flag-for"));
    if (radio) { radio.checked = true; }
  });
})();
