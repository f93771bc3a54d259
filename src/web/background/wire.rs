//! The sensor's messages as they travel, and as the core reads them.
//!
//! On the wire a message names its kind inside (`{"type": "view", "id":
//! 3}`, what `content.js` posts and `tests/sensor_messages.json` lists);
//! the core's [`SensorEvent`](crate::protocol::SensorEvent) is externally
//! tagged (`{"view": {"id": 3}}`). serde reads an internally tagged enum
//! through its buffering `Content` (a copy of the message, then a second
//! decoder per kind), which cost the worker's module 11 KB (gzip): the tag
//! is moved here instead, before the one decoder.
//!
//! What the decoder then checks: the kind, every declared field and its
//! type, and what a batch may hold. An extra field is not seen, so not
//! refused: serde-wasm-bindgen reads a struct by its declared fields
//! (`deny_unknown_fields` acts in the native decoder only).

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

const TAG: &str = "type";

/// A sensor message in the core's form; a batch's events too.
///
/// ```text
/// {"type": "view", "id": 3}             -> {"view": {"id": 3}}
/// {"type": "heartbeat"}                 -> {"heartbeat": {}}
/// {"type": "batch", "items": [{"ago_ms": 5, "event": {"type": "input"}}]}
///   -> {"batch": {"items": [{"ago_ms": 5, "event": {"input": {}}}]}}
/// {"view": {"id": 3}}, {"type": 7}, 7   -> undefined (the decoder refuses it)
/// ```
pub fn sensor_event(message: &JsValue) -> JsValue {
    let Some((kind, fields)) = untag(message) else {
        return JsValue::UNDEFINED;
    };
    if kind == "batch" {
        if let Ok(items) = Reflect::get(&fields, &"items".into()) {
            if let Some(items) = items.dyn_ref::<Array>() {
                let moved = items.map(&mut |item, _, _| with_event_moved(item));
                let _ = Reflect::set(&fields, &"items".into(), &moved);
            }
        }
    }
    tagged(&kind, &fields)
}

/// `{"ago_ms": 5, "event": {"type": "input"}}` -> `{"ago_ms": 5, "event": {"input": {}}}`.
fn with_event_moved(item: JsValue) -> JsValue {
    let Some(item) = item.dyn_ref::<Object>() else {
        return item;
    };
    let copy = Object::assign(&Object::new(), item);
    if let Ok(event) = Reflect::get(&copy, &"event".into()) {
        let _ = Reflect::set(&copy, &"event".into(), &sensor_event(&event));
    }
    copy.into()
}

/// The kind a message names, and its other fields (a new object).
fn untag(message: &JsValue) -> Option<(String, Object)> {
    let object = message
        .dyn_ref::<Object>()
        .filter(|_| !Array::is_array(message))?;
    let kind = Reflect::get(object, &TAG.into()).ok()?.as_string()?;
    let fields = Object::assign(&Object::new(), object);
    let _ = Reflect::delete_property(&fields, &TAG.into());
    Some((kind, fields))
}

/// `{kind: fields}`.
fn tagged(kind: &str, fields: &Object) -> JsValue {
    let out = Object::new();
    let _ = Reflect::set(&out, &kind.into(), fields);
    out.into()
}
