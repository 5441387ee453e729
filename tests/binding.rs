//! Browser tests of the Bind instance / Unbind instance forms and their result summary:
//! mounted into a fresh element, driven with real DOM events, checked on visible text.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use keyrack::key_pairs::bind_instances::{
    BindInstancesForm, BindSubmission, InstanceLoader, InstancePage,
};
use keyrack::key_pairs::bind_results::BindResults;
use keyrack_api::BindDirection;
use keyrack_api::{
    ApiError, BindOutcome, BindRequest, BindResponse, BindResult, ErrorCode, Instance,
    InstanceQuery, InstanceState, List, Os, Region,
};
use leptos::prelude::*;
use leptos::task::tick;
use leptos_router::components::Router;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, HtmlInputElement, HtmlSelectElement};

use common::dom::{assert_shows, button, find, fire, form_request, mount, press, sleep, text};

wasm_bindgen_test_configure!(run_in_browser);

const KEY: &str = "skey-ab12cd34";

// ---- helpers ------------------------------------------------------------------------

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

fn rows(root: &HtmlElement) -> u32 {
    root.query_selector_all(".pick-row").unwrap().length()
}

/// Lets every answer, effect and re-render that is due happen.
async fn settle() {
    sleep(5).await;
}

/// Longer than the search box's pause.
async fn after_typing() {
    sleep(400).await;
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
        created_at: keyrack_api::Timestamp::parse("created_at", "2026-11-28T01:00:00Z")
            .expect("a time"),
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

/// `count` instances in `ap-big`, `vm-001` on; every tenth is running.
fn big_fleet(count: u32) -> Vec<Instance> {
    (1..=count)
        .map(|n| {
            let state = if n.is_multiple_of(10) {
                InstanceState::Running
            } else {
                InstanceState::Stopped
            };
            let mut i = instance(
                &format!("ins-vm{n:06}"),
                &format!("vm-{n:03}"),
                "ap-big",
                state,
                Os::Linux,
            );
            i.private_ip = format!("10.1.{}.{}", n / 100, n % 100);
            i
        })
        .collect()
}

/// `GET /instances` over a fixed list: it filters and pages as the server does, and keeps
/// every query it was asked.
#[derive(Clone, Default)]
struct FakeServer {
    instances: Arc<Vec<Instance>>,
    calls: Arc<Mutex<Vec<InstanceQuery>>>,
    /// The next request for this offset answers only after 500 ms.
    slow_offset: Arc<Mutex<Option<u32>>>,
    /// The next request fails.
    fail_next: Arc<AtomicBool>,
}

impl FakeServer {
    fn new(instances: Vec<Instance>) -> Self {
        Self {
            instances: Arc::new(instances),
            ..Default::default()
        }
    }

    fn loader(&self) -> InstanceLoader {
        let server = self.clone();
        Callback::new(move |query: InstanceQuery| -> InstancePage {
            let slow = {
                let mut slow = server.slow_offset.lock().unwrap();
                let hit = *slow == Some(query.offset.unwrap_or(0));
                if hit {
                    *slow = None;
                }
                hit
            };
            let answer = if server.fail_next.swap(false, Ordering::SeqCst) {
                Err(ApiError::new(
                    ErrorCode::InternalError,
                    "the fleet is asleep",
                ))
            } else {
                Ok(server.page(&query))
            };
            server.calls.lock().unwrap().push(query);
            Box::pin(async move {
                if slow {
                    sleep(500).await;
                }
                answer
            })
        })
    }

    fn page(&self, q: &InstanceQuery) -> List<Instance> {
        let limit = q.limit.expect("every request is paged");
        assert!(limit <= 100, "the server takes at most 100 a page");
        let needle = q.q.clone().unwrap_or_default().to_lowercase();
        let hits: Vec<&Instance> = self
            .instances
            .iter()
            .filter(|i| q.region.as_ref().is_none_or(|r| &i.region == r))
            .filter(|i| q.key_pair.as_ref().is_none_or(|k| i.key_ids.contains(k)))
            .filter(|i| {
                i.name.to_lowercase().contains(&needle)
                    || i.id.to_lowercase().contains(&needle)
                    || i.private_ip.contains(&needle)
            })
            .collect();
        List {
            total: hits.len() as u64,
            items: hits
                .into_iter()
                .skip(q.offset.unwrap_or(0) as usize)
                .take(limit as usize)
                .cloned()
                .collect(),
        }
    }

    fn calls(&self) -> Vec<InstanceQuery> {
        self.calls.lock().unwrap().clone()
    }

    fn last_call(&self) -> InstanceQuery {
        self.calls().pop().expect("the loader was called")
    }
}

/// A form over `server` whose submissions land in the returned signal.
fn mount_over(
    mode: BindDirection,
    bound_ids: Vec<String>,
    server: &FakeServer,
) -> (HtmlElement, RwSignal<Option<BindSubmission>>) {
    let submitted = RwSignal::new(None);
    let loader = server.loader();
    let root = mount(move || {
        view! {
            <Router>
                <BindInstancesForm
                    mode
                    key_id=KEY
                    bound_ids
                    regions=regions()
                    loader
                    request=form_request(false, None)
                    on_submit=move |s| submitted.set(Some(s))
                    on_cancel=|()| {}
                />
            </Router>
        }
    });
    (root, submitted)
}

/// A form over [`fleet`].
fn mount_form(
    mode: BindDirection,
    bound_ids: Vec<String>,
) -> (HtmlElement, RwSignal<Option<BindSubmission>>) {
    mount_over(mode, bound_ids, &FakeServer::new(fleet()))
}

fn request(submitted: RwSignal<Option<BindSubmission>>) -> Option<BindRequest> {
    submitted.get_untracked().map(|s| s.request)
}

// ---- Bind instance -------------------------------------------------------------------

#[wasm_bindgen_test]
async fn bind_defaults_to_first_region_with_instances_and_shows_each_state() {
    let (root, _) = mount_form(BindDirection::Bind, vec![]);
    settle().await;
    let select: HtmlSelectElement = find(&root, "select").unchecked_into();
    assert_eq!(select.value(), "ap-guangzhou");
    let page = text(&root);
    assert!(page.contains("Region"), "{page}");
    for name in ["db-1", "web-1", "win-1", "full-1", "old-1"] {
        assert!(page.contains(name), "{name} missing: {page}");
    }
    assert!(!page.contains("sh-1"), "{page}");
    assert!(page.contains("1–5 of 5"), "{page}");
    assert!(row_text(&root, "db-1").contains("ins-db000001"));
    assert!(row_text(&root, "db-1").contains("STOPPED"));
    assert!(row_text(&root, "db-1").contains("Linux"));
    assert!(row_text(&root, "web-1").contains("RUNNING"));
    assert!(!pick(&root, "db-1").disabled());
}

#[wasm_bindgen_test]
async fn running_instance_needs_force_shutdown() {
    let (root, _) = mount_form(BindDirection::Bind, vec![]);
    settle().await;
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
    let (root, _) = mount_form(BindDirection::Bind, vec![]);
    settle().await;
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
    let (root, submitted) = mount_form(BindDirection::Bind, vec![]);
    settle().await;
    assert!(button(&root, "Bind").disabled());
    pick(&root, "db-1").click();
    tick().await;
    assert!(!button(&root, "Bind").disabled());
    press(&root, "Bind").await;
    assert_eq!(
        request(submitted),
        Some(BindRequest {
            instance_ids: vec!["ins-db000001".into()],
            force_stop: false,
        })
    );
    let names: Vec<String> = submitted
        .get_untracked()
        .unwrap()
        .instances
        .into_iter()
        .map(|i| i.name)
        .collect();
    assert_eq!(names, ["db-1"]);
}

#[wasm_bindgen_test]
async fn bind_shows_progress_while_pending() {
    let loader = FakeServer::new(fleet()).loader();
    let root = mount(move || {
        view! {
            <Router>
                <BindInstancesForm
                    mode=BindDirection::Bind
                    key_id=KEY
                    bound_ids=vec![]
                    regions=regions()
                    loader
                    request=form_request(true, None)
                    on_submit=|_| {}
                    on_cancel=|()| {}
                />
            </Router>
        }
    });
    settle().await;
    pick(&root, "db-1").click();
    tick().await;
    assert!(button(&root, "Working…").disabled());
}

#[wasm_bindgen_test]
async fn region_switch_filters_the_list_and_clears_the_selection() {
    let server = FakeServer::new(fleet());
    let (root, _) = mount_over(BindDirection::Bind, vec![], &server);
    settle().await;
    pick(&root, "db-1").click();
    tick().await;
    choose_region(&root, "ap-shanghai");
    settle().await;
    let page = text(&root);
    assert!(page.contains("sh-1"), "{page}");
    assert!(!page.contains("db-1"), "{page}");
    assert!(page.contains("0 selected"), "{page}");
    assert_eq!(server.last_call().region.as_deref(), Some("ap-shanghai"));
    choose_region(&root, "ap-empty");
    settle().await;
    assert!(text(&root).contains("No instances in this region."));
}

#[wasm_bindgen_test]
async fn search_filters_by_name_id_or_ip() {
    let server = FakeServer::new(fleet());
    let (root, _) = mount_over(BindDirection::Bind, vec![], &server);
    settle().await;
    search(&root, "WEB");
    after_typing().await;
    assert_eq!(server.last_call().q.as_deref(), Some("WEB"));
    let page = text(&root);
    assert!(page.contains("web-1"), "{page}");
    assert!(!page.contains("db-1"), "{page}");
    search(&root, "ins-db0");
    after_typing().await;
    let page = text(&root);
    assert!(page.contains("db-1") && !page.contains("web-1"), "{page}");
    search(&root, "nothing-like-this");
    after_typing().await;
    assert!(text(&root).contains("No instance matches this search."));
}

// ---- Server-side paging --------------------------------------------------------------

#[wasm_bindgen_test]
async fn lists_twenty_a_page_asked_of_the_server() {
    let server = FakeServer::new(big_fleet(250));
    let (root, _) = mount_over(BindDirection::Bind, vec![], &server);
    settle().await;
    assert_eq!(rows(&root), 20);
    let page = text(&root);
    assert!(page.contains("1–20 of 250"), "{page}");
    assert!(
        page.contains("vm-020") && !page.contains("vm-021"),
        "{page}"
    );
    let select: HtmlSelectElement = find(&root, "select").unchecked_into();
    assert_eq!(select.value(), "ap-big");
    for call in server.calls() {
        assert!(call.limit.unwrap() <= 20, "{call:?}");
    }
    let last = server.last_call();
    assert_eq!(
        (last.region.as_deref(), last.offset, last.limit),
        (Some("ap-big"), Some(0), Some(20))
    );
    assert!(button(&root, "‹ Previous").disabled());

    button(&root, "Next ›").click();
    settle().await;
    assert_eq!(server.last_call().offset, Some(20));
    let page = text(&root);
    assert!(page.contains("21–40 of 250"), "{page}");
    assert!(
        page.contains("vm-021") && !page.contains("vm-020"),
        "{page}"
    );
    assert_eq!(rows(&root), 20);
    assert!(!button(&root, "‹ Previous").disabled());
}

#[wasm_bindgen_test]
async fn the_selection_survives_a_page_change() {
    let server = FakeServer::new(big_fleet(250));
    let (root, submitted) = mount_over(BindDirection::Bind, vec![], &server);
    settle().await;
    pick(&root, "vm-003").click();
    tick().await;
    button(&root, "Next ›").click();
    settle().await;
    pick(&root, "vm-025").click();
    tick().await;
    assert!(text(&root).contains("2 selected"));
    button(&root, "‹ Previous").click();
    settle().await;
    assert!(pick(&root, "vm-003").checked(), "still ticked on page 1");
    assert!(text(&root).contains("2 selected"));
    press(&root, "Bind").await;
    assert_eq!(
        request(submitted),
        Some(BindRequest {
            instance_ids: vec!["ins-vm000003".into(), "ins-vm000025".into()],
            force_stop: false,
        })
    );
}

#[wasm_bindgen_test]
async fn last_page_and_a_long_count_read_well() {
    let server = FakeServer::new(big_fleet(1234));
    let (root, _) = mount_over(BindDirection::Bind, vec![], &server);
    settle().await;
    assert!(text(&root).contains("1–20 of 1,234"));
    search(&root, "vm-24");
    after_typing().await;
    // vm-240 … vm-249
    assert_shows(&root, "1–10 of 10");
    assert!(button(&root, "Next ›").disabled());
}

#[wasm_bindgen_test]
async fn a_search_waits_for_a_pause_and_starts_at_page_one() {
    let server = FakeServer::new(big_fleet(250));
    let (root, _) = mount_over(BindDirection::Bind, vec![], &server);
    settle().await;
    button(&root, "Next ›").click();
    settle().await;
    pick(&root, "vm-021").click();
    tick().await;
    let before = server.calls().len();
    for typed in ["v", "vm", "vm-2", "vm-24"] {
        search(&root, typed);
        sleep(20).await;
    }
    assert_eq!(server.calls().len(), before, "nothing is sent while typing");
    after_typing().await;
    let calls = server.calls();
    assert_eq!(calls.len(), before + 1, "one request after the pause");
    let last = server.last_call();
    assert_eq!(
        (last.q.as_deref(), last.offset, last.region.as_deref()),
        (Some("vm-24"), Some(0), Some("ap-big"))
    );
    let page = text(&root);
    assert!(page.contains("1–10 of 10"), "{page}");
    assert!(
        page.contains("vm-240") && !page.contains("vm-021"),
        "{page}"
    );
    assert!(
        page.contains("1 selected"),
        "a search keeps the selection: {page}"
    );
}

#[wasm_bindgen_test]
async fn a_late_answer_for_an_older_page_is_dropped() {
    let server = FakeServer::new(big_fleet(250));
    let (root, _) = mount_over(BindDirection::Bind, vec![], &server);
    settle().await;
    button(&root, "Next ›").click();
    settle().await;
    // Page 1 answers slowly; page 2, asked for after it, answers at once.
    *server.slow_offset.lock().unwrap() = Some(0);
    button(&root, "‹ Previous").click();
    settle().await;
    assert_eq!(server.last_call().offset, Some(0));
    assert_eq!(
        find(&root, ".pick-box")
            .get_attribute("aria-busy")
            .as_deref(),
        Some("true"),
        "loading shows"
    );
    assert!(
        text(&root).contains("vm-021"),
        "the old page stays meanwhile"
    );
    button(&root, "Next ›").click();
    settle().await;
    assert_eq!(server.last_call().offset, Some(20));
    assert!(text(&root).contains("21–40 of 250"));
    sleep(700).await;
    let page = text(&root);
    assert!(page.contains("21–40 of 250"), "{page}");
    assert!(
        page.contains("vm-021") && !page.contains("vm-001"),
        "{page}"
    );
    assert_eq!(
        find(&root, ".pick-box").get_attribute("aria-busy"),
        None,
        "done loading"
    );
}

#[wasm_bindgen_test]
async fn a_failed_page_offers_retry() {
    let server = FakeServer::new(big_fleet(250));
    server.fail_next.store(true, Ordering::SeqCst);
    let (root, _) = mount_over(BindDirection::Bind, vec![], &server);
    settle().await;
    let page = text(&root);
    assert!(page.contains("Could not load this page"), "{page}");
    assert!(page.contains("fleet is asleep"), "{page}");
    button(&root, "Retry").click();
    settle().await;
    assert!(text(&root).contains("1–20 of 250"));
    assert_eq!(rows(&root), 20);
}

#[wasm_bindgen_test]
async fn unticking_force_shutdown_drops_picks_made_on_other_pages() {
    let server = FakeServer::new(big_fleet(250));
    let (root, _) = mount_over(BindDirection::Bind, vec![], &server);
    settle().await;
    force_shutdown(&root).click();
    tick().await;
    pick(&root, "vm-010").click();
    pick(&root, "vm-011").click();
    tick().await;
    button(&root, "Next ›").click();
    settle().await;
    assert!(text(&root).contains("2 selected"));
    force_shutdown(&root).click();
    tick().await;
    assert!(
        text(&root).contains("1 selected"),
        "the running vm-010 is dropped"
    );
}

#[wasm_bindgen_test]
async fn empty_fleet_says_so() {
    let (root, _) = mount_over(BindDirection::Bind, vec![], &FakeServer::new(vec![]));
    settle().await;
    assert!(text(&root).contains("There are no instances yet."));
}

// ---- Unbind instance -----------------------------------------------------------------

#[wasm_bindgen_test]
async fn unbind_lists_only_bound_instances() {
    let bound = vec!["ins-old00001".to_owned(), "ins-web00001".to_owned()];
    let mut instances = fleet();
    for i in &mut instances {
        if bound.contains(&i.id) && !i.key_ids.iter().any(|k| k == KEY) {
            i.key_ids.push(KEY.into());
        }
    }
    let server = FakeServer::new(instances);
    let (root, submitted) = mount_over(BindDirection::Unbind, bound, &server);
    settle().await;
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
    press(&root, "Unbind").await;
    assert_eq!(
        request(submitted),
        Some(BindRequest {
            instance_ids: vec!["ins-web00001".into(), "ins-old00001".into()],
            force_stop: true,
        })
    );
}

#[wasm_bindgen_test]
async fn unbind_asks_the_server_for_the_keys_instances_only() {
    let server = FakeServer::new(fleet());
    let (root, _) = mount_over(BindDirection::Unbind, vec!["ins-old00001".into()], &server);
    settle().await;
    search(&root, "old");
    after_typing().await;
    let calls = server.calls();
    assert!(calls.len() >= 3, "{calls:?}");
    for call in calls {
        assert_eq!(call.key_pair.as_deref(), Some(KEY), "{call:?}");
    }
    assert!(text(&root).contains("old-1"));
}

#[wasm_bindgen_test]
async fn unbind_without_bound_instances_says_so() {
    let loader = FakeServer::new(fleet()).loader();
    let root = mount(move || {
        view! {
            <Router>
                <BindInstancesForm
                    mode=BindDirection::Unbind
                    key_id="skey-unbound1"
                    bound_ids=vec![]
                    regions=regions()
                    loader
                    request=form_request(false, None)
                    on_submit=|_| {}
                    on_cancel=|()| {}
                />
            </Router>
        }
    });
    settle().await;
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
        view! { <BindResults mode=BindDirection::Bind response picked=fleet() on_close=|()| {} /> }
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
        view! { <BindResults mode=BindDirection::Unbind response on_close=move |()| closed.set(true) /> }
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

#[wasm_bindgen_test]
async fn a_bind_stopped_part_way_counts_the_instances_it_never_reached() {
    let response = BindResponse {
        results: vec![
            result("ins-db000001", BindOutcome::Bound, None),
            result("ins-old00001", BindOutcome::Bound, None),
        ],
    };
    let root = mount(move || {
        view! {
            <BindResults mode=BindDirection::Bind response picked=fleet() not_attempted=10 on_close=|()| {} />
        }
    });
    tick().await;
    let page = text(&root);
    assert!(page.contains("Bound to 2 of 12 instances"), "{page}");
    assert!(
        page.contains("Stopped. 10 selected instances did not get the key."),
        "{page}"
    );
}

#[wasm_bindgen_test]
async fn a_batch_in_chunks_sends_each_chunk_once_and_stops_between_them() {
    use keyrack::widgets::batch::{in_chunks, BatchProgress};
    let sizes = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let (progress, stop) = (RwSignal::new(None), RwSignal::new(false));
    let log = sizes.clone();
    let send = move |chunk: Vec<u32>| {
        log.borrow_mut().push(chunk.len());
        // Stop is pressed while the second request is under way.
        if log.borrow().len() == 2 {
            stop.set(true);
        }
        async move { Ok::<_, ApiError>(chunk) }
    };
    let batch = in_chunks((0..35).collect(), 10, send, progress, stop)
        .await
        .unwrap();
    assert_eq!(*sizes.borrow(), vec![10, 10], "no third request after Stop");
    assert_eq!(batch.results, (0..20).collect::<Vec<_>>());
    assert_eq!(batch.not_attempted, 15);
    assert_eq!(batch.error, None);
    assert_eq!(
        progress.get_untracked(),
        Some(BatchProgress {
            done: 20,
            total: 35
        })
    );
}
