//! Browser tests of the Bind instance / Unbind instance forms and their result summary:
//! mounted into a fresh element, driven with real DOM events, checked on visible text.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)]

use keyrack::components::bind_instances::BindInstancesForm;
use keyrack::components::bind_results::BindResults;
use keyrack::components::instance_picker::BindMode;
use keyrack_api::{
    BindOutcome, BindRequest, BindResponse, BindResult, Instance, InstanceState, Os, Region,
};
use leptos::prelude::*;
use leptos::task::tick;
use leptos_router::components::Router;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlButtonElement, HtmlElement, HtmlInputElement, HtmlSelectElement};

wasm_bindgen_test_configure!(run_in_browser);

const KEY: &str = "skey-ab12cd34";

// ---- helpers ------------------------------------------------------------------------

fn mount<N: IntoView + 'static>(f: impl FnOnce() -> N + 'static) -> HtmlElement {
    let doc = document();
    let root: HtmlElement = doc.create_element("div").unwrap().unchecked_into();
    doc.body().unwrap().append_child(&root).unwrap();
    // Leaving the view mounted keeps its reactive owner alive for the whole test.
    leptos::mount::mount_to(root.clone(), f).forget();
    root
}

fn find(root: &HtmlElement, selector: &str) -> web_sys::Element {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no element matches {selector}"))
}

fn fire(el: &web_sys::Element, name: &str) {
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let event = web_sys::Event::new_with_event_init_dict(name, &init).unwrap();
    el.dispatch_event(&event).unwrap();
}

fn button(root: &HtmlElement, label: &str) -> HtmlButtonElement {
    let list = root.query_selector_all("button").unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i))
        .map(|n| n.unchecked_into::<HtmlButtonElement>())
        .find(|b| b.text_content().unwrap_or_default().trim() == label)
        .unwrap_or_else(|| panic!("no button labelled {label}"))
}

/// The checkbox of the instance called `name`.
fn pick(root: &HtmlElement, name: &str) -> HtmlInputElement {
    find(root, &format!("input[aria-label='Select {name}']")).unchecked_into()
}

/// The row of the instance called `name`, as the user reads it.
fn row_text(root: &HtmlElement, name: &str) -> String {
    pick(root, name)
        .closest("li")
        .unwrap()
        .unwrap()
        .unchecked_into::<HtmlElement>()
        .inner_text()
}

fn force_shutdown(root: &HtmlElement) -> HtmlInputElement {
    let label = find(root, "label.checkbox");
    assert!(label.text_content().unwrap().contains("Force shutdown"));
    label
        .query_selector("input")
        .unwrap()
        .unwrap()
        .unchecked_into()
}

fn search(root: &HtmlElement, text: &str) {
    let input: HtmlInputElement = find(root, "input[type=search]").unchecked_into();
    input.set_value(text);
    fire(&input, "input");
}

fn choose_region(root: &HtmlElement, id: &str) {
    let select: HtmlSelectElement = find(root, "select").unchecked_into();
    select.set_value(id);
    fire(&select, "change");
}

fn text(root: &HtmlElement) -> String {
    root.inner_text()
}

fn instance(id: &str, name: &str, region: &str, state: InstanceState, os: Os) -> Instance {
    Instance {
        id: id.into(),
        name: name.into(),
        region: region.into(),
        os,
        state,
        private_ip: "10.0.0.4".into(),
        public_ip: None,
        key_ids: vec![],
        created_at: "2026-11-28T01:00:00Z".into(),
    }
}

fn regions() -> Vec<Region> {
    vec![
        Region {
            id: "ap-empty".into(),
            name: "Empty".into(),
        },
        Region {
            id: "ap-guangzhou".into(),
            name: "Guangzhou".into(),
        },
        Region {
            id: "ap-shanghai".into(),
            name: "Shanghai".into(),
        },
    ]
}

