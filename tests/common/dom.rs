//! Mounting a view into a fresh element and driving it as a user would: find elements,
//! fire real DOM events, read the text on screen.

use keyrack::widgets::request::Request;
use keyrack_api::ApiError;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{HtmlButtonElement, HtmlElement, HtmlInputElement, HtmlTextAreaElement};

/// A dialog request's state as a form receives it: running or not, with `error` shown.
pub fn form_request(pending: bool, error: Option<ApiError>) -> Request {
    let request = Request::new();
    request.pending.set(pending);
    request.error.set(error);
    request
}

/// Mounts the view into a new `<div>` appended to the body, and returns that element.
pub fn mount<N: IntoView + 'static>(f: impl FnOnce() -> N + 'static) -> HtmlElement {
    let doc = document();
    let root: HtmlElement = doc.create_element("div").unwrap().unchecked_into();
    doc.body().unwrap().append_child(&root).unwrap();
    // Leaving the view mounted keeps its reactive owner alive for the whole test.
    leptos::mount::mount_to(root.clone(), f).forget();
    root
}

/// The first element matching `selector`; panics if there is none.
pub fn find(root: &HtmlElement, selector: &str) -> web_sys::Element {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no element matches {selector}"))
}

/// Every element matching `selector`, in document order.
pub fn find_all(root: &HtmlElement, selector: &str) -> Vec<web_sys::Element> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i))
        .map(|n| n.unchecked_into())
        .collect()
}

/// Dispatches a bubbling event called `name` on `el`.
pub fn fire(el: &web_sys::Element, name: &str) {
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let event = web_sys::Event::new_with_event_init_dict(name, &init).unwrap();
    el.dispatch_event(&event).unwrap();
}

/// Sets the value as a user would type it, then commits it (input + change).
pub fn type_into(el: &web_sys::Element, text: &str) {
    if let Some(input) = el.dyn_ref::<HtmlInputElement>() {
        input.set_value(text);
    } else if let Some(area) = el.dyn_ref::<HtmlTextAreaElement>() {
        area.set_value(text);
    } else {
        panic!("not a text field");
    }
    fire(el, "input");
    fire(el, "change");
}

/// The button whose text is `label`; panics if there is none.
pub fn button(root: &HtmlElement, label: &str) -> HtmlButtonElement {
    find_all(root, "button")
        .into_iter()
        .find(|b| b.text_content().unwrap_or_default().trim() == label)
        .unwrap_or_else(|| panic!("no button labelled {label}"))
        .unchecked_into()
}

/// Clicks the button `label` and lets the component answer (one tick).
pub async fn press(root: &HtmlElement, label: &str) {
    button(root, label).click();
    leptos::task::tick().await;
}

/// The text a user sees in `root`.
pub fn text(root: &HtmlElement) -> String {
    root.inner_text()
}

/// Asserts that `root` shows `needle`; if not, says what it shows.
#[track_caller]
pub fn assert_shows(root: &HtmlElement, needle: &str) {
    let shown = text(root);
    assert!(shown.contains(needle), "{needle:?} is not shown: {shown}");
}

/// Waits `ms` milliseconds of browser time.
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}
