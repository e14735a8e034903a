/*
 * Several files in one pick (an item that takes several images): each is turned upright,
 * fitted under the size limit and uploaded in turn, with its own row, progress and outcome.
 * No crop panel here (one per picture would be a long walk on a phone): the candidate can
 * still replace any single image afterwards with the panel.
 */

import { LIMITS, MESSAGES, TEXT, fmt, kb } from "./config.js";
import { browserRotates, decode, release, render, stateCropBox, toJpeg } from "./draw.js";
import { fitToLimit } from "./fit.js";
import { NO_CROP, largeEnough } from "./geometry.js";
import { jpegInfo, readHead, sniff } from "./read.js";
import { newKey, send, withRetries } from "./send.js";

const HEAD_BYTES = 256 * 1024;

/** The picture of `file` as it will be sent: {blob, name, width, height}, or throws {message}. */
export async function fitFile(file) {
  if (!file.size) throw { message: MESSAGES.EMPTY_FILE };
  const head = await readHead(file, HEAD_BYTES);
  const kind = sniff(head);
  let decoded;
  try {
    decoded = await decode(file);
  } catch (e) {
    if (kind === "heic") throw { message: MESSAGES.UNSUPPORTED_FORMAT_HEIC };
    if (kind === "jpeg" || kind === "png") throw { message: MESSAGES.CORRUPT_IMAGE };
    throw { message: file.type.indexOf("image/") === 0 ? MESSAGES.UNSUPPORTED_FORMAT : MESSAGES.NOT_AN_IMAGE };
  }
  try {
    const info = kind === "jpeg" ? jpegInfo(head) : { orientation: 1 };
    const state = {
      img: decoded.img,
      orientation: info.orientation,
      manualOrientation: browserRotates(info, decoded.img) ? 1 : info.orientation,
      turns: 0,
      crop: { ...NO_CROP },
    };
    const name = file.name || "photo.jpg";
    const { naturalWidth: width, naturalHeight: height } = decoded.img;
    if (!largeEnough(width, height, LIMITS)) throw { message: MESSAGES.RESOLUTION_TOO_LOW };
    if (state.orientation === 1 && file.size <= LIMITS.maxBytes && (kind === "jpeg" || kind === "png")) {
      return { blob: file, name, width, height };
    }
    let result;
    try {
      result = await fitToLimit({
        box: stateCropBox(state), limits: LIMITS, draw: (scale) => render(state, scale, true), encode: toJpeg, release,
      });
    } catch (e) {
      throw { message: TEXT.cannotFit };
    }
    result.name = name.replace(/\.[^.]*$/, "") + ".jpg";
    return result;
  } finally {
    URL.revokeObjectURL(decoded.url);
  }
}

function row(list, file) {
  const li = document.createElement("li");
  li.className = "batch-row";
  const name = document.createElement("span");
  name.className = "batch-name";
  name.textContent = file.name || TEXT.batchUnnamed;
  const progress = document.createElement("progress");
  progress.max = 100;
  progress.value = 0;
  progress.setAttribute("aria-label", fmt(TEXT.batchProgress, { name: file.name || "" }));
  const status = document.createElement("span");
  status.className = "batch-status";
  status.setAttribute("role", "status");
  li.append(name, progress, status);
  list.appendChild(li);
  return { li, progress, status };
}

/**
 * Upload `files` into the form's item, one after the other. At most the free places are
 * sent; the rest are told why not. Resolves {ok, failed}.
 */
export async function uploadBatch(form, files, { free }) {
  let list = form.querySelector(".batch-list");
  if (!list) {
    list = document.createElement("ul");
    list.className = "batch-list";
    form.appendChild(list);
  }
  list.replaceChildren();
  const rows = files.map((file) => row(list, file));
  let ok = 0, failed = 0;
  for (let i = 0; i < files.length; i++) {
    const r = rows[i];
    if (i >= free) {
      r.status.textContent = TEXT.batchTooMany;
      r.li.classList.add("is-error");
      failed++;
      continue;
    }
    r.status.textContent = TEXT.fitting;
    let result;
    try {
      result = await fitFile(files[i]);
    } catch (e) {
      r.status.textContent = fmt(TEXT.batchFailed, { msg: e.message || TEXT.cannotFit });
      r.li.classList.add("is-error");
      failed++;
      continue;
    }
    const key = newKey();
    const response = await withRetries(() => send(form, result, key, (p) => { r.progress.value = p; }));
    if (response && response.body && response.body.ok) {
      r.progress.value = 100;
      r.status.textContent = fmt(TEXT.batchDone, { size: kb(result.blob.size) });
      r.li.classList.add("is-done");
      ok++;
    } else {
      const msg = response && response.body && response.body.message ? response.body.message : TEXT.failedNetwork;
      r.status.textContent = fmt(TEXT.batchFailed, { msg });
      r.li.classList.add("is-error");
      failed++;
    }
  }
  return { ok, failed };
}