/// Guangzhou: one of each kind; Shanghai: one stopped Linux instance.
fn fleet() -> Vec<Instance> {
    use InstanceState::*;
    let mut full = instance("ins-full0001", "full-1", "ap-guangzhou", Stopped, Os::Linux);
    full.key_ids = (0..16).map(|i| format!("skey-other{i:03}")).collect();
    let mut old = instance("ins-old00001", "old-1", "ap-guangzhou", Stopped, Os::Linux);
    old.key_ids = vec![KEY.into()];
    vec![
        instance("ins-db000001", "db-1", "ap-guangzhou", Stopped, Os::Linux),
        instance("ins-web00001", "web-1", "ap-guangzhou", Running, Os::Linux),
        instance(
            "ins-win00001",
            "win-1",
            "ap-guangzhou",
            Stopped,
            Os::Windows,
        ),
        full,
        old,
        instance("ins-sh000001", "sh-1", "ap-shanghai", Stopped, Os::Linux),
    ]
}

/// A form whose submissions land in the returned signal.
fn mount_form(
    mode: BindMode,
    bound_ids: Vec<String>,
) -> (HtmlElement, RwSignal<Option<BindRequest>>) {
    let submitted = RwSignal::new(None);
    let root = mount(move || {
        view! {
            <Router>
                <BindInstancesForm
                    mode
                    key_id=KEY
                    bound_ids
                    regions=regions()
                    instances=fleet()
                    pending=Signal::stored(false)
                    server_error=Signal::stored(None)
                    on_submit=move |req| submitted.set(Some(req))
                    on_cancel=|()| {}
                />
            </Router>
        }
    });
    (root, submitted)
}

// ---- Bind instance -------------------------------------------------------------------

#[wasm_bindgen_test]
async fn bind_defaults_to_first_region_with_instances_and_shows_each_state() {
    let (root, _) = mount_form(BindMode::Bind, vec![]);
    tick().await;
    let select: HtmlSelectElement = find(&root, "select").unchecked_into();
    assert_eq!(select.value(), "ap-guangzhou");
    let page = text(&root);
    assert!(page.contains("Region"), "{page}");
    for name in ["db-1", "web-1", "win-1", "full-1", "old-1"] {
        assert!(page.contains(name), "{name} missing: {page}");
    }
    assert!(!page.contains("sh-1"), "{page}");
    assert!(row_text(&root, "db-1").contains("ins-db000001"));
    assert!(row_text(&root, "db-1").contains("STOPPED"));
    assert!(row_text(&root, "db-1").contains("Linux"));
    assert!(row_text(&root, "web-1").contains("RUNNING"));
    assert!(!pick(&root, "db-1").disabled());
}

#[wasm_bindgen_test]
async fn running_instance_needs_force_shutdown() {
    let (root, _) = mount_form(BindMode::Bind, vec![]);
    tick().await;
    let web = pick(&root, "web-1");
    assert!(web.disabled());
    assert!(row_text(&root, "web-1").contains("Shut down the instance first"));
    let link = find(&root, "a.pick-link");
    assert_eq!(
        link.get_attribute("href").unwrap(),
        "/instances?region=ap-guangzhou"
    );
    assert!(!text(&root).contains("will be shut down"));

    force_shutdown(&root).click();
    tick().await;
    let web = pick(&root, "web-1");
    assert!(!web.disabled(), "selectable with Force shutdown");
    assert!(!row_text(&root, "web-1").contains("Shut down the instance first"));
    let page = text(&root);
    assert!(
        page.contains("will be shut down, the key will be bound, and those that were running will be started again"),
        "{page}"
    );

    // Unticking it drops the running instance from the selection again.
    web.click();
    tick().await;
    assert!(text(&root).contains("1 selected"));
    force_shutdown(&root).click();
    tick().await;
    assert!(pick(&root, "web-1").disabled());
    assert!(text(&root).contains("0 selected"));
    assert!(button(&root, "Bind").disabled());
}

