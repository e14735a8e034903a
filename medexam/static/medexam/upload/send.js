/*
 * Sending one picture: the picture itself is the request body (no multipart wrapping: one
 * parse less on the busiest path); the token, the retry key and the file name go in headers,
 * the slot in the query. Retries after a network error, 429 or a 5xx from the proxy, with the
 * same key: the server answers a repeat with the first image, never a second.
 */

export const RETRY_DELAYS = [1000, 2000, 4000];

export function newKey() {
  if (globalThis.crypto && crypto.randomUUID) return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Worth another try: no answer at all, too many requests, or the gateway's 502/503/504. */
export function isTransient(response) {
  return !response || response.status === 429 || response.status >= 502;
}

/**
 * Call `attempt()` (resolves {status, body, loggedOut}, or rejects on a network error) until
 * it answers something final, waiting `delays[i]` ms (via `wait`) before try i + 2.
 * `onRetry(delay, number, response)` is told before each wait (`response` is null when the
 * network did not answer). Resolves the last answer, or null when
 * the network never answered.
 */
export async function withRetries(attempt, { delays = RETRY_DELAYS, wait = sleep, onRetry = () => {} } = {}) {
  let response = null;
  for (let i = 0; i <= delays.length; i++) {
    try {
      response = await attempt();
    } catch (e) {
      response = null;
    }
    if (!isTransient(response) || i === delays.length) break;
    onRetry(delays[i], i + 1, response);
    await wait(delays[i]);
  }
  return response;
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The current CSRF token: the cookie's (it changes when the candidate logs in again in
 * another tab, and a retry must still go through), else the one rendered into the form.
 */
export function csrfToken(form) {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : form.querySelector("[name=csrfmiddlewaretoken]").value;
}

/** One attempt: POST the picture to the form's action with progress (percent) reports. */
export function send(form, result, key, onProgress) {
  return new Promise((resolve, reject) => {
    let url = form.action;
    // The place (a named slot) and, for one-step replace, the image this one replaces.
    for (const name of ["slot", "replace"]) {
      const field = form.querySelector("[name=" + name + "]");
      if (field && field.value) url += (url.indexOf("?") < 0 ? "?" : "&") + name + "=" + encodeURIComponent(field.value);
    }
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("X-Requested-With", "fetch");
    xhr.setRequestHeader("Idempotency-Key", key);
    xhr.setRequestHeader("X-CSRFToken", csrfToken(form));
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.setRequestHeader("X-File-Name", encodeURIComponent(result.name || ""));
    xhr.timeout = 60000;
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(Math.round((event.loaded / event.total) * 100));
    };
    xhr.onload = () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
      const loggedOut = !body && /\/accounts\/login\//.test(xhr.responseURL || "");
      resolve({ status: xhr.status, body, loggedOut });
    };
    xhr.onerror = () => reject(new Error("network"));
    xhr.ontimeout = () => reject(new Error("network"));
    xhr.send(result.blob);
  });
}
