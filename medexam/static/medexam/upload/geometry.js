/*
 * Geometry of the fit panel: the picture's size after its EXIF orientation and the
 * candidate's quarter turns, the crop box, and the 2-D transforms that draw it upright.
 * Pure functions (no DOM): unit-tested with node --test.
 *
 * A transform is [a, b, c, d, e, f] as canvas' setTransform takes it: a point (x, y) goes
 * to (a x + c y + e, b x + d y + f).
 */

/** The transform that draws a w x h picture stored with EXIF `orientation` upright. */
export function exifTransform(orientation, w, h) {
  switch (orientation) {
    case 2: return [-1, 0, 0, 1, w, 0]; // mirrored
    case 3: return [-1, 0, 0, -1, w, h]; // upside down
    case 4: return [1, 0, 0, -1, 0, h]; // mirrored upside down
    case 5: return [0, 1, 1, 0, 0, 0]; // mirrored, turned
    case 6: return [0, 1, -1, 0, h, 0]; // turned right
    case 7: return [0, -1, -1, 0, h, w]; // mirrored, turned the other way
    case 8: return [0, -1, 1, 0, 0, w]; // turned left
    default: return [1, 0, 0, 1, 0, 0];
  }
}

/** The transform of `turns` quarter turns clockwise of an upright uw x uh picture. */
export function turnTransform(turns, uw, uh) {
  switch (turns % 4) {
    case 1: return [0, 1, -1, 0, uh, 0];
    case 2: return [-1, 0, 0, -1, uw, uh];
    case 3: return [0, -1, 1, 0, 0, uw];
    default: return [1, 0, 0, 1, 0, 0];
  }
}

/** m1 after m2: the transform applying m2 first, then m1 (as canvas' transform() composes). */
export function compose(m1, m2) {
  const [a1, b1, c1, d1, e1, f1] = m1;
  const [a2, b2, c2, d2, e2, f2] = m2;
  return [
    a1 * a2 + c1 * b2, b1 * a2 + d1 * b2,
    a1 * c2 + c1 * d2, b1 * c2 + d1 * d2,
    a1 * e2 + c1 * f2 + e1, b1 * e2 + d1 * f2 + f1,
  ];
}

export function apply(m, x, y) {
  return [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]];
}

/**
 * Size of the picture after its orientation (applied by us: `orientation`, 1 when the browser
 * applied it already) and the candidate's quarter turns. `uw` x `uh`: the upright size.
 */
export function turnedSize(width, height, orientation, turns) {
  let uw = width, uh = height;
  if (orientation >= 5) { uw = height; uh = width; }
  return turns % 2 ? { w: uh, h: uw, uw, uh } : { w: uw, h: uh, uw, uh };
}

/** The whole transform from the stored pixels to the turned, upright picture. */
export function pictureTransform(width, height, orientation, turns) {
  const size = turnedSize(width, height, orientation, turns);
  return compose(turnTransform(turns, size.uw, size.uh), exifTransform(orientation, width, height));
}

export const NO_CROP = Object.freeze({ left: 0, right: 0, top: 0, bottom: 0 });

/** Never let the crop invert or vanish: at most 90 % of a side goes. */
export function clampCrop(crop) {
  const c = { ...crop };
  if (c.left + c.right > 0.9) c.right = 0.9 - c.left;
  if (c.top + c.bottom > 0.9) c.bottom = 0.9 - c.top;
  return c;
}

export function hasCrop(crop) {
  return Boolean(crop.left || crop.right || crop.top || crop.bottom);
}

/** The crop box in pixels of the turned picture (`size`: from turnedSize). */
export function cropBox(size, crop) {
  return {
    x: Math.round(crop.left * size.w),
    y: Math.round(crop.top * size.h),
    w: Math.max(1, Math.round((1 - crop.left - crop.right) * size.w)),
    h: Math.max(1, Math.round((1 - crop.top - crop.bottom) * size.h)),
  };
}

/** Whether a w x h picture is large enough to read (the server's limits, from the page). */
export function largeEnough(w, h, limits) {
  return Math.min(w, h) >= limits.minShortSide && Math.max(w, h) >= limits.minLongSide;
}
