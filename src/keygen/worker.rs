//! The page's side of the key-generation worker: started lazily with
//! `new Worker("/keygen-worker_loader.js")` (a classic worker, from Trunk's loader shim),
//! awaited until it says "ready", then asked one request at a time. An idle worker is kept
//! for the next key until [`release`]; a failing one is terminated.

use std::cell::RefCell;

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{ErrorEvent, Event, MessageEvent, Worker};

use super::KeygenFailure;
use crate::i18n::{msg, t, Msg};

/// The loader Trunk writes for `data-type="worker" data-loader-shim`.
const LOADER: &str = "/keygen-worker_loader.js";
/// What the worker posts once its WebAssembly is loaded.
const READY: &str = "ready";

thread_local! {
    /// A loaded worker that is not answering anything.
    static IDLE: RefCell<Option<Worker>> = const { RefCell::new(None) };
}

/// Sends `request` (JSON) to a ready worker and returns its answer and the round trip in
/// milliseconds. Concurrent calls each get their own worker.
pub(super) async fn call(request: &str) -> Result<(JsValue, f64), KeygenFailure> {
    let worker = match IDLE.with(|slot| slot.borrow_mut().take()) {
        Some(worker) => worker,
        None => start().await?,
    };
    let started = now();
    match exchange(&worker, Some(request)).await {
        Ok(answer) => {
            let elapsed = now() - started;
            park(worker);
            Ok((answer, elapsed))
        }
        Err(e) => {
            worker.terminate();
            Err(e)
        }
    }
}

/// Terminates the idle worker, if any, so its memory (which held key material) is freed.
/// The next key starts a new one.
pub fn release() {
    if let Some(worker) = IDLE.with(|slot| slot.borrow_mut().take()) {
        worker.terminate();
    }
}

async fn start() -> Result<Worker, KeygenFailure> {
    let worker = Worker::new(LOADER).map_err(|e| KeygenFailure::Worker(describe(&e)))?;
    match exchange(&worker, None).await {
        Ok(first) if first.as_string().as_deref() == Some(READY) => Ok(worker),
        Ok(_) => {
            worker.terminate();
            Err(KeygenFailure::Worker(t(Msg::CreateKeygenNotReady).into()))
        }
        Err(e) => {
            worker.terminate();
            Err(e)
        }
    }
}

fn park(worker: Worker) {
    IDLE.with(|slot| {
        let mut slot = slot.borrow_mut();
        if slot.is_none() {
            *slot = Some(worker);
        } else {
            worker.terminate();
        }
    });
}

/// Posts `message`, if any, and waits for the worker's next message or its failure.
async fn exchange(worker: &Worker, message: Option<&str>) -> Result<JsValue, KeygenFailure> {
    let mut handlers = None;
    let answer = Promise::new(&mut |resolve, reject| {
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let _ = resolve.call1(&JsValue::NULL, &e.data());
        });
        let on_error = Closure::<dyn FnMut(Event)>::new(move |e: Event| {
            let why = e
                .dyn_ref::<ErrorEvent>()
                .map(ErrorEvent::message)
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| msg::create_keygen_event(e.type_()));
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str(&why));
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        worker.set_onmessageerror(Some(on_error.as_ref().unchecked_ref()));
        handlers = Some((on_message, on_error));
    });
    if let Some(message) = message {
        worker
            .post_message(&JsValue::from_str(message))
            .map_err(|e| KeygenFailure::Worker(describe(&e)))?;
    }
    let result = JsFuture::from(answer).await;
    worker.set_onmessage(None);
    worker.set_onerror(None);
    worker.set_onmessageerror(None);
    drop(handlers);
    result.map_err(|e| KeygenFailure::Worker(describe(&e)))
}

fn describe(e: &JsValue) -> String {
    e.as_string()
        .or_else(|| e.dyn_ref::<js_sys::Error>().map(|e| e.message().into()))
        .unwrap_or_else(|| t(Msg::CreateKeygenUnknownError).into())
}

fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}
