// The size search (medexam/static/medexam/upload/fit.js) against an encoder model: JPEG bytes
// grow with the pixel count and steeply with quality, a little differently per picture.

import assert from "node:assert/strict";
import { test } from "node:test";

import { Q_MAX, Q_MIN, fitToLimit } from "../../medexam/static/medexam/upload/fit.js";

const LIMITS = { maxBytes: 204800, maxPixels: 16e6 };

function model(detail) {
  // bytes per pixel at quality q: ~0.1 at 0.6 up to ~0.6 at 0.92 for an average document
  return (canvas, q) => Promise.resolve({ size: Math.round(canvas.width * canvas.height * detail * (0.02 + 1.5 * q ** 6)) });
}

function drawer(box) {
  const drawn = [];
  const draw = (scale) => {
    const canvas = { width: Math.max(1, Math.round(box.w * scale)), height: Math.max(1, Math.round(box.h * scale)) };
    drawn.push(canvas);
    return canvas;
  };
  return { draw, drawn };
}

const BOXES = [
  { w: 640, h: 480 }, { w: 1200, h: 1600 }, { w: 3024, h: 4032 }, { w: 4000, h: 3000 },
  { w: 8000, h: 6000 }, { w: 1000, h: 3900 }, { w: 6000, h: 900 },
];

for (const box of BOXES) {
  for (const detail of [0.3, 1, 2.5]) {
    test(`a ${box.w}x${box.h} picture of detail ${detail} lands at or under 204,800 bytes`, async () => {
      const { draw } = drawer(box);
      const result = await fitToLimit({ box, limits: LIMITS, draw, encode: model(detail) });
      assert.ok(result.blob.size <= 204800, `${result.blob.size} bytes`);
      assert.ok(result.quality >= Q_MIN && result.quality <= Q_MAX);
      assert.ok(result.width * result.height <= LIMITS.maxPixels);
      assert.ok(Math.max(result.width, result.height) <= 4096);
      // Not needlessly small: 30 % more pixels at the lowest quality would not fit.
      const bigger = await model(detail)({ width: result.width * 1.15, height: result.height * 1.15 }, Q_MIN);
      assert.ok(result.quality > Q_MIN || bigger.size > 204800 || result.width === box.w, "shrunk too far");
    });
  }
}

test("a picture that fits at the best quality is sent at full size and quality 0.92", async () => {
  const box = { w: 800, h: 600 };
  const { draw, drawn } = drawer(box);
  const result = await fitToLimit({ box, limits: LIMITS, draw, encode: model(0.3) });
  assert.deepEqual([result.width, result.height, result.quality], [800, 600, Q_MAX]);
  assert.equal(drawn.length, 1);
});

test("between the two qualities the search keeps the best that fits", async () => {
  const box = { w: 1000, h: 1000 };
  const { draw } = drawer(box);
  const result = await fitToLimit({ box, limits: LIMITS, draw, encode: model(1) });
  assert.ok(result.quality > Q_MIN && result.quality < Q_MAX);
  const next = await model(1)({ width: result.width, height: result.height }, result.quality + (Q_MAX - Q_MIN) / 32);
  assert.ok(next.size > 204800, "a better quality would also have fitted");
});

test("every canvas drawn is released, fitted or not", async () => {
  const box = { w: 8000, h: 6000 };
  const { draw, drawn } = drawer(box);
  const released = [];
  await fitToLimit({ box, limits: LIMITS, draw, encode: model(2.5), release: (c) => released.push(c) });
  assert.equal(released.length, drawn.length);
});

test("a picture that cannot fit even small is refused, not sent over the limit", async () => {
  const box = { w: 2000, h: 2000 };
  const { draw } = drawer(box);
  const always = () => Promise.resolve({ size: 300000 });
  await assert.rejects(fitToLimit({ box, limits: LIMITS, draw, encode: always }), /cannot-fit/);
});

test("a search overtaken by a new turn or crop stops and answers nothing", async () => {
  const box = { w: 4000, h: 3000 };
  const { draw } = drawer(box);
  let calls = 0;
  const stale = () => ++calls > 1;
  assert.equal(await fitToLimit({ box, limits: LIMITS, draw, encode: model(1), isStale: stale }), null);
});
