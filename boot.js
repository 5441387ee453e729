// Starts the console. A file, not Trunk's inline loader, so the Content-Security-Policy can
// forbid inline script: Trunk.toml's pattern_script names the hashed module and wasm here.
const tag = document.querySelector("script[data-keyrack-js]");
const app = await import(tag.dataset.keyrackJs);
await app.default({ module_or_path: tag.dataset.keyrackWasm });
