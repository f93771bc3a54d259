//! The sensor's wire form (`{"type": "view", "id": 3}`) and the core's
//! (`{"view": {"id": 3}}`), for native tests: the same move as
//! `src/web/background/wire.rs` makes in the worker, on `serde_json` values.

// Each test crate uses what it needs of this.
#![allow(dead_code)]

use serde_json::{Map, Value};

/// Wire -> core: `{"type": "view", "id": 3}` -> `{"view": {"id": 3}}`; a
/// batch's events too; no string `type` -> `null` (refused).
pub fn to_core(message: &Value) -> Value {
    let Some((kind, mut fields)) = untag(message) else {
        return Value::Null;
    };
    each_batched(&kind, &mut fields, to_core);
    Value::Object(Map::from_iter([(kind, Value::Object(fields))]))
}

/// Core -> wire: `{"view": {"id": 3}}` -> `{"type": "view", "id": 3}`; a
/// batch's events too.
pub fn to_wire(encoded: &Value) -> Value {
    let Some((kind, fields)) = encoded
        .as_object()
        .filter(|o| o.len() == 1)
        .and_then(|o| o.iter().next())
    else {
        return encoded.clone();
    };
    let mut out = Map::from_iter([("type".to_string(), Value::String(kind.clone()))]);
    for (k, v) in fields.as_object().into_iter().flatten() {
        out.insert(k.clone(), v.clone());
    }
    each_batched(kind, &mut out, to_wire);
    Value::Object(out)
}

/// A batch's events, each moved by `to`; any other kind is left alone.
fn each_batched(kind: &str, fields: &mut Map<String, Value>, to: fn(&Value) -> Value) {
    if let Some(Value::Array(items)) = fields.get_mut("items").filter(|_| kind == "batch") {
        for event in items.iter_mut().filter_map(|item| item.get_mut("event")) {
            *event = to(event);
        }
    }
}

fn untag(message: &Value) -> Option<(String, Map<String, Value>)> {
    let mut fields = message.as_object()?.clone();
    let kind = fields.remove("type")?.as_str()?.to_string();
    Some((kind, fields))
}