#[wasm_bindgen_test]
async fn windows_full_and_already_bound_instances_are_disabled() {
    let (root, _) = mount_form(BindMode::Bind, vec![]);
    tick().await;
    force_shutdown(&root).click();
    tick().await;
    let win = pick(&root, "win-1");
    assert!(
        win.disabled(),
        "Windows stays disabled even with Force shutdown"
    );
    assert!(row_text(&root, "win-1").contains("Windows instances do not support SSH keys"));
    assert!(pick(&root, "full-1").disabled());
    assert!(row_text(&root, "full-1").contains("This instance already has 16 keys"));
    let old = pick(&root, "old-1");
    assert!(old.disabled());
    assert!(old.checked());
    assert!(row_text(&root, "old-1").contains("Already bound"));
}

#[wasm_bindgen_test]
async fn bind_is_disabled_until_a_selection_and_sends_it() {
    let (root, submitted) = mount_form(BindMode::Bind, vec![]);
    tick().await;
    assert!(button(&root, "Bind").disabled());
    pick(&root, "db-1").click();
    tick().await;
    assert!(!button(&root, "Bind").disabled());
    button(&root, "Bind").click();
    tick().await;
    assert_eq!(
        submitted.get_untracked(),
        Some(BindRequest {
            instance_ids: vec!["ins-db000001".into()],
            force_stop: false,
        })
    );
}

#[wasm_bindgen_test]
async fn bind_shows_progress_while_pending() {
    let root = mount(|| {
        view! {
            <Router>
                <BindInstancesForm
                    mode=BindMode::Bind
                    key_id=KEY
                    bound_ids=vec![]
                    regions=regions()
                    instances=fleet()
                    pending=Signal::stored(true)
                    server_error=Signal::stored(None)
                    on_submit=|_| {}
                    on_cancel=|()| {}
                />
            </Router>
        }
    });
    tick().await;
    pick(&root, "db-1").click();
    tick().await;
    assert!(button(&root, "Working…").disabled());
}

#[wasm_bindgen_test]
async fn region_switch_filters_the_list_and_clears_the_selection() {
    let (root, _) = mount_form(BindMode::Bind, vec![]);
    tick().await;
    pick(&root, "db-1").click();
    tick().await;
    choose_region(&root, "ap-shanghai");
    tick().await;
    let page = text(&root);
    assert!(page.contains("sh-1"), "{page}");
    assert!(!page.contains("db-1"), "{page}");
    assert!(page.contains("0 selected"), "{page}");
    choose_region(&root, "ap-empty");
    tick().await;
    assert!(text(&root).contains("No instances in this region."));
}

#[wasm_bindgen_test]
async fn search_filters_by_name_id_or_ip() {
    let (root, _) = mount_form(BindMode::Bind, vec![]);
    tick().await;
    search(&root, "WEB");
    tick().await;
    let page = text(&root);
    assert!(page.contains("web-1"), "{page}");
    assert!(!page.contains("db-1"), "{page}");
    search(&root, "ins-db0");
    tick().await;
    let page = text(&root);
    assert!(page.contains("db-1") && !page.contains("web-1"), "{page}");
    search(&root, "nothing-like-this");
    tick().await;
    assert!(text(&root).contains("No instance matches this search."));
}

// ---- Unbind instance -----------------------------------------------------------------

#[wasm_bindgen_test]
async fn unbind_lists_only_bound_instances() {
    let bound = vec!["ins-old00001".to_owned(), "ins-web00001".to_owned()];
    let (root, submitted) = mount_form(BindMode::Unbind, bound);
    tick().await;
    let page = text(&root);
    assert!(page.contains("old-1") && page.contains("web-1"), "{page}");
    for other in ["db-1", "win-1", "full-1"] {
        assert!(!page.contains(other), "{other} is not bound: {page}");
    }
    assert!(!page.contains("Already bound"), "{page}");
    assert!(pick(&root, "web-1").disabled());
    assert!(row_text(&root, "web-1").contains("Shut down the instance first"));
    assert!(button(&root, "Unbind").disabled());

    force_shutdown(&root).click();
    tick().await;
    assert!(text(&root).contains("the key will be unbound"));
    pick(&root, "web-1").click();
    pick(&root, "old-1").click();
    tick().await;
    button(&root, "Unbind").click();
    tick().await;
    assert_eq!(
        submitted.get_untracked(),
        Some(BindRequest {
            instance_ids: vec!["ins-web00001".into(), "ins-old00001".into()],
            force_stop: true,
        })
    );
}

