/*
 * The fit panel of one upload form: preview, quarter turns, crop (sliders or a rectangle
 * drawn on the preview), and fitting the result under the size limit before it is sent.
 */

import { LIMITS, MESSAGES, PANEL, TEXT, fmt, kb } from "./config.js";
import { say } from "./controls.js";
import { release, render, stateCropBox, stateSize, toJpeg } from "./draw.js";
import { fitToLimit } from "./fit.js";
import { NO_CROP, clampCrop, hasCrop, largeEnough } from "./geometry.js";

const PREVIEW_SIDE = 900;

export function openPanel(ctl, onCancel) {
  const panel = PANEL.content.firstElementChild.cloneNode(true);
  ctl.panel = panel;
  ctl.form.appendChild(panel);
  ctl.form.classList.add("has-panel");
  ctl.status.textContent = "";
  ctl.status.className = "upload-status";
  const canvas = panel.querySelector(".fit-canvas");

  panel.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const action = button.dataset.action;
    const state = ctl.state;
    if (action === "rotate-left" || action === "rotate-right") {
      state.turns = (state.turns + (action === "rotate-right" ? 1 : 3)) % 4;
      state.crop = { ...NO_CROP }; // a crop drawn on the old view is meaningless now
      if (state.preview) release(state.preview);
      state.preview = null;
      changed(ctl);
    } else if (action === "crop-reset") {
      state.crop = { ...NO_CROP };
      changed(ctl);
    } else if (action === "cancel") {
      onCancel();
    }
  });

  panel.querySelectorAll("input[data-crop]").forEach((range) => {
    range.addEventListener("input", () => {
      ctl.state.crop[range.dataset.crop] = Number(range.value) / 100;
      changed(ctl);
    });
  });

  // Drag on the preview to draw the crop rectangle (mouse, finger or pen).
  let origin = null;
  const point = (event) => {
    const rect = canvas.getBoundingClientRect();
    return {
      x: Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width)),
      y: Math.min(1, Math.max(0, (event.clientY - rect.top) / rect.height)),
    };
  };
  canvas.addEventListener("pointerdown", (event) => {
    if (ctl.uploading) return;
    origin = point(event);
    canvas.setPointerCapture(event.pointerId);
    event.preventDefault();
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!origin) return;
    const p = point(event);
    const x0 = Math.min(origin.x, p.x), x1 = Math.max(origin.x, p.x);
    const y0 = Math.min(origin.y, p.y), y1 = Math.max(origin.y, p.y);
    if (x1 - x0 < 0.1 || y1 - y0 < 0.1) return; // a tap is not a crop
    ctl.state.crop = { left: x0, right: 1 - x1, top: y0, bottom: 1 - y1 };
    drawPreview(ctl);
  });
  const finish = () => {
    if (!origin) return;
    origin = null;
    changed(ctl);
  };
  canvas.addEventListener("pointerup", finish);
  canvas.addEventListener("pointercancel", finish);

  changed(ctl);
  panel.querySelector("[data-action=rotate-right]").focus({ preventScroll: true });
  panel.scrollIntoView({ block: "nearest" });
}

function drawPreview(ctl) {
  const state = ctl.state;
  if (!state.preview) {
    const size = stateSize(state);
    state.preview = render(state, Math.min(1, PREVIEW_SIDE / Math.max(size.w, size.h)), false);
  }
  const canvas = ctl.panel.querySelector(".fit-canvas");
  const base = state.preview;
  canvas.width = base.width;
  canvas.height = base.height;
  const ctx = canvas.getContext("2d");
  ctx.drawImage(base, 0, 0);
  const c = state.crop;
  const x = c.left * base.width, y = c.top * base.height;
  const w = (1 - c.left - c.right) * base.width, h = (1 - c.top - c.bottom) * base.height;
  if (hasCrop(c)) {
    ctx.fillStyle = "rgba(0,0,0,0.55)";
    ctx.fillRect(0, 0, base.width, y);
    ctx.fillRect(0, y + h, base.width, base.height - y - h);
    ctx.fillRect(0, y, x, h);
    ctx.fillRect(x + w, y, base.width - x - w, h);
    ctx.strokeStyle = "#ffdd00";
    ctx.lineWidth = Math.max(2, base.width / 200);
    ctx.strokeRect(x, y, w, h);
  }
  ctl.panel.querySelectorAll("input[data-crop]").forEach((range) => {
    range.value = String(Math.round(c[range.dataset.crop] * 100));
  });
}

/** Something about the picture changed: redraw now, re-fit after a short pause. */
function changed(ctl) {
  const state = ctl.state;
  state.crop = clampCrop(state.crop); // sliders may overlap
  state.result = null;
  state.key = null; // a different picture is a different upload
  drawPreview(ctl);
  const button = ctl.panel.querySelector("[data-action=upload]");
  button.disabled = true;
  button.textContent = TEXT.upload;
  say(ctl, TEXT.fitting);
  const generation = ++ctl.generation;
  clearTimeout(ctl.fitTimer);
  ctl.fitTimer = setTimeout(() => fit(ctl, generation), 200);
}

function edited(state) {
  return Boolean(state.turns || state.orientation !== 1 || hasCrop(state.crop));
}

async function fit(ctl, generation) {
  const state = ctl.state;
  const isStale = () => generation !== ctl.generation || ctl.state !== state;
  const name = state.file.name || "photo.jpg";
  const { naturalWidth: width, naturalHeight: height } = state.img;
  // A JPEG or PNG that already fits and needs no turning is sent as it is: no second
  // generation of JPEG loss. The server strips its metadata either way.
  if (!edited(state) && state.file.size <= LIMITS.maxBytes && (state.kind === "jpeg" || state.kind === "png") && /\.(jpe?g|png)$/i.test(name)) {
    const ok = checkSize(ctl, width, height);
    state.result = { blob: state.file, name, width, height };
    if (ok) say(ctl, fmt(TEXT.original, { size: kb(state.file.size), w: width, h: height }), "ok");
    return ready(ctl);
  }
  const box = stateCropBox(state);
  if (!checkSize(ctl, box.w, box.h)) return;
  let result;
  try {
    result = await fitToLimit({
      box,
      limits: LIMITS,
      draw: (scale) => render(state, scale, true),
      encode: toJpeg,
      release,
      isStale,
    });
  } catch (e) {
    if (!isStale()) say(ctl, TEXT.cannotFit, "error");
    return;
  }
  if (!result || isStale()) return;
  if (!checkSize(ctl, result.width, result.height)) return;
  result.name = name.replace(/\.[^.]*$/, "") + ".jpg";
  state.result = result;
  say(ctl, fmt(TEXT.fitted, {
    size: kb(result.blob.size), w: result.width, h: result.height,
    q: Math.round(result.quality * 100), orig: kb(state.file.size),
  }), "ok");
  ready(ctl);
}

function checkSize(ctl, w, h) {
  if (largeEnough(w, h, LIMITS)) return true;
  say(ctl, hasCrop(ctl.state.crop) ? fmt(TEXT.cropTooSmall, { w, h }) : MESSAGES.RESOLUTION_TOO_LOW, "error");
  return false;
}

function ready(ctl) {
  const button = ctl.panel.querySelector("[data-action=upload]");
  button.disabled = false;
  button.classList.add("is-ready");
}
