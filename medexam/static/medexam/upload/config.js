/*
 * What the page gives the script: its texts (#upload-text), the intake's messages for files
 * refused here (#upload-messages: the server's own words), and the intake's limits
 * (#upload-limits: rendered by the server from medexam.materials.intake, never copied here).
 */

function readJson(id) {
  const el = document.getElementById(id);
  try { return el ? JSON.parse(el.textContent) : null; } catch (e) { return null; }
}

export const TEXT = readJson("upload-text");
export const MESSAGES = readJson("upload-messages");
export const LIMITS = readJson("upload-limits");
export const PANEL = document.getElementById("fit-panel-template");

export function fmt(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, key) => (key in values ? String(values[key]) : ""));
}

/** Sizes as people say them, as the server writes them (medexam.formats.human_size). */
export function kb(bytes) {
  if (bytes >= 1024 * 1024) return (bytes / 1024 / 1024).toFixed(1) + " MB";
  if (bytes < 1024) return fmt((TEXT && TEXT.bytes) || "{n} B", { n: bytes });
  const k = bytes / 1024;
  return (k < 10 ? k.toFixed(1) : Math.round(k)) + " KB";
}