#[wasm_bindgen_test]
async fn unbind_without_bound_instances_says_so() {
    let unbound: Vec<Instance> = fleet()
        .into_iter()
        .filter(|i| !i.key_ids.iter().any(|k| k == KEY))
        .collect();
    let root = mount(move || {
        view! {
            <Router>
                <BindInstancesForm
                    mode=BindMode::Unbind
                    key_id=KEY
                    bound_ids=vec![]
                    regions=regions()
                    instances=unbound
                    pending=Signal::stored(false)
                    server_error=Signal::stored(None)
                    on_submit=|_| {}
                    on_cancel=|()| {}
                />
            </Router>
        }
    });
    tick().await;
    assert!(text(&root).contains("This key is not bound to any instance."));
    assert!(button(&root, "Unbind").disabled());
}

// ---- Results -------------------------------------------------------------------------

fn result(id: &str, outcome: BindOutcome, state: Option<InstanceState>) -> BindResult {
    BindResult {
        instance_id: id.into(),
        outcome,
        state,
    }
}

#[wasm_bindgen_test]
async fn bind_results_count_and_give_each_reason() {
    let response = BindResponse {
        results: vec![
            result("ins-db000001", BindOutcome::Bound, None),
            result("ins-old00001", BindOutcome::AlreadyBound, None),
            result(
                "ins-web00001",
                BindOutcome::InstanceRunning,
                Some(InstanceState::Running),
            ),
            result("ins-win00001", BindOutcome::OsUnsupported, None),
            result("ins-gone0001", BindOutcome::NotFound, None),
            result("ins-full0001", BindOutcome::KeyLimit, None),
        ],
    };
    let root = mount(move || {
        view! { <BindResults mode=BindMode::Bind response instances=fleet() on_close=|()| {} /> }
    });
    tick().await;
    let page = text(&root);
    assert!(page.contains("Bound to 2 of 6 instances"), "{page}");
    for line in [
        "db-1 ins-db000001: Bound",
        "old-1 ins-old00001: Already bound",
        "web-1 ins-web00001: Shut down the instance first (state RUNNING)",
        "win-1 ins-win00001: Windows not supported",
        "ins-gone0001: Not found",
        "full-1 ins-full0001: 16-key limit reached",
    ] {
        assert!(page.contains(line), "{line} missing: {page}");
    }
}

#[wasm_bindgen_test]
async fn unbind_results_count_unbound_instances() {
    let closed = RwSignal::new(false);
    let response = BindResponse {
        results: vec![
            result("ins-old00001", BindOutcome::Unbound, None),
            result("ins-db000001", BindOutcome::NotBound, None),
            result(
                "ins-web00001",
                BindOutcome::InstanceRunning,
                Some(InstanceState::Stopping),
            ),
        ],
    };
    let root = mount(move || {
        view! { <BindResults mode=BindMode::Unbind response on_close=move |()| closed.set(true) /> }
    });
    tick().await;
    let page = text(&root);
    assert!(page.contains("Unbound from 2 of 3 instances"), "{page}");
    assert!(page.contains("ins-old00001: Unbound"), "{page}");
    assert!(page.contains("ins-db000001: Not bound"), "{page}");
    assert!(
        page.contains("Shut down the instance first (state STOPPING)"),
        "{page}"
    );
    button(&root, "Close").click();
    assert!(closed.get_untracked());
}
