// The upload script's reading of a picked file (medexam/static/medexam/upload/read.js).

import assert from "node:assert/strict";
import { test } from "node:test";

import { exifOrientation, jpegInfo, readHead, sniff } from "../../medexam/static/medexam/upload/read.js";
import { cut, jpeg } from "./jpeg.js";

for (const orientation of [1, 2, 3, 4, 5, 6, 7, 8]) {
  for (const little of [false, true]) {
    test(`EXIF orientation ${orientation} is read (${little ? "Intel" : "Motorola"} byte order)`, () => {
      assert.deepEqual(jpegInfo(jpeg({ orientation, little })), { orientation, width: 4032, height: 3024 });
    });
  }
}

test("a JPEG without EXIF is upright, with its stored size", () => {
  assert.deepEqual(jpegInfo(jpeg({ width: 1200, height: 1600 })), { orientation: 1, width: 1200, height: 1600 });
});

test("an orientation outside 1..8 counts as upright", () => {
  assert.deepEqual(jpegInfo(jpeg({ exifTags: [[0x0112, 9]] })).orientation, 1);
  assert.deepEqual(jpegInfo(jpeg({ exifTags: [[0x0112, 0]] })).orientation, 1);
});

test("EXIF without an orientation tag counts as upright", () => {
  assert.equal(jpegInfo(jpeg({ exifTags: [[0x010f, 1], [0x0110, 2]] })).orientation, 1);
});

test("a header cut anywhere never throws and never invents an orientation or size", () => {
  const whole = jpeg({ orientation: 6 });
  for (let length = 0; length < whole.byteLength; length++) {
    const info = jpegInfo(cut(whole, length));
    assert.ok([1, 6].includes(info.orientation), `orientation at ${length} bytes`);
    assert.ok((info.width === 0 && info.height === 0) || (info.width === 4032 && info.height === 3024), `size at ${length} bytes`);
  }
});

test("a header cut inside the EXIF block loses the orientation, not the page", () => {
  const whole = jpeg({ orientation: 8 });
  assert.deepEqual(jpegInfo(cut(whole, 40)), { orientation: 1, width: 0, height: 0 });
});

test("an EXIF IFD pointing past the end reads as no orientation", () => {
  const view = new DataView(new Uint8Array([0x4d, 0x4d, 0, 42, 0x7f, 0, 0, 0]).buffer);
  assert.equal(exifOrientation(view, 0), 0);
});

test("sniffing tells JPEG, PNG, HEIC and anything else by content", () => {
  const bytes = (list) => new DataView(new Uint8Array(list).buffer);
  assert.equal(sniff(jpeg()), "jpeg");
  assert.equal(sniff(bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0])), "png");
  const heic = [0, 0, 0, 24, ..."ftypheic".split("").map((c) => c.charCodeAt(0))];
  assert.equal(sniff(bytes(heic)), "heic");
  assert.equal(sniff(bytes([0x47, 0x49, 0x46, 0x38, 0x39, 0x61])), "other"); // GIF89a
  assert.equal(sniff(bytes([])), "other");
});

test("readHead gives the first bytes of a Blob, and an empty view for an unreadable one", async () => {
  const head = await readHead(new Blob([new Uint8Array([1, 2, 3, 4, 5])]), 3);
  assert.deepEqual([...new Uint8Array(head.buffer)], [1, 2, 3]);
  const broken = { slice: () => ({ arrayBuffer: () => Promise.reject(new Error("gone")) }) };
  assert.equal((await readHead(broken, 10)).byteLength, 0);
});
