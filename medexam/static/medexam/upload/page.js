/*
 * Candidate materials page: fit a photo to the size limit in the browser, then upload it
 * with progress and automatic retry. The page's entry module (<script type="module">).
 *
 * Plain canvas code, no library and no build step. The page works without this script (the
 * plain forms post and redirect); the server checks every upload again whatever we send.
 * All user-facing text comes from the page (config.js), so the messages for files we refuse
 * here are the intake's own words and the limits are the intake's own numbers.
 */

import { LIMITS, MESSAGES, PANEL, TEXT, fmt } from "./config.js";
import { closePanel, refuse, say, setBusy } from "./controls.js";
import { browserRotates, decode } from "./draw.js";
import { NO_CROP } from "./geometry.js";
import { openPanel } from "./panel.js";
import { jpegInfo, readHead, sniff } from "./read.js";
import { newKey, send, withRetries } from "./send.js";
import { announce, enhanceConfirm, enhanceDelete, refresh } from "./sync.js";
import { uploadBatch } from "./batch.js";

const HEAD_BYTES = 256 * 1024; // enough for any EXIF block before the frame header

// --- one upload form ---------------------------------------------------------------------

function enhance(form) {
  if (form.dataset.enhanced) return;
  form.dataset.enhanced = "1";
  form.classList.add("is-enhanced");
  const input = form.querySelector("input[type=file]");
  const label = form.querySelector(".file-label");
  const labelText = form.querySelector(".file-label-text");
  input.removeAttribute("required");
  const ctl = { form, status: null, state: null, panel: null, generation: 0 };

  // Two ways in: the camera (capture opens it directly on phones) and the photo library
  // or file system. One input cannot offer both (on Android capture skips the gallery), and
  // the form keeps a single file input: the camera button borrows one shared input.
  const camera = document.createElement("button");
  camera.type = "button";
  camera.className = "button pick-camera";
  camera.textContent = form.dataset.slotLabel ? fmt(TEXT.takePhotoSlot, { slot: form.dataset.slotLabel }) : TEXT.takePhoto;
  camera.addEventListener("click", () => {
    const shared = cameraInput();
    shared._target = ctl;
    shared.click();
  });
  label.parentNode.insertBefore(camera, label);
  label.classList.add("pick-file");
  if (labelText) labelText.textContent = input.multiple ? TEXT.chooseFiles : TEXT.chooseFile;
  const plain = form.querySelector(".plain-submit");
  if (plain) plain.remove();

  const hint = document.createElement("p");
  hint.className = "drop-hint";
  hint.textContent = TEXT.dropHint;
  form.appendChild(hint);

  const status = document.createElement("p");
  status.className = "upload-status";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  form.appendChild(status);
  ctl.status = status;

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    upload(ctl);
  });
  input.addEventListener("change", () => {
    const files = Array.from(input.files || []);
    input.value = ""; // picking the same file again must fire change again
    if (files.length > 1) batch(ctl, files);
    else if (files.length) start(ctl, files[0]);
  });

  form.addEventListener("dragover", (event) => {
    if (!event.dataTransfer || ctl.busy) return;
    event.preventDefault();
    form.classList.add("is-dragover");
    hint.textContent = TEXT.dropHere;
  });
  form.addEventListener("dragleave", () => {
    form.classList.remove("is-dragover");
    hint.textContent = TEXT.dropHint;
  });
  form.addEventListener("drop", (event) => {
    event.preventDefault();
    form.classList.remove("is-dragover");
    hint.textContent = TEXT.dropHint;
    const files = Array.from((event.dataTransfer && event.dataTransfer.files) || []);
    if (ctl.busy || !files.length) return;
    if (files.length > 1 && input.multiple) batch(ctl, files);
    else start(ctl, files[0]);
  });
}

let sharedCamera = null;

function cameraInput() {
  if (sharedCamera) return sharedCamera;
  sharedCamera = document.createElement("input");
  sharedCamera.type = "file";
  sharedCamera.accept = "image/*";
  sharedCamera.setAttribute("capture", "environment");
  sharedCamera.className = "visually-hidden";
  sharedCamera.tabIndex = -1;
  sharedCamera.setAttribute("aria-hidden", "true");
  sharedCamera.addEventListener("change", () => {
    const file = sharedCamera.files && sharedCamera.files[0];
    const target = sharedCamera._target;
    sharedCamera.value = "";
    if (file && target) start(target, file);
  });
  document.body.appendChild(sharedCamera);
  return sharedCamera;
}

async function start(ctl, file) {
  closePanel(ctl);
  setBusy(ctl, true);
  say(ctl, TEXT.reading);
  const generation = ctl.generation;
  const head = await readHead(file, HEAD_BYTES);
  const kind = sniff(head);
  if (!file.size) return refuse(ctl, MESSAGES.EMPTY_FILE);
  let decoded;
  try {
    decoded = await decode(file);
  } catch (e) {
    if (generation !== ctl.generation) return;
    // The same words as the server's refusal for this file.
    if (kind === "heic") return refuse(ctl, MESSAGES.UNSUPPORTED_FORMAT_HEIC);
    if (kind === "jpeg" || kind === "png") return refuse(ctl, MESSAGES.CORRUPT_IMAGE);
    return refuse(ctl, file.type.indexOf("image/") === 0 ? MESSAGES.UNSUPPORTED_FORMAT : MESSAGES.NOT_AN_IMAGE);
  }
  if (generation !== ctl.generation) { URL.revokeObjectURL(decoded.url); return; }
  const info = kind === "jpeg" ? jpegInfo(head) : { orientation: 1, width: 0, height: 0 };
  ctl.state = {
    file,
    kind,
    img: decoded.img,
    url: decoded.url,
    orientation: info.orientation,
    manualOrientation: browserRotates(info, decoded.img) ? 1 : info.orientation,
    turns: 0,
    crop: { ...NO_CROP },
    result: null,
    key: null,
  };
  openPanel(ctl, () => {
    closePanel(ctl);
    const picker = ctl.form.querySelector(".pick-file input");
    if (picker) picker.focus();
  });
}

