import { JSDOM } from "jsdom";
import fs from "node:fs";
const dom = new JSDOM("<!DOCTYPE html><body></body>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
for (const k of ["Element", "HTMLElement", "Node", "DOMParser", "navigator"]) {
  try { if (!(k in globalThis)) globalThis[k] = dom.window[k]; } catch (e) {}
}
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false });
const text = fs.readFileSync(process.argv[2] === "-" ? 0 : process.argv[2], "utf8");
try {
  const result = await mermaid.parse(text);
  console.log(JSON.stringify({ ok: true, type: result.diagramType }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: String(e.message || e).split("\n").slice(0, 4).join(" ") }));
  process.exitCode = 1;
}
