/* One upload form's control: what it says, whether it is busy, its fit panel's lifetime. */

import { release } from "./draw.js";

export function say(ctl, text, kind) {
  const target = ctl.panel ? ctl.panel.querySelector(".fit-result") : ctl.status;
  target.textContent = text;
  target.classList.toggle("is-error", kind === "error");
  target.classList.toggle("is-ok", kind === "ok");
  if (ctl.panel) { ctl.status.textContent = ""; ctl.status.className = "upload-status"; }
}

export function setBusy(ctl, busy) {
  ctl.busy = busy;
  if (busy) ctl.form.setAttribute("data-busy", "1"); else ctl.form.removeAttribute("data-busy");
}

export function closePanel(ctl) {
  if (ctl.state && ctl.state.url) URL.revokeObjectURL(ctl.state.url);
  if (ctl.state && ctl.state.preview) release(ctl.state.preview);
  if (ctl.panel) ctl.panel.remove();
  ctl.panel = null;
  ctl.state = null;
  ctl.generation++;
  ctl.form.classList.remove("has-panel");
  setBusy(ctl, false);
}

export function refuse(ctl, message) {
  closePanel(ctl);
  say(ctl, message, "error");
}
