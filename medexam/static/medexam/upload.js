/*
 * Candidate materials page: fit a photo to 200 KB in the browser, then upload it with
 * progress and automatic retry.
 *
 * Plain canvas code, no library and no build step. The page works without this script (the
 * plain forms post and redirect); the server checks every upload again whatever we send.
 * All user-facing text comes from the page (#upload-text, #upload-messages), so the
 * messages for files we refuse here are the intake's own words.
 */
(function () {
  "use strict";

  var LIMIT = 204800; // SPEC 3a: "200 KB" means 204,800 bytes, inclusive
  var Q_MAX = 0.92; // above this JPEG grows fast for no visible gain
  var Q_MIN = 0.6; // below this small print on documents starts to smear: shrink instead
  var MAX_PIXELS = 16e6; // the server's pixel ceiling; also keeps phone canvases in memory
  var MIN_SHORT = 400; // the server's "too small to read" limits
  var MIN_LONG = 600;
  var RETRY_DELAYS = [1000, 2000, 4000];
  var PREVIEW_SIDE = 900;

  var TEXT = readJson("upload-text");
  var MESSAGES = readJson("upload-messages");
  var PANEL = document.getElementById("fit-panel-template");
  if (!TEXT || !MESSAGES || !PANEL || !window.HTMLCanvasElement || !window.FormData) return;

  function readJson(id) {
    var el = document.getElementById(id);
    try { return el ? JSON.parse(el.textContent) : null; } catch (e) { return null; }
  }

  function fmt(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) {
      return key in values ? String(values[key]) : "";
    });
  }

  function kb(bytes) {
    if (bytes >= 1024 * 1024) return (bytes / 1024 / 1024).toFixed(1) + " MB";
    return (bytes / 1024).toFixed(1) + " KB";
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // --- reading the file ------------------------------------------------------------------

  function readHead(file, length) {
    return new Promise(function (resolve) {
      var reader = new FileReader();
      reader.onload = function () { resolve(new DataView(reader.result)); };
      reader.onerror = function () { resolve(new DataView(new ArrayBuffer(0))); };
      reader.readAsArrayBuffer(file.slice(0, length));
    });
  }

  function ascii(view, offset, length) {
    var s = "";
    for (var i = offset; i < offset + length && i < view.byteLength; i++) s += String.fromCharCode(view.getUint8(i));
    return s;
  }

  /** What the bytes say the file is: "jpeg", "png", "heic" or "other". */
  function sniff(view) {
    if (view.byteLength >= 3 && view.getUint8(0) === 0xff && view.getUint8(1) === 0xd8 && view.getUint8(2) === 0xff) return "jpeg";
    if (ascii(view, 0, 8) === "\x89PNG\r\n\x1a\n") return "png";
    if (ascii(view, 4, 4) === "ftyp" && /^(heic|heix|hevc|hevx|heim|heis|mif1|msf1|avif)$/.test(ascii(view, 8, 4))) return "heic";
    return "other";
  }

  /** EXIF orientation (1..8) and the stored pixel size of a JPEG, from its header. */
  function jpegInfo(view) {
    var info = { orientation: 1, width: 0, height: 0 };
    var offset = 2;
    while (offset + 4 <= view.byteLength) {
      if (view.getUint8(offset) !== 0xff) break;
      var marker = view.getUint8(offset + 1);
      if (marker === 0xff) { offset += 1; continue; }
      var length = view.getUint16(offset + 2);
      if (marker === 0xe1 && ascii(view, offset + 4, 4) === "Exif") {
        info.orientation = exifOrientation(view, offset + 10) || 1;
      } else if ((marker >= 0xc0 && marker <= 0xcf) && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        if (offset + 9 <= view.byteLength) {
          info.height = view.getUint16(offset + 5);
          info.width = view.getUint16(offset + 7);
        }
        break;
      } else if (marker === 0xda) {
        break;
      }
      offset += 2 + length;
    }
    return info;
  }

  function exifOrientation(view, tiff) {
    if (tiff + 8 > view.byteLength) return 0;
    var little = ascii(view, tiff, 2) === "II";
    var ifd = tiff + view.getUint32(tiff + 4, little);
    if (ifd + 2 > view.byteLength) return 0;
    var count = view.getUint16(ifd, little);
    for (var i = 0; i < count; i++) {
      var entry = ifd + 2 + i * 12;
      if (entry + 12 > view.byteLength) return 0;
      if (view.getUint16(entry, little) === 0x0112) {
        var value = view.getUint16(entry + 8, little);
        return value >= 1 && value <= 8 ? value : 0;
      }
    }
    return 0;
  }

  function decode(file) {
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () { resolve({ img: img, url: url }); };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("decode")); };
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
  function browserRotates(info, img) {
    if (info.orientation >= 5 && info.width && info.width !== info.height) {
      return img.naturalWidth === info.height && img.naturalHeight === info.width;
    }
    return !!(window.CSS && CSS.supports && CSS.supports("image-orientation", "from-image"));
  }

  // --- drawing -------------------------------------------------------------------------

  var EXIF_TRANSFORMS = {
    2: function (w, h) { return [-1, 0, 0, 1, w, 0]; },
    3: function (w, h) { return [-1, 0, 0, -1, w, h]; },
    4: function (w, h) { return [1, 0, 0, -1, 0, h]; },
    5: function () { return [0, 1, 1, 0, 0, 0]; },
    6: function (w, h) { return [0, 1, -1, 0, h, 0]; },
    7: function (w, h) { return [0, -1, -1, 0, h, w]; },
    8: function (w) { return [0, -1, 1, 0, 0, w]; }
  };

  /** Size of the picture after EXIF orientation and the candidate's quarter turns. */
  function turnedSize(state) {
    var w = state.img.naturalWidth, h = state.img.naturalHeight;
    if (state.manualOrientation >= 5) { var t = w; w = h; h = t; }
    return state.turns % 2 ? { w: h, h: w, uw: w, uh: h } : { w: w, h: h, uw: w, uh: h };
  }

  function cropBox(state) {
    var size = turnedSize(state), c = state.crop;
    var x = Math.round(c.left * size.w), y = Math.round(c.top * size.h);
    return {
      x: x, y: y,
      w: Math.max(1, Math.round((1 - c.left - c.right) * size.w)),
      h: Math.max(1, Math.round((1 - c.top - c.bottom) * size.h))
    };
  }

  /** Draw the image (oriented, turned, optionally cropped) at `scale` onto a new canvas. */
  function render(state, scale, crop) {
    var size = turnedSize(state);
    var box = crop ? cropBox(state) : { x: 0, y: 0, w: size.w, h: size.h };
    var canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(box.w * scale));
    canvas.height = Math.max(1, Math.round(box.h * scale));
    var ctx = canvas.getContext("2d");
    ctx.fillStyle = "#fff"; // a transparent PNG becomes JPEG on white, as on the server
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = "high";
    ctx.scale(scale, scale);
    ctx.translate(-box.x, -box.y);
    var uw = size.uw, uh = size.uh;
    if (state.turns === 1) ctx.transform(0, 1, -1, 0, uh, 0);
    else if (state.turns === 2) ctx.transform(-1, 0, 0, -1, uw, uh);
    else if (state.turns === 3) ctx.transform(0, -1, 1, 0, 0, uw);
    var exif = EXIF_TRANSFORMS[state.manualOrientation];
    if (exif) ctx.transform.apply(ctx, exif(state.img.naturalWidth, state.img.naturalHeight));
    ctx.drawImage(state.img, 0, 0);
    return canvas;
  }

  /** Phones (iOS above all) hold a canvas's memory until its size is set to zero. */
  function release(canvas) {
    canvas.width = 0;
    canvas.height = 0;
  }

  function toJpeg(canvas, quality) {
    return new Promise(function (resolve, reject) {
      canvas.toBlob(function (blob) { blob ? resolve(blob) : reject(new Error("encode")); }, "image/jpeg", quality);
    });
  }

  /**
   * The largest picture whose JPEG at quality >= Q_MIN fits the limit, at the best quality
   * that fits: resize only as much as needed, then spend the remaining bytes on quality.
   */
  async function fitToLimit(state, isStale) {
    var box = cropBox(state);
    var scale = Math.min(1, Math.sqrt(MAX_PIXELS / (box.w * box.h)), 4096 / Math.max(box.w, box.h));
    for (var attempt = 0; attempt < 12; attempt++) {
      var canvas = render(state, scale, true);
      var low = await toJpeg(canvas, Q_MIN);
      if (isStale()) return null;
      if (low.size > LIMIT) {
        // Bytes grow about linearly with the pixel count: aim just under the limit.
        scale *= Math.min(0.92, Math.sqrt(LIMIT / low.size) * 0.97);
        release(canvas);
        continue;
      }
      var best = { blob: low, quality: Q_MIN };
      var high = await toJpeg(canvas, Q_MAX);
      if (high.size <= LIMIT) {
        best = { blob: high, quality: Q_MAX };
      } else {
        var lo = Q_MIN, hi = Q_MAX;
        for (var i = 0; i < 5; i++) {
          var mid = (lo + hi) / 2;
          var blob = await toJpeg(canvas, mid);
          if (isStale()) return null;
          if (blob.size <= LIMIT) { best = { blob: blob, quality: mid }; lo = mid; } else { hi = mid; }
        }
      }
      best.width = canvas.width;
      best.height = canvas.height;
      release(canvas);
      return best;
    }
    throw new Error("cannot-fit");
  }

  // --- one upload form -----------------------------------------------------------------

  function enhance(form) {
    if (form.dataset.enhanced) return;
    form.dataset.enhanced = "1";
    form.classList.add("is-enhanced");
    var input = form.querySelector("input[type=file]");
    var label = form.querySelector(".file-label");
    var labelText = form.querySelector(".file-label-text");
    input.removeAttribute("required");
    var ctl = { form: form, status: null, state: null, panel: null, generation: 0 };

    // Two ways in: the camera (capture opens it directly on phones) and the photo library
    // or file system. One input cannot offer both (on Android capture skips the gallery), and
    // the form keeps a single file input: the camera button borrows one shared input.
    var camera = document.createElement("button");
    camera.type = "button";
    camera.className = "button pick-camera";
    camera.textContent = form.dataset.slotLabel ? fmt(TEXT.takePhotoSlot, { slot: form.dataset.slotLabel }) : TEXT.takePhoto;
    camera.addEventListener("click", function () {
      var shared = cameraInput();
      shared._target = ctl;
      shared.click();
    });
    label.parentNode.insertBefore(camera, label);
    label.classList.add("pick-file");
    if (labelText) labelText.textContent = TEXT.chooseFile;
    var plain = form.querySelector(".plain-submit");
    if (plain) plain.remove();

    var hint = document.createElement("p");
    hint.className = "drop-hint";
    hint.textContent = TEXT.dropHint;
    form.appendChild(hint);

    var status = document.createElement("p");
    status.className = "upload-status";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    form.appendChild(status);
    ctl.status = status;

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      upload(ctl);
    });
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      input.value = ""; // picking the same file again must fire change again
      if (file) start(ctl, file);
    });

    form.addEventListener("dragover", function (event) {
      if (!event.dataTransfer || ctl.busy) return;
      event.preventDefault();
      form.classList.add("is-dragover");
      hint.textContent = TEXT.dropHere;
    });
    form.addEventListener("dragleave", function () {
      form.classList.remove("is-dragover");
      hint.textContent = TEXT.dropHint;
    });
    form.addEventListener("drop", function (event) {
      event.preventDefault();
      form.classList.remove("is-dragover");
      hint.textContent = TEXT.dropHint;
      var file = event.dataTransfer.files && event.dataTransfer.files[0];
      if (file && !ctl.busy) start(ctl, file);
    });
  }

  var sharedCamera = null;

  function cameraInput() {
    if (sharedCamera) return sharedCamera;
    sharedCamera = document.createElement("input");
    sharedCamera.type = "file";
    sharedCamera.accept = "image/*";
    sharedCamera.setAttribute("capture", "environment");
    sharedCamera.className = "visually-hidden";
    sharedCamera.tabIndex = -1;
    sharedCamera.setAttribute("aria-hidden", "true");
    sharedCamera.addEventListener("change", function () {
      var file = sharedCamera.files && sharedCamera.files[0];
      var target = sharedCamera._target;
      sharedCamera.value = "";
      if (file && target) start(target, file);
    });
    document.body.appendChild(sharedCamera);
    return sharedCamera;
  }

  function say(ctl, text, kind) {
    var target = ctl.panel ? ctl.panel.querySelector(".fit-result") : ctl.status;
    target.textContent = text;
    target.classList.toggle("is-error", kind === "error");
    target.classList.toggle("is-ok", kind === "ok");
    if (ctl.panel) { ctl.status.textContent = ""; ctl.status.className = "upload-status"; }
  }

  function setBusy(ctl, busy) {
    ctl.busy = busy;
    if (busy) ctl.form.setAttribute("data-busy", "1"); else ctl.form.removeAttribute("data-busy");
  }

  function closePanel(ctl) {
    if (ctl.state && ctl.state.url) URL.revokeObjectURL(ctl.state.url);
    if (ctl.state && ctl.state.preview) release(ctl.state.preview);
    if (ctl.panel) ctl.panel.remove();
    ctl.panel = null;
    ctl.state = null;
    ctl.generation++;
    ctl.form.classList.remove("has-panel");
    setBusy(ctl, false);
  }

  async function start(ctl, file) {
    closePanel(ctl);
    setBusy(ctl, true);
    say(ctl, TEXT.reading);
    var generation = ctl.generation;
    var head = await readHead(file, 256 * 1024);
    var kind = sniff(head);
    if (!file.size) return refuse(ctl, MESSAGES.EMPTY_FILE);
    var decoded;
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
    var info = kind === "jpeg" ? jpegInfo(head) : { orientation: 1, width: 0, height: 0 };
    ctl.state = {
      file: file,
      kind: kind,
      img: decoded.img,
      url: decoded.url,
      orientation: info.orientation,
      manualOrientation: browserRotates(info, decoded.img) ? 1 : info.orientation,
      turns: 0,
      crop: { left: 0, right: 0, top: 0, bottom: 0 },
      result: null,
      key: null
    };
    openPanel(ctl);
  }

  function refuse(ctl, message) {
    closePanel(ctl);
    say(ctl, message, "error");
  }

  function openPanel(ctl) {
    var panel = PANEL.content.firstElementChild.cloneNode(true);
    ctl.panel = panel;
    ctl.form.appendChild(panel);
    ctl.form.classList.add("has-panel");
    ctl.status.textContent = "";
    ctl.status.className = "upload-status";
    var canvas = panel.querySelector(".fit-canvas");
    var ranges = panel.querySelectorAll("input[data-crop]");

    panel.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-action]");
      if (!button) return;
      var action = button.dataset.action;
      var state = ctl.state;
      if (action === "rotate-left" || action === "rotate-right") {
        state.turns = (state.turns + (action === "rotate-right" ? 1 : 3)) % 4;
        state.crop = { left: 0, right: 0, top: 0, bottom: 0 }; // a crop drawn on the old view is meaningless now
        if (state.preview) release(state.preview);
        state.preview = null;
        changed(ctl);
      } else if (action === "crop-reset") {
        state.crop = { left: 0, right: 0, top: 0, bottom: 0 };
        changed(ctl);
      } else if (action === "cancel") {
        closePanel(ctl);
        var picker = ctl.form.querySelector(".pick-file input");
        if (picker) picker.focus();
      }
    });

    Array.prototype.forEach.call(ranges, function (range) {
      range.addEventListener("input", function () {
        var c = ctl.state.crop;
        c[range.dataset.crop] = Number(range.value) / 100;
        changed(ctl);
      });
    });

    // Drag on the preview to draw the crop rectangle (mouse, finger or pen).
    var origin = null;
    function point(event) {
      var rect = canvas.getBoundingClientRect();
      return {
        x: Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width)),
        y: Math.min(1, Math.max(0, (event.clientY - rect.top) / rect.height))
      };
    }
    canvas.addEventListener("pointerdown", function (event) {
      if (ctl.uploading) return;
      origin = point(event);
      canvas.setPointerCapture(event.pointerId);
      event.preventDefault();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!origin) return;
      var p = point(event);
      var x0 = Math.min(origin.x, p.x), x1 = Math.max(origin.x, p.x);
      var y0 = Math.min(origin.y, p.y), y1 = Math.max(origin.y, p.y);
      if (x1 - x0 < 0.1 || y1 - y0 < 0.1) return; // a tap is not a crop
      ctl.state.crop = { left: x0, right: 1 - x1, top: y0, bottom: 1 - y1 };
      drawPreview(ctl);
    });
    function finish() {
      if (!origin) return;
      origin = null;
      changed(ctl);
    }
    canvas.addEventListener("pointerup", finish);
    canvas.addEventListener("pointercancel", finish);

    changed(ctl);
    panel.querySelector("[data-action=rotate-right]").focus({ preventScroll: true });
    panel.scrollIntoView({ block: "nearest" });
  }

  function drawPreview(ctl) {
    var state = ctl.state;
    if (!state.preview) {
      var size = turnedSize(state);
      state.preview = render(state, Math.min(1, PREVIEW_SIDE / Math.max(size.w, size.h)), false);
    }
    var canvas = ctl.panel.querySelector(".fit-canvas");
    var base = state.preview;
    canvas.width = base.width;
    canvas.height = base.height;
    var ctx = canvas.getContext("2d");
    ctx.drawImage(base, 0, 0);
    var c = state.crop;
    var x = c.left * base.width, y = c.top * base.height;
    var w = (1 - c.left - c.right) * base.width, h = (1 - c.top - c.bottom) * base.height;
    if (c.left || c.right || c.top || c.bottom) {
      ctx.fillStyle = "rgba(0,0,0,0.55)";
      ctx.fillRect(0, 0, base.width, y);
      ctx.fillRect(0, y + h, base.width, base.height - y - h);
      ctx.fillRect(0, y, x, h);
      ctx.fillRect(x + w, y, base.width - x - w, h);
      ctx.strokeStyle = "#ffdd00";
      ctx.lineWidth = Math.max(2, base.width / 200);
      ctx.strokeRect(x, y, w, h);
    }
    Array.prototype.forEach.call(ctl.panel.querySelectorAll("input[data-crop]"), function (range) {
      range.value = String(Math.round(c[range.dataset.crop] * 100));
    });
  }

  /** Something about the picture changed: redraw now, re-fit after a short pause. */
  function changed(ctl) {
    var state = ctl.state;
    var c = state.crop;
    // Sliders may overlap: never let the crop invert or vanish.
    if (c.left + c.right > 0.9) c.right = 0.9 - c.left;
    if (c.top + c.bottom > 0.9) c.bottom = 0.9 - c.top;
    state.result = null;
    state.key = null; // a different picture is a different upload
    drawPreview(ctl);
    var button = ctl.panel.querySelector("[data-action=upload]");
    button.disabled = true;
    button.textContent = TEXT.upload;
    say(ctl, TEXT.fitting);
    var generation = ++ctl.generation;
    clearTimeout(ctl.fitTimer);
    ctl.fitTimer = setTimeout(function () { fit(ctl, generation); }, 200);
  }

  function edited(state) {
    var c = state.crop;
    return state.turns || state.orientation !== 1 || c.left || c.right || c.top || c.bottom;
  }

  async function fit(ctl, generation) {
    var state = ctl.state;
    var isStale = function () { return generation !== ctl.generation || ctl.state !== state; };
    var name = state.file.name || "photo.jpg";
    // A JPEG or PNG that already fits and needs no turning is sent as it is: no second
    // generation of JPEG loss. The server strips its metadata either way.
    if (!edited(state) && state.file.size <= LIMIT && (state.kind === "jpeg" || state.kind === "png") && /\.(jpe?g|png)$/i.test(name)) {
      var ok = checkSize(ctl, state.img.naturalWidth, state.img.naturalHeight);
      state.result = { blob: state.file, name: name, width: state.img.naturalWidth, height: state.img.naturalHeight };
      if (ok) say(ctl, fmt(TEXT.original, { size: kb(state.file.size), w: state.img.naturalWidth, h: state.img.naturalHeight }), "ok");
      return ready(ctl);
    }
    var box = cropBox(state);
    if (!checkSize(ctl, box.w, box.h)) return;
    var result;
    try {
      result = await fitToLimit(state, isStale);
    } catch (e) {
      if (!isStale()) say(ctl, TEXT.cannotFit, "error");
      return;
    }
    if (!result || isStale()) return;
    if (!checkSize(ctl, result.width, result.height)) return;
    result.name = name.replace(/\.[^.]*$/, "") + ".jpg";
    state.result = result;
    say(ctl, fmt(TEXT.fitted, {
      size: kb(result.blob.size), w: result.width, h: result.height,
      q: Math.round(result.quality * 100), orig: kb(state.file.size)
    }), "ok");
    ready(ctl);
  }

  function checkSize(ctl, w, h) {
    if (Math.min(w, h) >= MIN_SHORT && Math.max(w, h) >= MIN_LONG) return true;
    var edited_ = edited(ctl.state) && (ctl.state.crop.left || ctl.state.crop.right || ctl.state.crop.top || ctl.state.crop.bottom);
    say(ctl, edited_ ? fmt(TEXT.cropTooSmall, { w: w, h: h }) : MESSAGES.RESOLUTION_TOO_LOW, "error");
    return false;
  }

  function ready(ctl) {
    var button = ctl.panel.querySelector("[data-action=upload]");
    button.disabled = false;
    button.classList.add("is-ready");
  }

  // --- sending ---------------------------------------------------------------------------

  /**
   * The current CSRF token: the cookie's (it changes when the candidate logs in again in
   * another tab, and a retry must still go through), else the one rendered into the form.
   */
  function csrfToken(form) {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : form.querySelector("[name=csrfmiddlewaretoken]").value;
  }

  /**
   * The picture goes as the request body itself (no multipart wrapping: one parse less on
   * the busiest path); the token, the retry key and the file name go in headers, the slot
   * in the query. The page's form (without script) still posts multipart.
   */
  function send(ctl, result, key, onProgress) {
    return new Promise(function (resolve, reject) {
      var form = ctl.form;
      var slot = form.querySelector("[name=slot]");
      var url = form.action;
      if (slot && slot.value) url += (url.indexOf("?") < 0 ? "?" : "&") + "slot=" + encodeURIComponent(slot.value);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      xhr.setRequestHeader("X-Requested-With", "fetch");
      xhr.setRequestHeader("Idempotency-Key", key);
      xhr.setRequestHeader("X-CSRFToken", csrfToken(form));
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      xhr.setRequestHeader("X-File-Name", encodeURIComponent(result.name || ""));
      xhr.timeout = 60000;
      xhr.upload.onprogress = function (event) {
        if (event.lengthComputable) onProgress(Math.round(event.loaded / event.total * 100));
      };
      xhr.onload = function () {
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
        var loggedOut = !body && /\/accounts\/login\//.test(xhr.responseURL || "");
        resolve({ status: xhr.status, body: body, loggedOut: loggedOut });
      };
      xhr.onerror = function () { reject(new Error("network")); };
      xhr.ontimeout = function () { reject(new Error("network")); };
      xhr.send(result.blob);
    });
  }

  function wait(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  async function upload(ctl) {
    var state = ctl.state;
    if (!state || !state.result || ctl.uploading) return;
    // One key per picture: every retry of it (automatic or by the button) is the same
    // upload to the server, which answers a repeat with the first image, never a second.
    if (!state.key) state.key = newKey();
    ctl.uploading = true;
    ctl.form.classList.add("is-uploading");
    var panel = ctl.panel;
    var button = panel.querySelector("[data-action=upload]");
    var progress = panel.querySelector(".upload-progress");
    button.disabled = true;
    progress.hidden = false;
    progress.value = 0;
    var response = null;
    for (var attempt = 0; attempt <= RETRY_DELAYS.length; attempt++) {
      try {
        say(ctl, fmt(TEXT.uploading, { p: 0 }));
        var said = 0;
        response = await send(ctl, state.result, state.key, function (p) {
          progress.value = p;
          // The text is a live region: a few steps, not every percent, for screen readers.
          if (p - said >= 25 || (p === 100 && said !== 100)) {
            said = p;
            say(ctl, fmt(TEXT.uploading, { p: p }));
          }
        });
      } catch (e) {
        response = null;
      }
      var transient = !response || response.status === 429 || response.status >= 502;
      if (!transient || attempt === RETRY_DELAYS.length) break;
      // A 503 from the server (its database, cache or storage failed over) is said as such:
      // the network is fine, and the same key makes the retry safe.
      var busy = response && response.status === 503 && TEXT.retryingBusy;
      say(ctl, fmt(busy || TEXT.retrying, { s: RETRY_DELAYS[attempt] / 1000, n: attempt + 1 }), "error");
      await wait(RETRY_DELAYS[attempt]);
    }
    ctl.uploading = false;
    ctl.form.classList.remove("is-uploading");
    progress.hidden = true;
    if (response && response.body && response.body.ok) {
      var image = response.body.image;
      var warning = image.warnings && image.warnings.length ? image.warnings[0].message : "";
      var itemCode = ctl.form.dataset.item;
      closePanel(ctl);
      await refresh(itemCode);
      announce(itemCode, warning ? fmt(TEXT.uploadedWarn, { msg: warning }) : TEXT.uploaded, warning ? "warn" : "ok");
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

  // --- keeping the page in step -----------------------------------------------------------

  /**
   * Reload the parts of the page that show this item's images, counts and what is missing,
   * from the server's own rendering. A part holding a form with work in progress (a photo
   * being fitted, uploading or failed) or a refusal is left alone: nothing the candidate has
   * is lost.
   */
  async function refresh(itemCode, doc) {
    if (!doc) {
      var response;
      try {
        response = await fetch(window.location.pathname, { credentials: "same-origin", cache: "no-store" });
      } catch (e) { return; }
      if (!response.ok) return;
      doc = new DOMParser().parseFromString(await response.text(), "text/html");
    }
    var article = document.getElementById("item-" + itemCode);
    var fresh = doc.getElementById("item-" + itemCode);
    var parts = [];
    if (article && fresh) parts = Array.prototype.slice.call(article.querySelectorAll("[data-fragment]"));
    var missing = document.getElementById("missing-wrap");
    if (missing) parts.push(missing);
    parts.forEach(function (old) {
      var replacement = doc.getElementById(old.id);
      // Also keep a part that shows a refusal: the candidate has not read it yet, perhaps.
      if (!replacement || old.querySelector("[data-busy], .is-error")) return;
      var node = document.importNode(replacement, true);
      old.replaceWith(node);
      wire(node);
    });
  }

  function announce(itemCode, text, kind) {
    var article = document.getElementById("item-" + itemCode);
    if (!article) return;
    var note = article.querySelector(".item-announce");
    if (!note) {
      note = document.createElement("p");
      note.className = "item-announce";
      note.setAttribute("role", "status");
      note.setAttribute("aria-live", "polite");
      article.appendChild(note);
    }
    note.className = "item-announce is-" + kind;
    note.textContent = text;
    // The control that had focus may be gone with the refreshed part: focus the outcome.
    if (!document.activeElement || document.activeElement === document.body) {
      note.tabIndex = -1;
      note.focus({ preventScroll: false });
    }
  }

  function enhanceDelete(form) {
    if (form.dataset.enhanced) return;
    form.dataset.enhanced = "1";
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      if (!window.confirm(TEXT.confirmDelete)) return;
      var article = form.closest("article.item");
      var itemCode = article ? article.id.replace(/^item-/, "") : "";
      var button = form.querySelector("button");
      button.disabled = true;
      var body = null;
      try {
        var data = new FormData(form);
        data.set("csrfmiddlewaretoken", csrfToken(form));
        var response = await fetch(form.action, {
          method: "POST", body: data, credentials: "same-origin",
          headers: { "X-Requested-With": "fetch" }
        });
        body = await response.json();
      } catch (e) { body = null; }
      button.disabled = false;
      if (body && body.ok) {
        await refresh(itemCode);
        announce(itemCode, TEXT.deleted, "ok");
      } else {
        announce(itemCode, fmt(TEXT.deleteFailed, { msg: body && body.message ? body.message : TEXT.failedNetwork }), "error");
      }
    });
  }

  /**
   * "确认图片无误" without reloading the page (which would drop photos waiting elsewhere):
   * the view answers with a redirect to this page, whose flash message and fresh parts we
   * take from the very response.
   */
  function enhanceConfirm(form) {
    if (form.dataset.enhanced) return;
    form.dataset.enhanced = "1";
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      var article = form.closest("article.item");
      var itemCode = article ? article.id.replace(/^item-/, "") : "";
      var data = new FormData(form);
      data.set("csrfmiddlewaretoken", csrfToken(form));
      var doc = null;
      try {
        var response = await fetch(form.action, { method: "POST", body: data, credentials: "same-origin" });
        if (response.ok) doc = new DOMParser().parseFromString(await response.text(), "text/html");
      } catch (e) { doc = null; }
      if (!doc || !doc.getElementById("item-" + itemCode)) {
        announce(itemCode, TEXT.confirmFailed, "error");
        return;
      }
      var flash = doc.querySelector(".flash-list .flash");
      await refresh(itemCode, doc);
      if (flash) announce(itemCode, flash.textContent, flash.classList.contains("flash-error") ? "error" : "ok");
    });
  }

  function wire(root) {
    if (root.matches && root.matches("form.upload-form")) enhance(root);
    Array.prototype.forEach.call(root.querySelectorAll("form.upload-form"), enhance);
    Array.prototype.forEach.call(root.querySelectorAll("form.delete-form"), enhanceDelete);
    Array.prototype.forEach.call(root.querySelectorAll("form[action$='/confirm/']"), enhanceConfirm);
  }

  document.documentElement.classList.add("js-upload");
  wire(document);
})();
