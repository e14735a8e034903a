// Builders of JPEG headers for the tests (only the segments the reader looks at).

export function u16(n, little = false) {
  return little ? [n & 0xff, n >> 8] : [n >> 8, n & 0xff];
}

function u32(n, little) {
  const big = [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  return little ? big.reverse() : big;
}

/** An APP1 Exif segment whose first IFD holds `tags` ([tag, value] pairs, SHORT). */
export function exifSegment(tags, { little = false } = {}) {
  const tiff = [...(little ? [0x49, 0x49] : [0x4d, 0x4d]), ...u16(42, little), ...u32(8, little)];
  const ifd = [...u16(tags.length, little)];
  for (const [tag, value] of tags) {
    ifd.push(...u16(tag, little), ...u16(3, little), ...u32(1, little), ...u16(value, little), 0, 0);
  }
  ifd.push(...u32(0, little));
  const body = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff, ...ifd]; // "Exif\0\0"
  return [0xff, 0xe1, ...u16(body.length + 2), ...body];
}

export function frameSegment(width, height) {
  const body = [8, ...u16(height), ...u16(width), 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
  return [0xff, 0xc0, ...u16(body.length + 2), ...body];
}

const APP0 = [0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0];
const HUFFMAN = [0xff, 0xc4, 0, 4, 0, 0];
const SCAN = [0xff, 0xda, 0, 8, 1, 1, 0, 0, 0x3f, 0, 0x12, 0x34];

export function jpeg({ width = 4032, height = 3024, orientation = null, little = false, exifTags = null } = {}) {
  const tags = exifTags || (orientation === null ? null : [[0x010f, 1], [0x0112, orientation]]);
  const bytes = [0xff, 0xd8, ...APP0, ...(tags ? exifSegment(tags, { little }) : []), ...HUFFMAN, ...frameSegment(width, height), ...SCAN];
  return new DataView(new Uint8Array(bytes).buffer);
}

export function cut(view, length) {
  return new DataView(view.buffer.slice(0, length));
}
