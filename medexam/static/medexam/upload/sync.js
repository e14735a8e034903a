/*
 * Keeping the page in step with the server after an upload, a delete or a confirmation: the
 * changed parts come from the server's own rendering of the page, never rebuilt here.
 */

import { TEXT, fmt } from "./config.js";
import { csrfToken } from "./send.js";

/**
 * Reload the parts of the page that show this item's images, counts and what is missing,
 * from the server's own rendering; `wire(part)` enhances each new part. A part holding a form with work in progress (a photo
 * being fitted, uploading or failed) or a refusal is left alone: nothing the candidate has
 * is lost.
 */
export async function refresh(itemCode, wire, doc) {
  if (!doc) {
    let response;
    try {
      response = await fetch(window.location.pathname, { credentials: "same-origin", cache: "no-store" });
    } catch (e) { return; }
    if (!response.ok) return;
    doc = new DOMParser().parseFromString(await response.text(), "text/html");
  }
  const article = document.getElementById("item-" + itemCode);
  const fresh = doc.getElementById("item-" + itemCode);
  const parts = article && fresh ? Array.from(article.querySelectorAll("[data-fragment]")) : [];
  const missing = document.getElementById("missing-wrap");
  if (missing) parts.push(missing);
  // Page-wide parts an upload changes: "已完成 5/8 项必传材料", the "需要您处理" list.
  document.querySelectorAll("[data-page-fragment]").forEach((part) => parts.push(part));
  for (const old of parts) {
    const replacement = doc.getElementById(old.id);
    // Also keep a part that shows a refusal: the candidate has not read it yet, perhaps.
    if (!replacement || old.querySelector("[data-busy], .is-error")) continue;
    const node = document.importNode(replacement, true);
    old.replaceWith(node);
    wire(node);
  }
}

export function announce(itemCode, text, kind) {
  const article = document.getElementById("item-" + itemCode);
  if (!article) return;
  let note = article.querySelector(".item-announce");
  if (!note) {
    note = document.createElement("p");
    note.className = "item-announce";
    note.setAttribute("role", "status");
    note.setAttribute("aria-live", "polite");
    article.appendChild(note);
  }
  note.className = "item-announce is-" + kind;
  note.textContent = text;
  // The control that had focus may be gone with the refreshed part: focus the outcome.
  if (!document.activeElement || document.activeElement === document.body) {
    note.tabIndex = -1;
    note.focus({ preventScroll: false });
  }
}

function itemOf(form) {
  const article = form.closest("article.item");
  return article ? article.id.replace(/^item-/, "") : "";
}

export function enhanceDelete(form, wire) {
  if (form.dataset.enhanced) return;
  form.dataset.enhanced = "1";
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!window.confirm(TEXT.confirmDelete)) return;
    const itemCode = itemOf(form);
    const button = form.querySelector("button");
    button.disabled = true;
    let body = null;
    try {
      const data = new FormData(form);
      data.set("csrfmiddlewaretoken", csrfToken(form));
      const response = await fetch(form.action, {
        method: "POST", body: data, credentials: "same-origin", headers: { "X-Requested-With": "fetch" },
      });
      body = await response.json();
    } catch (e) { body = null; }
    button.disabled = false;
    if (body && body.ok) {
      await refresh(itemCode, wire);
      announce(itemCode, TEXT.deleted, "ok");
    } else {
      announce(itemCode, fmt(TEXT.deleteFailed, { msg: body && body.message ? body.message : TEXT.failedNetwork }), "error");
    }
  });
}

/**
 * "确认图片无误" without reloading the page (which would drop photos waiting elsewhere):
 * the view answers with a redirect to this page, whose flash message and fresh parts we
 * take from the very response.
 */
export function enhanceConfirm(form, wire) {
  if (form.dataset.enhanced) return;
  form.dataset.enhanced = "1";
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const itemCode = itemOf(form);
    const data = new FormData(form);
    data.set("csrfmiddlewaretoken", csrfToken(form));
    let doc = null;
    try {
      const response = await fetch(form.action, { method: "POST", body: data, credentials: "same-origin" });
      if (response.ok) doc = new DOMParser().parseFromString(await response.text(), "text/html");
    } catch (e) { doc = null; }
    if (!doc || !doc.getElementById("item-" + itemCode)) {
      announce(itemCode, TEXT.confirmFailed, "error");
      return;
    }
    const flash = doc.querySelector(".flash-list .flash");
    await refresh(itemCode, wire, doc);
    if (flash) announce(itemCode, flash.textContent, flash.classList.contains("flash-error") ? "error" : "ok");
  });
}
