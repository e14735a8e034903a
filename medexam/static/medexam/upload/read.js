/*
 * Reading a picked file: what its bytes say it is, and a JPEG's EXIF orientation and stored
 * size from its header. Pure functions over a DataView (no DOM): unit-tested with node --test.
 */

/** The first `length` bytes of a File or Blob as a DataView (empty if it cannot be read). */
export async function readHead(blob, length) {
  try {
    return new DataView(await blob.slice(0, length).arrayBuffer());
  } catch (e) {
    return new DataView(new ArrayBuffer(0));
  }
}

export function ascii(view, offset, length) {
  let s = "";
  for (let i = offset; i < offset + length && i < view.byteLength; i++) s += String.fromCharCode(view.getUint8(i));
  return s;
}

const HEIF_BRANDS = /^(heic|heix|hevc|hevx|heim|heis|mif1|msf1|avif)$/;

/** What the bytes say the file is: "jpeg", "png", "heic" or "other". */
export function sniff(view) {
  if (view.byteLength >= 3 && view.getUint8(0) === 0xff && view.getUint8(1) === 0xd8 && view.getUint8(2) === 0xff) return "jpeg";
  if (ascii(view, 0, 8) === "\x89PNG\r\n\x1a\n") return "png";
  if (ascii(view, 4, 4) === "ftyp" && HEIF_BRANDS.test(ascii(view, 8, 4))) return "heic";
  return "other";
}

// Start-of-frame markers carry the picture's size; C4 (Huffman tables), C8 and CC are not frames.
function isFrame(marker) {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/**
 * EXIF orientation (1..8; 1 when absent or unreadable) and the stored pixel size of a JPEG
 * (0 x 0 when the header ends before the frame), from the segments before the scan.
 */
export function jpegInfo(view) {
  const info = { orientation: 1, width: 0, height: 0 };
  let offset = 2;
  while (offset + 4 <= view.byteLength) {
    if (view.getUint8(offset) !== 0xff) break;
    const marker = view.getUint8(offset + 1);
    if (marker === 0xff) { offset += 1; continue; } // fill byte
    const length = view.getUint16(offset + 2);
    if (marker === 0xe1 && ascii(view, offset + 4, 4) === "Exif") {
      info.orientation = exifOrientation(view, offset + 10) || 1;
    } else if (isFrame(marker)) {
      if (offset + 9 <= view.byteLength) {
        info.height = view.getUint16(offset + 5);
        info.width = view.getUint16(offset + 7);
      }
      break;
    } else if (marker === 0xda) {
      break; // start of scan: no frame header before it
    }
    offset += 2 + length;
  }
  return info;
}

/** The orientation tag (0x0112) of the TIFF structure at `tiff`; 0 if absent, out of range or cut off. */
export function exifOrientation(view, tiff) {
  if (tiff + 8 > view.byteLength) return 0;
  const little = ascii(view, tiff, 2) === "II";
  const ifd = tiff + view.getUint32(tiff + 4, little);
  if (ifd + 2 > view.byteLength) return 0;
  const count = view.getUint16(ifd, little);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > view.byteLength) return 0;
    if (view.getUint16(entry, little) === 0x0112) {
      const value = view.getUint16(entry + 8, little);
      return value >= 1 && value <= 8 ? value : 0;
    }
  }
  return 0;
}
