//! The on-page overlay: today's attention on this site, `h:mm:ss`,
//! rendered in the extension iframe the sensor places
//! in a closed shadow root. It shows what the background core holds and
//! ticks locally between updates so the page never waits on a message.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::callback::{Interval, Timeout};
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element};

use super::chrome::{self, Port};
use super::{dom, warn};
use crate::format::{clock, with_digits, Digits};
use crate::protocol::{OverlayState, OverlayUpdate};

/// The overlay's elements; built once, updated in place.
pub struct View {
    pill: Element,
    site: Element,
    time: Element,
    ads: Element,
    take: Element,
}

impl View {
    pub fn mount(doc: &Document, parent: &Element) -> Result<View, JsValue> {
        let pill = dom::element(doc, "main", "pill", "")?;
        pill.set_attribute("role", "status")?;
        pill.set_attribute("aria-label", &chrome::message("overlayLabel"))?;
        let dot = dom::element(doc, "span", "dot", "")?;
        dot.set_attribute("aria-hidden", "true")?;
        let site = dom::element(doc, "span", "site", "")?;
        let time = dom::element(doc, "span", "time", "")?;
        let label = dom::element(doc, "span", "label", &chrome::message("overlayToday"))?;
        let ads = dom::element(doc, "span", "ads", "")?;
        let take = dom::element(doc, "span", "take", "")?;
        for child in [&dot, &site, &time, &label, &ads, &take] {
            pill.append_child(child)?;
        }
        parent.append_child(&pill)?;
        Ok(View { pill, site, time, ads, take })
    }

    /// Shows `state`, `elapsed_s` seconds after it was received. It ticks
    /// only while counting, and stops by itself when `stops_in` runs out.
    pub fn render(&self, state: &OverlayState, elapsed_s: f64) {
        let ticked = if state.counting { elapsed_s.clamp(0.0, state.stops_in.unwrap_or(f64::INFINITY)) } else { 0.0 };
        let seconds = state.seconds + ticked;
        let text = clock(seconds, Digits::Latin);
        if self.time.text_content().as_deref() != Some(text.as_str()) {
            self.time.set_text_content(Some(&text));
        }
        let ads = chrome::message_with("overlayAds", &[&with_digits(&state.ads.to_string(), Digits::Latin)]);
        if self.ads.text_content().as_deref() != Some(ads.as_str()) {
            self.ads.set_text_content(Some(&ads));
        }
        let (take, detail) = match &state.take {
            Some(t) => {
                let money = |usd: f64| dom::money(usd * state.usd_rate, &state.currency);
                let source = if t.override_used { chrome::message("takeOwnCpm") } else { t.source.clone() };
                let detail = chrome::message_with("takeDetail", &[&money(t.low), &money(t.high), &source]);
                (chrome::message_with("takeShort", &[&money(t.typical)]), detail)
            }
            None => (String::new(), String::new()),
        };
        if self.take.text_content().as_deref() != Some(take.as_str()) {
            self.take.set_text_content(Some(&take));
            let _ = self.take.set_attribute("title", &detail);
        }
        let name = chrome::message(&format!("site_{}", state.site));
        if self.site.text_content().as_deref() != Some(name.as_str()) {
            self.site.set_text_content(Some(&name));
        }
        let counting = state.counting && state.stops_in.is_none_or(|s| elapsed_s < s);
        let _ = self.pill.class_list().toggle_with_force("counting", counting);
    }
}

struct Overlay {
    view: View,
    latest: Option<(OverlayState, f64)>,
}

impl Overlay {
    fn render(&self) {
        if let Some((state, received_at)) = &self.latest {
            self.view.render(state, (performance_now() - received_at) / 1000.0);
        }
    }
}

/// Entry point for `overlay.html`.
#[wasm_bindgen]
pub fn start_overlay() -> Result<(), JsValue> {
    let doc = dom::document()?;
    dom::apply_locale(&doc)?;
    let body = doc.body().ok_or("no body")?;
    let overlay = Rc::new(RefCell::new(Overlay { view: View::mount(&doc, &body)?, latest: None }));
    connect(overlay.clone());
    let ticking = overlay.clone();
    Interval::new(250, move || ticking.borrow().render()).forget();
    Ok(())
}

/// Connects to the core, and again whenever the worker restarts.
fn connect(overlay: Rc<RefCell<Overlay>>) {
    let info = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&info, &"name".into(), &"overlay".into());
    let port: Port = match chrome::runtime_connect(&info) {
        Ok(port) => port,
        Err(_) => return warn("overlay could not reach the background"),
    };
    let receiving = overlay.clone();
    let on_message = Closure::<dyn FnMut(JsValue)>::new(move |message: JsValue| {
        match serde_wasm_bindgen::from_value::<OverlayUpdate>(message) {
            Ok(OverlayUpdate::State(state)) => {
                let mut overlay = receiving.borrow_mut();
                overlay.latest = Some((state, performance_now()));
                overlay.render();
            }
            Err(err) => warn(&format!("overlay refused an update: {err}")),
        }
    });
    let on_disconnect = Closure::<dyn FnMut()>::new(move || {
        let overlay = overlay.clone();
        Timeout::new(300, move || connect(overlay)).forget();
    });
    port.on_message().add_listener(on_message.as_ref().unchecked_ref());
    port.on_disconnect().add_listener(on_disconnect.as_ref().unchecked_ref());
    // Both live as long as the port; a reconnect is rare (worker restart).
    on_message.forget();
    on_disconnect.forget();
}

fn performance_now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}
