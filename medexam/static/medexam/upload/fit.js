/*
 * The size search: the largest picture whose JPEG at quality >= Q_MIN fits the limit, at the
 * best quality that fits. Resize only as much as needed, then spend the remaining bytes on
 * quality. No DOM here: drawing and encoding come in as functions, so the search is
 * unit-tested with node --test against an encoder model.
 */

export const Q_MAX = 0.92; // above this JPEG grows fast for no visible gain
export const Q_MIN = 0.6; // below this small print on documents starts to smear: shrink instead
export const MAX_CANVAS_SIDE = 4096; // phones refuse larger canvases
const ATTEMPTS = 12;
const QUALITY_STEPS = 5;

/** The first scale to try for a w x h box: at most full size, the pixel ceiling, the canvas limit. */
export function startScale(box, limits) {
  return Math.min(1, Math.sqrt(limits.maxPixels / (box.w * box.h)), MAX_CANVAS_SIDE / Math.max(box.w, box.h));
}

/**
 * @param box      {w, h}: the crop box in pixels
 * @param limits   {maxBytes, maxPixels}: from the page (the server's intake limits)
 * @param draw     scale -> canvas (anything with width and height)
 * @param encode   (canvas, quality) -> Promise of a Blob (anything with size)
 * @param release  canvas -> nothing: frees its memory (phones hold it otherwise)
 * @param isStale  () -> bool: the candidate changed the picture meanwhile; stop (resolves null)
 * @returns {blob, quality, width, height}; rejects with Error("cannot-fit")
 */
export async function fitToLimit({ box, limits, draw, encode, release = () => {}, isStale = () => false }) {
  let scale = startScale(box, limits);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const canvas = draw(scale);
    const low = await encode(canvas, Q_MIN);
    if (isStale()) { release(canvas); return null; }
    if (low.size > limits.maxBytes) {
      // Bytes grow about linearly with the pixel count: aim just under the limit.
      scale *= Math.min(0.92, Math.sqrt(limits.maxBytes / low.size) * 0.97);
      release(canvas);
      continue;
    }
    let best = { blob: low, quality: Q_MIN };
    const high = await encode(canvas, Q_MAX);
    if (high.size <= limits.maxBytes) {
      best = { blob: high, quality: Q_MAX };
    } else {
      let lo = Q_MIN, hi = Q_MAX;
      for (let i = 0; i < QUALITY_STEPS; i++) {
        const mid = (lo + hi) / 2;
        const blob = await encode(canvas, mid);
        if (isStale()) { release(canvas); return null; }
        if (blob.size <= limits.maxBytes) { best = { blob, quality: mid }; lo = mid; } else { hi = mid; }
      }
    }
    best.width = canvas.width;
    best.height = canvas.height;
    release(canvas);
    return best;
  }
  throw new Error("cannot-fit");
}
