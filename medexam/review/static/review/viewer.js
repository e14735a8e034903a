// Reviewer's image viewer and keyboard review (issue 19): zoom in and out at the pointer,
// pan by dragging, view-only rotation, and shortcuts to go through an application without
// the mouse. Transforms are set through the CSSOM, which the strict CSP allows (it refuses
// style attributes in the markup, not element.style).
(function () {
  "use strict";
  var ROTATIONS = ["rot-0", "rot-90", "rot-180", "rot-270"];
  var MIN = 1, MAX = 6, STEP = 1.25;
  var states = new WeakMap();

  function state(viewer) {
    var s = states.get(viewer);
    if (!s) { s = { scale: 1, x: 0, y: 0, px: null, py: null }; states.set(viewer, s); }
    return s;
  }

  function apply(viewer) {
    var s = state(viewer);
    var stage = viewer.querySelector(".viewer-stage");
    stage.style.transform = "translate(" + s.x + "px," + s.y + "px) scale(" + s.scale + ")";
    viewer.classList.toggle("is-zoomed", s.scale > 1);
    viewer.setAttribute("data-scale", s.scale.toFixed(2));
  }

  // Zoom so that the point under (cx, cy), in the viewer's own coordinates, stays put.
  function zoom(viewer, factor, cx, cy) {
    var s = state(viewer);
    var rect = viewer.getBoundingClientRect();
    if (cx == null) { cx = s.px != null ? s.px : rect.width / 2; }
    if (cy == null) { cy = s.py != null ? s.py : rect.height / 2; }
    var next = Math.min(MAX, Math.max(MIN, s.scale * factor));
    if (next === MIN) { s.scale = 1; s.x = 0; s.y = 0; apply(viewer); return; }
    s.x = cx - (cx - s.x) * (next / s.scale);
    s.y = cy - (cy - s.y) * (next / s.scale);
    s.scale = next;
    apply(viewer);
  }

  function rotate(viewer) {
    var img = viewer.querySelector("img");
    var index = parseInt(img.getAttribute("data-rotation") || "0", 10);
    img.classList.remove(ROTATIONS[index]);
    index = (index + 1) % 4;
    img.classList.add(ROTATIONS[index]);
    img.setAttribute("data-rotation", String(index));
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-viewer-action]");
    if (!button) { return; }
    var viewer = button.closest("[data-viewer]").querySelector(".viewer");
    var action = button.getAttribute("data-viewer-action");
    if (action === "zoom-in") { zoom(viewer, STEP); }
    else if (action === "zoom-out") { zoom(viewer, 1 / STEP); }
    else if (action === "rotate") { rotate(viewer); }
  });

  // The pointer: where +/- zoom, the wheel (with Ctrl, as in every map) and dragging to pan.
  document.addEventListener("pointermove", function (event) {
    var viewer = event.target.closest && event.target.closest(".viewer");
    if (!viewer) { return; }
    var rect = viewer.getBoundingClientRect();
    var s = state(viewer);
    s.px = event.clientX - rect.left;
    s.py = event.clientY - rect.top;
    if (s.dragging) {
      s.x = s.startX + (event.clientX - s.downX);
      s.y = s.startY + (event.clientY - s.downY);
      apply(viewer);
    }
  });
  document.addEventListener("pointerdown", function (event) {
    var viewer = event.target.closest && event.target.closest(".viewer");
    if (!viewer || state(viewer).scale === 1) { return; }
    var s = state(viewer);
    s.dragging = true; s.downX = event.clientX; s.downY = event.clientY; s.startX = s.x; s.startY = s.y;
    event.preventDefault();
  });
  document.addEventListener("pointerup", function () {
    document.querySelectorAll(".viewer").forEach(function (v) { state(v).dragging = false; });
  });
  document.addEventListener("wheel", function (event) {
    var viewer = event.target.closest && event.target.closest(".viewer");
    if (!viewer || !event.ctrlKey) { return; }
    event.preventDefault();
    var rect = viewer.getBoundingClientRect();
    zoom(viewer, event.deltaY < 0 ? STEP : 1 / STEP, event.clientX - rect.left, event.clientY - rect.top);
  }, { passive: false });

  // --- keyboard review -------------------------------------------------------------------
  var cards = function () { return Array.prototype.slice.call(document.querySelectorAll("[data-review-image]")); };
  var current = -1;

  function select(index) {
    var all = cards();
    if (!all.length) { return; }
    current = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (card, i) { card.classList.toggle("is-current", i === current); });
    var card = all[current];
    card.scrollIntoView({ block: "start", behavior: "auto" });
    card.focus({ preventScroll: true });
    announce(card.getAttribute("data-label") + "（第 " + (current + 1) + " / " + all.length + " 张）");
  }

  function currentCard() {
    var all = cards();
    if (current < 0 && all.length) { select(0); }
    return all[current];
  }

  function announce(text) {
    var live = document.getElementById("keyboard-status");
    if (live) { live.textContent = text; }
  }

  function mark(card, verdict) {
    var radio = card.querySelector('input[type=radio][value="' + verdict + '"]');
    if (!radio) { return; }
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
    if (verdict === "replace") {
      var reason = card.querySelector("select");
      if (reason) { reason.focus(); }
      announce("已标记为需更换，请选择原因");
    } else {
      announce("已标记为合格");
      var all = cards();
      if (current < all.length - 1) { select(current + 1); }
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    if (target.closest && target.closest("input, select, textarea, [contenteditable]")) {
      if (event.key === "Escape") { target.blur(); var c = currentCard(); if (c) { c.focus(); } }
      return;
    }
    if (!cards().length && event.key !== "n" && event.key !== "N") { return; }
    var card;
    switch (event.key) {
      case "j": case "ArrowRight": select(current + 1); break;
      case "k": case "ArrowLeft": select(current - 1); break;
      case "p": card = currentCard(); if (card) { mark(card, "ok"); } break;
      case "f": card = currentCard(); if (card) { mark(card, "replace"); } break;
      case "+": case "=": card = currentCard(); if (card) { zoom(card.querySelector(".viewer"), STEP); } break;
      case "-": card = currentCard(); if (card) { zoom(card.querySelector(".viewer"), 1 / STEP); } break;
      case "0": card = currentCard(); if (card) { zoom(card.querySelector(".viewer"), 1 / MAX); } break;
      case "r": card = currentCard(); if (card) { rotate(card.querySelector(".viewer")); } break;
      case "d":
        var outcome = document.querySelector('#decision-form input[name=outcome]:checked') ||
          document.querySelector('#decision-form input[name=outcome]');
        if (outcome) { outcome.scrollIntoView({ block: "center" }); outcome.focus(); }
        break;
      case "n": case "N":
        var next = document.getElementById("next-application-form");
        if (next) { next.requestSubmit(); }
        break;
      case "?":
        var help = document.getElementById("keyboard-help");
        if (help) { help.open = !help.open; }
        break;
      default: return;
    }
    event.preventDefault();
  });
})();
