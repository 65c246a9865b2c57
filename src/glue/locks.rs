//! The browser calls that keep two tabs apart (issue 20): a Web Lock held for a run's
//! whole life (`navigator.locks.request(name, {ifAvailable: true}, cb)`), the list of
//! the origin's held locks (`navigator.locks.query()`), and a BroadcastChannel for the
//! notices. web-sys has the Web Locks API only behind `web_sys_unstable_apis`, so it is
//! reached with `js_sys::Reflect`. What the names and notices are: `roster_core::run::tabs`.

use std::cell::RefCell;

use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// `navigator.locks`, where the browser has it (a secure context: https or localhost).
fn manager() -> Option<JsValue> {
    let navigator = web_sys::window()?.navigator();
    let locks = Reflect::get(&navigator, &"locks".into()).ok()?;
    (!locks.is_undefined() && !locks.is_null()).then_some(locks)
}

fn method(on: &JsValue, name: &str) -> Option<Function> {
    Reflect::get(on, &name.into()).ok()?.dyn_into().ok()
}

/// A lock this tab holds until [`Held::release`].
pub struct Held {
    name: String,
    /// Resolves the promise the lock is held by.
    release: Function,
    /// `request()`'s promise: settled once the lock is released.
    done: Promise,
}

impl Held {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Lets the lock go; the promise settles once the browser has released it.
    pub fn release_now(self) -> Promise {
        let _ = self.release.call0(&JsValue::UNDEFINED);
        self.done
    }
}

/// The answer to a request for a lock.
pub enum Claim {
    Held(Held),
    /// Another tab (or this one) holds it.
    Taken,
    /// The browser has no Web Locks here (not a secure context).
    Unsupported,
}

/// Asks for the lock `name` if nobody holds it, without waiting for it.
pub async fn claim(name: &str) -> Claim {
    let Some(locks) = manager() else {
        return Claim::Unsupported;
    };
    let Some(request) = method(&locks, "request") else {
        return Claim::Unsupported;
    };
    let options = Object::new();
    let _ = Reflect::set(&options, &"ifAvailable".into(), &JsValue::TRUE);
    let (tx, rx) = futures::channel::oneshot::channel::<Option<Function>>();
    let tx = RefCell::new(Some(tx));
    // Called with the lock, or with null when it is taken. The lock is held until the
    // promise returned here settles.
    let granted = Closure::once_into_js(move |lock: JsValue| -> Promise {
        let Some(tx) = tx.borrow_mut().take() else {
            return Promise::resolve(&JsValue::UNDEFINED);
        };
        if lock.is_null() || lock.is_undefined() {
            let _ = tx.send(None);
            return Promise::resolve(&JsValue::UNDEFINED);
        }
        let mut release = None;
        let held = Promise::new(&mut |resolve, _| release = Some(resolve));
        let _ = tx.send(release);
        held
    });
    let Some(done) = request
        .call3(&locks, &JsValue::from_str(name), &options, &granted)
        .ok()
        .and_then(|p| p.dyn_into::<Promise>().ok())
    else {
        return Claim::Unsupported;
    };
    // A request that fails (a page the browser gives no locks) never calls back: its
    // promise settles first, and Start must not wait for ever.
    let answer = match futures::future::select(rx, JsFuture::from(done.clone())).await {
        futures::future::Either::Left((answer, _)) => answer.ok(),
        futures::future::Either::Right(_) => None,
    };
    match answer {
        Some(Some(release)) => Claim::Held(Held {
            name: name.to_owned(),
            release,
            done,
        }),
        Some(None) => Claim::Taken,
        None => Claim::Unsupported,
    }
}

/// The names of the locks held in this origin, by every tab (this one included);
/// `None` without Web Locks.
pub async fn held_names() -> Option<Vec<String>> {
    let locks = manager()?;
    let query = method(&locks, "query")?;
    let promise: Promise = query.call0(&locks).ok()?.dyn_into().ok()?;
    let snapshot = JsFuture::from(promise).await.ok()?;
    let held: Array = Reflect::get(&snapshot, &"held".into())
        .ok()?
        .dyn_into()
        .ok()?;
    Some(
        held.iter()
            .filter_map(|info| Reflect::get(&info, &"name".into()).ok()?.as_string())
            .collect(),
    )
}

/// A BroadcastChannel with its message handler.
pub struct Channel {
    channel: web_sys::BroadcastChannel,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
}

impl Channel {
    /// Opens the channel `name`; `on_message` gets every text message of other tabs.
    pub fn open(name: &str, mut on_message: impl FnMut(String) + 'static) -> Option<Channel> {
        let channel = web_sys::BroadcastChannel::new(name).ok()?;
        let handler =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                if let Some(text) = ev.data().as_string() {
                    on_message(text);
                }
            });
        channel.set_onmessage(Some(handler.as_ref().unchecked_ref()));
        Some(Channel {
            channel,
            _on_message: handler,
        })
    }

    /// Sends a text message to the other tabs (never to this one).
    pub fn post(&self, text: &str) {
        let _ = self.channel.post_message(&JsValue::from_str(text));
    }
}
