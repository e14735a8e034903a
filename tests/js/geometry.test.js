// The fit panel's geometry (medexam/static/medexam/upload/geometry.js): upright pictures for
// every EXIF orientation, quarter turns, and crop boxes after turning.

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  apply, clampCrop, cropBox, exifTransform, largeEnough, pictureTransform, turnedSize,
} from "../../medexam/static/medexam/upload/geometry.js";

// Where the stored picture's corners must show once upright, per the EXIF specification's
// meaning of each value (W x H stored; the upright picture is H x W for 5..8).
const W = 40, H = 30;
const UPRIGHT_CORNERS = {
  // stored:  top-left, top-right, bottom-left
  1: [[0, 0], [W, 0], [0, H]],
  2: [[W, 0], [0, 0], [W, H]], // mirrored left-right
  3: [[W, H], [0, H], [W, 0]], // turned 180 degrees
  4: [[0, H], [W, H], [0, 0]], // mirrored top-bottom
  5: [[0, 0], [0, W], [H, 0]], // transposed
  6: [[H, 0], [H, W], [0, 0]], // stored turned left: shown turned right
  7: [[H, W], [H, 0], [0, W]], // transversed
  8: [[0, W], [0, 0], [H, W]], // stored turned right: shown turned left
};

for (const [orientation, corners] of Object.entries(UPRIGHT_CORNERS)) {
  test(`EXIF orientation ${orientation} draws the stored picture upright`, () => {
    const m = exifTransform(Number(orientation), W, H);
    assert.deepEqual([apply(m, 0, 0), apply(m, W, 0), apply(m, 0, H)], corners);
  });
}

test("orientations 5 to 8 swap the picture's sides, 1 to 4 keep them", () => {
  for (let o = 1; o <= 8; o++) {
    const size = turnedSize(W, H, o, 0);
    assert.deepEqual([size.w, size.h], o >= 5 ? [H, W] : [W, H], `orientation ${o}`);
  }
});

test("every orientation and quarter turn maps the stored picture exactly onto the turned one", () => {
  for (let o = 1; o <= 8; o++) {
    for (let turns = 0; turns < 4; turns++) {
      const size = turnedSize(W, H, o, turns);
      const m = pictureTransform(W, H, o, turns);
      const corners = [[0, 0], [W, 0], [0, H], [W, H]].map(([x, y]) => apply(m, x, y));
      const xs = corners.map((p) => p[0]).sort((a, b) => a - b);
      const ys = corners.map((p) => p[1]).sort((a, b) => a - b);
      assert.deepEqual([xs[0], xs[3], ys[0], ys[3]], [0, size.w, 0, size.h], `orientation ${o}, ${turns} turns`);
    }
  }
});

test("a quarter turn right puts the upright picture's top-left at the top-right", () => {
  const m = pictureTransform(W, H, 1, 1);
  assert.deepEqual(apply(m, 0, 0), [H, 0]);
  assert.deepEqual(apply(m, 0, H), [0, 0]);
});

test("the crop box is taken from the turned picture", () => {
  const crop = { left: 0.1, right: 0.2, top: 0.05, bottom: 0 };
  assert.deepEqual(cropBox(turnedSize(4000, 3000, 1, 0), crop), { x: 400, y: 150, w: 2800, h: 2850 });
  assert.deepEqual(cropBox(turnedSize(4000, 3000, 1, 1), crop), { x: 300, y: 200, w: 2100, h: 3800 });
  assert.deepEqual(cropBox(turnedSize(4000, 3000, 6, 0), crop), { x: 300, y: 200, w: 2100, h: 3800 });
  assert.deepEqual(cropBox(turnedSize(4000, 3000, 6, 1), crop), { x: 400, y: 150, w: 2800, h: 2850 });
});

test("a crop box always lies inside the turned picture", () => {
  for (const turns of [0, 1, 2, 3]) {
    const size = turnedSize(3024, 4032, 6, turns);
    for (const crop of [{ left: 0, right: 0, top: 0, bottom: 0 }, { left: 0.45, right: 0.45, top: 0.3, bottom: 0.6 }]) {
      const box = cropBox(size, clampCrop(crop));
      assert.ok(box.x >= 0 && box.y >= 0 && box.w >= 1 && box.h >= 1);
      assert.ok(box.x + box.w <= size.w && box.y + box.h <= size.h, JSON.stringify({ turns, box, size }));
    }
  }
});

test("overlapping crop sliders never invert or empty the picture", () => {
  assert.deepEqual(clampCrop({ left: 0.45, right: 0.6, top: 0.5, bottom: 0.5 }), { left: 0.45, right: 0.45, top: 0.5, bottom: 0.4 });
});

test("the minimum size is the server's, from the page", () => {
  const limits = { minShortSide: 400, minLongSide: 600 };
  assert.equal(largeEnough(400, 600, limits), true);
  assert.equal(largeEnough(600, 400, limits), true);
  assert.equal(largeEnough(399, 600, limits), false);
  assert.equal(largeEnough(500, 599, limits), false);
});
