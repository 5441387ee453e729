//! The console's preferences kept in localStorage (language, time zone): read as the page
//! starts, changed by keeping a new value and reloading, so nothing re-reads them per render.

/// The value kept under `key`, if any and if storage can be read.
pub fn stored(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

/// Keeps a preference (`key` in localStorage) and reloads the page, which reads it as it
/// starts. Where nothing can be kept (storage blocked), nothing reloads: the page would come
/// back as it was.
pub fn keep_and_reload(key: &str, value: &str) {
    if storage().is_some_and(|s| s.set_item(key, value).is_ok()) {
        if let Some(w) = web_sys::window() {
            let _ = w.location().reload();
        }
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}
