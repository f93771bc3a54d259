//! The background entry: the core's one live instance. Sensors and overlays
//! connect by port; every message is decoded, applied to [`Pages`], and the
//! tab's overlay gets the new state.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::chrome::Port;
use super::{now_ms, to_js, warn};
use crate::pages::{Pages, TabId};
use crate::protocol::{OverlayUpdate, SensorEvent};

const SENSOR: &str = "sensor";
const OVERLAY: &str = "overlay";

#[derive(Default)]
struct State {
    pages: Pages,
    sensors: BTreeMap<TabId, Port>,
    overlays: BTreeMap<TabId, Vec<Port>>,
}

/// Held by `background.js` for the worker's lifetime.
#[wasm_bindgen]
pub struct Background {
    state: Rc<RefCell<State>>,
    on_message: Closure<dyn FnMut(JsValue, Port)>,
    on_disconnect: Closure<dyn FnMut(Port)>,
}

#[wasm_bindgen]
impl Background {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Background {
        let state = Rc::new(RefCell::new(State::default()));
        let (s1, s2) = (state.clone(), state.clone());
        // One listener pair shared by every port: Chrome passes the port
        // along, so nothing is allocated per connection.
        let on_message = Closure::new(move |message: JsValue, port: Port| s1.borrow_mut().receive(message, &port));
        let on_disconnect = Closure::new(move |port: Port| s2.borrow_mut().disconnect(&port));
        Background { state, on_message, on_disconnect }
    }

    /// `chrome.runtime.onConnect`.
    pub fn connect(&self, port: Port) {
        port.on_message().add_listener(self.on_message.as_ref().unchecked_ref());
        port.on_disconnect().add_listener(self.on_disconnect.as_ref().unchecked_ref());
        if port.name() == OVERLAY {
            if let Some(tab) = port.tab_id() {
                let mut state = self.state.borrow_mut();
                state.overlays.entry(tab).or_default().push(port);
                state.push_overlay(tab);
            }
        }
    }

    /// A message that arrived on `port` before the core was ready.
    pub fn receive(&self, message: JsValue, port: Port) {
        self.state.borrow_mut().receive(message, &port);
    }
}

impl Default for Background {
    fn default() -> Self {
        Self::new()
    }
}

impl State {
    fn receive(&mut self, message: JsValue, port: &Port) {
        if port.name() != SENSOR || !port.is_top_frame() {
            return;
        }
        let Some(tab) = port.tab_id() else { return };
        let event: SensorEvent = match serde_wasm_bindgen::from_value(message) {
            Ok(event) => event,
            Err(err) => return warn(&format!("refused sensor message from tab {tab}: {err}")),
        };
        if matches!(event, SensorEvent::Hello { .. }) {
            self.sensors.insert(tab, port.clone());
        }
        match self.pages.apply(tab, event, now_ms()) {
            Ok(Some(command)) => post(port, &command),
            Ok(None) => {}
            Err(err) => warn(&err.to_string()),
        }
        self.push_overlay(tab);
    }

    fn disconnect(&mut self, port: &Port) {
        let Some(tab) = port.tab_id() else { return };
        if port.name() == SENSOR {
            // Only the tab's current sensor ends its page; a stale port
            // from before a reload must not.
            if self.sensors.get(&tab).is_some_and(|p| js_sys::Object::is(p, port)) {
                self.sensors.remove(&tab);
                self.pages.close(tab, now_ms());
            }
        } else if let Some(ports) = self.overlays.get_mut(&tab) {
            ports.retain(|p| !js_sys::Object::is(p, port));
            if ports.is_empty() {
                self.overlays.remove(&tab);
            }
        }
    }

    /// Sends the tab's overlay(s) what to show now.
    fn push_overlay(&self, tab: TabId) {
        let (Some(ports), Some(state)) = (self.overlays.get(&tab), self.pages.overlay_state(tab, now_ms())) else {
            return;
        };
        let update = OverlayUpdate::State(state);
        for port in ports {
            post(port, &update);
        }
    }
}

fn post<T: serde::Serialize>(port: &Port, message: &T) {
    match to_js(message) {
        Ok(value) => {
            // A port that closed under us is not an error worth more than a note.
            if port.post_message(&value).is_err() {
                warn("posted to a closed port");
            }
        }
        Err(err) => warn(&format!("could not encode a message: {err}")),
    }
}
