//! Saving the private key file: a Blob, an object URL and a temporary `<a download>`.

use std::time::Duration;

use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, Url};

/// How long the object URL stays valid after the click: the browser reads the Blob when
/// it handles the click, so this only has to outlast that.
const REVOKE_AFTER: Duration = Duration::from_secs(1);

/// Offers `bytes` as a download called `file_name`.
pub fn save(bytes: &[u8], file_name: &str) -> Result<(), JsValue> {
    let copy = Uint8Array::new_with_length(bytes.len() as u32);
    copy.copy_from(bytes);
    let options = BlobPropertyBag::new();
    options.set_type("application/octet-stream");
    let blob = Blob::new_with_u8_array_sequence_and_options(&Array::of1(&copy), &options);
    // The Blob holds its own copy; wipe the intermediate one either way.
    copy.fill(0, 0, copy.length());
    let url = Url::create_object_url_with_blob(&blob?)?;
    let clicked = click_link(&url, file_name);
    let revoke = url.clone();
    leptos::prelude::set_timeout(
        move || {
            let _ = Url::revoke_object_url(&revoke);
        },
        REVOKE_AFTER,
    );
    clicked
}

fn click_link(url: &str, file_name: &str) -> Result<(), JsValue> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        // i18n: not text: an error no one reads (save's callers say what failed)
        .ok_or("no document")?;
    // i18n: not text: as above
    let body = document.body().ok_or("no body")?;
    let link: HtmlAnchorElement = document.create_element("a")?.unchecked_into();
    link.set_href(url);
    link.set_download(file_name);
    link.set_hidden(true);
    body.append_child(&link)?;
    link.click();
    link.remove();
    Ok(())
}
