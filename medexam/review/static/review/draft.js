// The decision form keeps a draft in this browser as the reviewer works (every change), so a
// reload, a crash or a lost connection loses nothing. The key carries the application's
// version: after a decision (or any change by someone else) an old draft is never applied
// to a newer state, and drafts of older versions are removed. The server remains the only
// place a decision is made.
(function () {
  "use strict";
  var form = document.getElementById("decision-form");
  var status = document.getElementById("draft-status");
  var summary = document.getElementById("decision-errors");
  if (summary) { summary.focus(); }
  if (!form || !window.localStorage) { return; }
  var key = form.getAttribute("data-draft-key");
  var prefix = form.getAttribute("data-draft-prefix");
  var store = window.localStorage;

  try {
    for (var i = store.length - 1; i >= 0; i--) {
      var k = store.key(i);
      if (k && k.indexOf(prefix) === 0 && k !== key) { store.removeItem(k); }
    }
  } catch (e) { return; }

  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrfmiddlewaretoken" && el.name !== "version";
    });
  }

  function save() {
    var data = {};
    fields().forEach(function (el) {
      if (el.type === "radio") { if (el.checked) { data[el.name] = el.value; } }
      else if (el.type === "checkbox") { data[el.name] = el.checked ? el.value : ""; }
      else { data[el.name] = el.value; }
    });
    try {
      store.setItem(key, JSON.stringify({ saved: Date.now(), data: data }));
      if (status) { status.textContent = "草稿已自动保存在本机（刷新或断网不会丢失）。"; }
    } catch (e) { /* storage full or refused: the form still works */ }
  }

  function restore(data) {
    fields().forEach(function (el) {
      if (!(el.name in data)) { return; }
      if (el.type === "radio") { el.checked = el.value === data[el.name]; }
      else if (el.type === "checkbox") { el.checked = data[el.name] === el.value; }
      else { el.value = data[el.name]; }
    });
  }

  // A page the server sent back with the reviewer's input (a failed validation) wins over
  // the draft; otherwise the draft of this version comes back.
  var saved = null;
  try { saved = JSON.parse(store.getItem(key) || "null"); } catch (e) { saved = null; }
  if (saved && saved.data && form.getAttribute("data-bound") !== "1") {
    restore(saved.data);
    if (status) { status.textContent = "已恢复您在本机保存的审核草稿，请核对后再保存审核结论。"; }
  }
  form.addEventListener("change", save);
  form.addEventListener("input", save);
})();
