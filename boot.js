// Starts the console. A file, not Trunk's inline loader, so the Content-Security-Policy can
// forbid inline script: Trunk.toml's pattern_script names the hashed module and wasm here.
const tag = document.querySelector("script[data-keyrack-js]");
// The console's language: the one chosen before (src/i18n.rs keeps it), else the browser's
// first language the console speaks (Simplified Chinese: zh, zh-CN, zh-SG, zh-Hans; other
// Chinese scripts and regions are not it). English is compiled into the wasm; the Chinese
// text is fetched beside it, only when wanted, and handed to src/i18n.rs as `keyrackChinese`.
let chosen = null;
try {
  chosen = localStorage.getItem("keyrack.language");
} catch {}
const browser = navigator.languages?.length ? navigator.languages : [navigator.language ?? ""];
const first = browser.map((l) => l.toLowerCase()).find((l) => /^(en|zh(-cn|-sg|-hans.*)?$)/.test(l));
const chinese = (chosen ?? (first?.startsWith("zh") ? "zh-CN" : "en")) === "zh-CN";
const text = chinese
  ? fetch(tag.dataset.keyrackZhCn).then((r) => (r.ok ? r.json() : null)).catch(() => null)
  : null;
const app = await import(tag.dataset.keyrackJs);
globalThis.keyrackChinese = await text;
await app.default({ module_or_path: tag.dataset.keyrackWasm });
