/* Drawing the picture onto canvases: upright, turned, cropped, scaled (geometry.js decides how). */

import { compose, cropBox, pictureTransform, turnedSize } from "./geometry.js";

/** The turned picture's size for a panel state. */
export function stateSize(state) {
  return turnedSize(state.img.naturalWidth, state.img.naturalHeight, state.manualOrientation, state.turns);
}

export function stateCropBox(state) {
  return cropBox(stateSize(state), state.crop);
}

/** Draw the image (oriented, turned, optionally cropped) at `scale` onto a new canvas. */
export function render(state, scale, crop) {
  const size = stateSize(state);
  const box = crop ? cropBox(size, state.crop) : { x: 0, y: 0, w: size.w, h: size.h };
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(box.w * scale));
  canvas.height = Math.max(1, Math.round(box.h * scale));
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff"; // a transparent PNG becomes JPEG on white, as on the server
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  const place = [scale, 0, 0, scale, -box.x * scale, -box.y * scale];
  const picture = pictureTransform(state.img.naturalWidth, state.img.naturalHeight, state.manualOrientation, state.turns);
  ctx.setTransform(...compose(place, picture));
  ctx.drawImage(state.img, 0, 0);
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  return canvas;
}

/** Phones (iOS above all) hold a canvas's memory until its size is set to zero. */
export function release(canvas) {
  canvas.width = 0;
  canvas.height = 0;
}

export function toJpeg(canvas, quality) {
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("encode"))), "image/jpeg", quality);
  });
}

/** Decode a file into an <img> (its object URL is the caller's to revoke). */
export function decode(file) {
  return new Promise((resolve, reject) => {
    const url = URL.createObjectURL(file);
    const img = new Image();
    img.onload = () => resolve({ img, url });
    img.onerror = () => { URL.revokeObjectURL(url); reject(new Error("decode")); };
    img.src = url;
  });
}

/**
 * Does the browser already apply the EXIF orientation when it draws this image?
 * Current browsers do (CSS image-orientation: from-image is the default) and offer no way
 * to get the raw pixels, so older ones are the only case to handle; for a swapping
 * orientation the decoded size tells for certain. (Mirrored tags 2/4/5/7 do not come from
 * phone cameras; Chromium 156 was seen to ignore tag 2 and honour the others.)
 */
export function browserRotates(info, img) {
  if (info.orientation >= 5 && info.width && info.width !== info.height) {
    return img.naturalWidth === info.height && img.naturalHeight === info.width;
  }
  return Boolean(window.CSS && CSS.supports && CSS.supports("image-orientation", "from-image"));
}
