//! The page's sensor (extension/content.js) against the Rust types of its
//! messages: one list of samples (`tests/sensor_messages.json`), each
//! decoded through `protocol.rs` and back, and the list held to what
//! content.js actually posts and handles.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use thaman::protocol::{SensorCommand, SensorEvent};

fn samples(side: &str) -> Vec<Value> {
    let text = std::fs::read_to_string("tests/sensor_messages.json").unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    all[side].as_array().unwrap().clone()
}

fn content_js() -> String {
    std::fs::read_to_string("extension/content.js").unwrap()
}

/// JSON equality with numbers compared as numbers (`5` is `5.0`).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// Every field the sample has, the encoded message has too, unchanged.
fn kept(sample: &Value, encoded: &Value) -> bool {
    sample
        .as_object()
        .unwrap()
        .iter()
        .all(|(k, v)| encoded.get(k).is_some_and(|w| same(v, w)))
}

#[test]
fn every_sensor_sample_decodes_and_round_trips() {
    for sample in samples("sensor") {
        let event: SensorEvent = serde_json::from_value(sample.clone())
            .unwrap_or_else(|e| panic!("{sample}: the core refuses it: {e}"));
        let encoded = serde_json::to_value(&event).unwrap();
        assert!(kept(&sample, &encoded), "{sample} came back as {encoded}");
        let again: SensorEvent = serde_json::from_value(encoded).unwrap();
        assert_eq!(again, event, "{sample}");
    }
}

#[test]
fn every_core_sample_is_what_the_core_sends() {
    for sample in samples("core") {
        let command: SensorCommand = serde_json::from_value(sample.clone())
            .unwrap_or_else(|e| panic!("{sample}: not a command: {e}"));
        let encoded = serde_json::to_value(&command).unwrap();
        assert!(same(&sample, &encoded), "{sample} is sent as {encoded}");
        let again: SensorCommand = serde_json::from_value(encoded).unwrap();
        assert_eq!(again, command, "{sample}");
    }
}

/// The keys of the JS object literal that opens at `text[open]` (`{`).
///
/// ```text
/// "{ type: 'view', id, ratio: f(a, b), area: x * y }" -> {type, id, ratio, area}
/// ```
fn literal_keys(text: &str, open: usize) -> BTreeSet<String> {
    let bytes = text.as_bytes();
    assert_eq!(bytes[open], b'{');
    let (mut depth, mut quote, mut part) = (0i32, None::<u8>, String::new());
    let mut parts = Vec::new();
    for &b in &bytes[open..] {
        if let Some(q) = quote {
            if b == q {
                quote = None;
            }
            if depth == 1 {
                part.push(b as char);
            }
            continue;
        }
        match b {
            b'\'' | b'"' | b'`' => quote = Some(b),
            b'{' | b'(' | b'[' => depth += 1,
            b'}' | b')' | b']' => depth -= 1,
            _ => {}
        }
        if depth == 0 {
            break;
        }
        if depth == 1 && b == b',' {
            parts.push(std::mem::take(&mut part));
        } else if !(depth == 1 && b == b'{' && part.is_empty() && parts.is_empty()) {
            part.push(b as char);
        }
    }
    parts.push(part);
    parts
        .iter()
        .map(|p| p.trim().trim_start_matches('{').trim())
        .filter(|p| !p.is_empty())
        .map(|p| {
            assert!(!p.starts_with("..."), "a spread in a message: {p}");
            p.split(':').next().unwrap().trim().to_string()
        })
        .collect()
}

/// Each message type content.js posts, with the keys it writes.
fn posted_by_content_js() -> BTreeMap<String, BTreeSet<String>> {
    let js = content_js();
    let mut posted = BTreeMap::new();
    for (at, _) in js.match_indices("type: '") {
        let name: String = js[at + 7..].chars().take_while(|c| *c != '\'').collect();
        let open = js[..at].rfind('{').unwrap();
        let keys = literal_keys(&js, open);
        assert!(keys.contains("type"), "{name}: keys {keys:?}");
        let before = posted.insert(name.clone(), keys);
        assert!(before.is_none(), "content.js posts {name} from two places");
    }
    posted
}

#[test]
fn literal_keys_read_a_message() {
    let js = "post({ type: 'view', id, ratio: f(a, b), area: box.width * box.height });";
    let keys = literal_keys(js, js.find('{').unwrap());
    assert_eq!(
        keys.into_iter().collect::<Vec<_>>(),
        ["area", "id", "ratio", "type"]
    );
    let js = "port.postMessage({\n  type: 'hello', url: location.href, media: n > 0,\n  idle_ms: a >= 0 ? b : undefined,\n});";
    let keys = literal_keys(js, js.find('{').unwrap());
    assert_eq!(
        keys.into_iter().collect::<Vec<_>>(),
        ["idle_ms", "media", "type", "url"]
    );
}

#[test]
fn the_samples_are_what_content_js_posts() {
    let posted = posted_by_content_js();
    assert!(posted.len() >= 12, "found only {posted:?}");
    let mut sampled: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for sample in samples("sensor") {
        let o = sample.as_object().unwrap();
        let name = o["type"].as_str().unwrap().to_string();
        sampled.entry(name).or_default().extend(o.keys().cloned());
    }
    for (name, keys) in &posted {
        let Some(sample_keys) = sampled.get(name) else {
            panic!("content.js posts {name:?}: add a sample of it to tests/sensor_messages.json");
        };
        assert_eq!(
            sample_keys, keys,
            "{name}: the samples' fields differ from what content.js writes"
        );
    }
    for name in sampled.keys() {
        assert!(
            posted.contains_key(name),
            "sample {name:?}: content.js no longer posts it"
        );
    }
}

#[test]
fn content_js_handles_every_command_sampled() {
    let js = content_js();
    let handled: BTreeSet<String> = js
        .match_indices("message.type === '")
        .map(|(at, m)| {
            js[at + m.len()..]
                .chars()
                .take_while(|c| *c != '\'')
                .collect()
        })
        .collect();
    let sampled: BTreeSet<String> = samples("core")
        .iter()
        .map(|s| s["type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        handled, sampled,
        "content.js handles these commands; the samples cover these"
    );
}

#[test]
fn the_manifest_loads_the_shared_numbers_before_the_sensor() {
    let text = std::fs::read_to_string("manifest.json").unwrap();
    let manifest: Value = serde_json::from_str(&text).unwrap();
    let js: Vec<&str> = manifest["content_scripts"][0]["js"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(js, thaman::protocol::SENSOR_SCRIPTS);
}

#[test]
fn content_js_reads_the_shared_numbers_it_names() {
    // Each `NAME` destructured from globalThis.thamanLimits is one limits.rs shares.
    let js = content_js();
    let names: BTreeSet<&str> = thaman::limits::SHARED.iter().map(|(n, _)| *n).collect();
    let mut read = 0;
    for (at, _) in js.match_indices("} = globalThis.thamanLimits") {
        let open = js[..at].rfind('{').unwrap();
        for part in js[open + 1..at].split(',') {
            let name = part.split(':').next().unwrap().trim();
            assert!(
                names.contains(name),
                "content.js reads {name:?}, not in limits::SHARED"
            );
            read += 1;
        }
    }
    assert!(
        read >= 2,
        "content.js reads its shared numbers from constants.js"
    );
}