/** Several files from one pick: each fitted and uploaded with its own row and progress. */
async function batch(ctl, files) {
  closePanel(ctl);
  setBusy(ctl, true);
  ctl.status.textContent = "";
  const free = Number(ctl.form.dataset.free || files.length);
  const { ok, failed } = await uploadBatch(ctl.form, files, { free });
  setBusy(ctl, false);
  const itemCode = ctl.form.dataset.item;
  await refresh(itemCode, wire);
  announce(itemCode, fmt(failed ? TEXT.batchSummaryFailed : TEXT.batchSummary, { ok, failed }), failed ? "warn" : "ok");
  document.dispatchEvent(new Event("upload:done"));
}

// --- sending -------------------------------------------------------------------------------

async function upload(ctl) {
  const state = ctl.state;
  if (!state || !state.result || ctl.uploading) return;
  // One key per picture: every retry of it (automatic or by the button) is the same
  // upload to the server, which answers a repeat with the first image, never a second.
  if (!state.key) state.key = newKey();
  ctl.uploading = true;
  ctl.form.classList.add("is-uploading");
  const panel = ctl.panel;
  const button = panel.querySelector("[data-action=upload]");
  const progress = panel.querySelector(".upload-progress");
  button.disabled = true;
  progress.hidden = false;
  progress.value = 0;
  const response = await withRetries(
    () => {
      say(ctl, fmt(TEXT.uploading, { p: 0 }));
      let said = 0;
      return send(ctl.form, state.result, state.key, (p) => {
        progress.value = p;
        // The text is a live region: a few steps, not every percent, for screen readers.
        if (p - said >= 25 || (p === 100 && said !== 100)) {
          said = p;
          say(ctl, fmt(TEXT.uploading, { p }));
        }
      });
    },
    {
      // A 503 from the server (its database, cache or storage failed over) is said as such:
      // the network is fine, and the same key makes the retry safe.
      onRetry: (delay, n, answer) => {
        const busy = answer && answer.status === 503 && TEXT.retryingBusy;
        say(ctl, fmt(busy || TEXT.retrying, { s: delay / 1000, n }), "error");
      },
    },
  );
  ctl.uploading = false;
  ctl.form.classList.remove("is-uploading");
  progress.hidden = true;
  if (response && response.body && response.body.ok) {
    const image = response.body.image;
    const warning = image.warnings && image.warnings.length ? image.warnings[0].message : "";
    const itemCode = ctl.form.dataset.item;
    closePanel(ctl);
    await refresh(itemCode, wire);
    announce(itemCode, warning ? fmt(TEXT.uploadedWarn, { msg: warning }) : TEXT.uploaded, warning ? "warn" : "ok");
    document.dispatchEvent(new Event("upload:done"));
    return;
  }
  // Failed: keep the fitted picture and its key, so "retry" sends the same upload.
  button.disabled = false;
  button.textContent = TEXT.retry;
  if (!response) say(ctl, TEXT.failedNetwork, "error");
  else if (response.loggedOut) say(ctl, TEXT.loggedOut, "error");
  else if (response.body && response.body.message) say(ctl, response.body.message, "error");
  else say(ctl, fmt(TEXT.failedServer, { status: response.status }), "error");
  ctl.form.classList.add("has-failed");
}

/** Enhance every form in `root` (the page, or a part the server rendered afresh). */
function wire(root) {
  if (root.matches && root.matches("form.upload-form")) enhance(root);
  root.querySelectorAll("form.upload-form").forEach(enhance);
  root.querySelectorAll("form.delete-form").forEach((form) => enhanceDelete(form, wire));
  root.querySelectorAll("form[action$='/confirm/']").forEach((form) => enhanceConfirm(form, wire));
}

/**
 * The machine pre-check reads an image on a worker seconds after its upload. While an item
 * says "正在自动核对", its part of the page is fetched again every few seconds, so what the
 * pre-check found appears without a reload (at most PRECHECK_POLLS times per page view: a
 * stopped worker must not make the page poll forever).
 */
const PRECHECK_POLL_MS = 2500;
const PRECHECK_POLLS = 48;
let prechecksPolled = 0;
let precheckTimer = null;

function watchPrechecks() {
  if (precheckTimer) return;
  precheckTimer = setTimeout(async () => {
    precheckTimer = null;
    const items = new Set();
    document.querySelectorAll("[data-precheck-pending]").forEach((el) => {
      const article = el.closest("article.item");
      if (article) items.add(article.id.replace(/^item-/, ""));
    });
    if (!items.size || prechecksPolled >= PRECHECK_POLLS) return;
    prechecksPolled += 1;
    for (const itemCode of items) await refresh(itemCode, wire);
    watchPrechecks();
  }, PRECHECK_POLL_MS);
}

if (TEXT && MESSAGES && LIMITS && PANEL && window.HTMLCanvasElement && window.FormData) {
  document.documentElement.classList.add("js-upload");
  wire(document);
  watchPrechecks();
  // A new upload may start a pre-check: watch again once its part of the page is back.
  document.addEventListener("upload:done", () => {
    prechecksPolled = 0;
    watchPrechecks();
  });
}
