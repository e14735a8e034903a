// Sending with retries (medexam/static/medexam/upload/send.js): which answers are retried, how
// often, and what the page is told.

import assert from "node:assert/strict";
import { test } from "node:test";

import { RETRY_DELAYS, isTransient, newKey, withRetries } from "../../medexam/static/medexam/upload/send.js";

function attempts(...answers) {
  const calls = [];
  const attempt = () => {
    const answer = answers[Math.min(calls.length, answers.length - 1)];
    calls.push(answer);
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  };
  return { attempt, calls };
}

function clock() {
  const waited = [];
  return { waited, wait: (ms) => { waited.push(ms); return Promise.resolve(); } };
}

test("a network error is retried after 1, 2 and 4 seconds, then given up", async () => {
  const { attempt, calls } = attempts(new Error("network"));
  const { waited, wait } = clock();
  const retries = [];

  const response = await withRetries(attempt, { wait, onRetry: (delay, n) => retries.push([delay, n]) });

  assert.equal(response, null);
  assert.equal(calls.length, 4);
  assert.deepEqual(waited, RETRY_DELAYS);
  assert.deepEqual(retries, [[1000, 1], [2000, 2], [4000, 3]]);
});

test("an answer after a dropped connection ends the retries", async () => {
  const ok = { status: 200, body: { ok: true } };
  const { attempt, calls } = attempts(new Error("network"), ok);
  const { waited, wait } = clock();

  assert.deepEqual(await withRetries(attempt, { wait }), ok);
  assert.equal(calls.length, 2);
  assert.deepEqual(waited, [1000]);
});

test("a refusal is final: never sent again", async () => {
  for (const status of [400, 403, 404, 409, 413, 500]) {
    const refused = { status, body: { ok: false, message: "x" } };
    const { attempt, calls } = attempts(refused);
    assert.deepEqual(await withRetries(attempt, clock()), refused);
    assert.equal(calls.length, 1, `HTTP ${status}`);
  }
});

test("busy answers (429, 502-504) are retried and the last one is told", async () => {
  const busy = { status: 503, body: null };
  const { attempt, calls } = attempts(busy);
  assert.deepEqual(await withRetries(attempt, clock()), busy);
  assert.equal(calls.length, 4);
  assert.equal(isTransient({ status: 429 }), true);
  assert.equal(isTransient({ status: 504 }), true);
  assert.equal(isTransient(null), true);
});

test("each picture gets a fresh idempotency key", () => {
  const keys = new Set(Array.from({ length: 50 }, newKey));
  assert.equal(keys.size, 50);
  for (const key of keys) assert.match(key, /^[0-9a-f-]{32,36}$/);
});
