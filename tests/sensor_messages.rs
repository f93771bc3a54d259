//! The page's sensor (extension/content.js) against the Rust types of its
//! messages: one list of samples (`tests/sensor_messages.json`), each
//! decoded through `protocol.rs` and back, and the list held to what
//! content.js actually posts and handles.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use thaman::protocol::{SensorCommand, SensorEvent};

#[path = "common/wire.rs"]
mod wire;

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
        let event: SensorEvent = serde_json::from_value(wire::to_core(&sample))
            .unwrap_or_else(|e| panic!("{sample}: the core refuses it: {e}"));
        let encoded = wire::to_wire(&serde_json::to_value(&event).unwrap());
        assert!(kept(&sample, &encoded), "{sample} came back as {encoded}");
        let again: SensorEvent = serde_json::from_value(wire::to_core(&encoded)).unwrap();
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

mod batches {
    use thaman::calendar::FixedZone;
    use thaman::ledger::Ledger;
    use thaman::protocol::{Batched, SensorCommand, SensorEvent, Waited};
    use thaman::settings::Settings;
    use thaman::tracker::Tracker;

    const Z: FixedZone = FixedZone(0);
    const T0: f64 = 1_795_395_600_000.0; // 2026-11-23T01:00Z

    /// What the sensor sends for what it saw (`(ms, event, at once)`), as
    /// content.js does: what can wait at most once a second, each item with
    /// how long ago it happened; what cannot, at once with what waited;
    /// each batch with when it left.
    fn as_sent(seen: Vec<(f64, SensorEvent, bool)>) -> Vec<(f64, SensorEvent)> {
        let mut sent = Vec::new();
        let mut waiting: Vec<(f64, SensorEvent)> = Vec::new();
        let mut last_sent = f64::NEG_INFINITY;
        let mut due: Option<f64> = None;
        let mut flush = |at: f64, waiting: &mut Vec<(f64, SensorEvent)>, last_sent: &mut f64| {
            let items = std::mem::take(waiting);
            *last_sent = at;
            let items = items
                .into_iter()
                .map(|(t, event)| Batched {
                    ago_ms: at - t,
                    event: Waited::try_from(event).unwrap(),
                })
                .collect();
            let sent_at = Some(T0 + at);
            sent.push((at, SensorEvent::Batch { items, sent_at }));
        };
        for (t, event, now) in seen {
            if let Some(d) = due.filter(|d| *d <= t) {
                flush(d, &mut waiting, &mut last_sent);
                due = None;
            }
            waiting.push((t, event));
            if now {
                flush(t, &mut waiting, &mut last_sent);
                due = None;
            } else if due.is_none() {
                due = Some((last_sent + 1000.0).max(t));
            }
        }
        if let Some(d) = due {
            flush(d, &mut waiting, &mut last_sent);
        }
        sent
    }

    /// Two ads and a post; 20 s of scrolling (an input a second, a
    /// heartbeat every 5 s); ad 1 over its threshold 1.4 s (viewable), ad
    /// 2 for 0.8 s before it leaves the page (not viewable).
    fn scrolling() -> Vec<(f64, SensorEvent, bool)> {
        let view = |id, ratio| SensorEvent::View {
            id,
            ratio,
            area: 90_000.0,
        };
        let mut seen = vec![];
        for (id, rule, label) in [(1, 0, None), (2, 1, Some("Ad")), (3, 1, Some("A post"))] {
            let labels = label.into_iter().map(String::from).collect();
            seen.push((50.0, SensorEvent::Slot { id, rule, labels }, false));
        }
        for s in 0..20 {
            let t = 100.0 + f64::from(s) * 1000.0;
            seen.push((t, SensorEvent::Input { typing: false }, s == 0));
            if s % 5 == 4 {
                seen.push((t + 30.0, SensorEvent::Heartbeat {}, false));
            }
        }
        seen.extend([
            (2_000.0, view(1, 0.1), true),
            (2_300.0, view(1, 0.6), true),
            (2_500.0, view(1, 1.0), false),
            (3_700.0, view(1, 0.2), true),
            (6_000.0, view(2, 0.6), true),
            (6_800.0, SensorEvent::Gone { id: 2 }, true),
            (9_000.0, view(3, 0.0), false),
        ]);
        seen.sort_by(|a, b| a.0.total_cmp(&b.0));
        seen
    }

    /// Feeds `sent` to a new tracker from T0; returns (attention s, ads
    /// rendered, viewable, the ads the sensor was told to watch).
    fn fed(sent: Vec<(f64, SensorEvent)>) -> (f64, u64, u64, Vec<u32>) {
        let rules =
            thaman::rules::parse_rules("x.com##div.ad\nx.com##article:label(span)\n").unwrap();
        let labels = thaman::labels::Labels::parse("en: Ad").unwrap();
        let mut t = Tracker::new(Settings::default(), Ledger::default(), None, &Z)
            .with_rules(rules, labels);
        let hello = SensorEvent::Hello {
            url: "https://x.com/home".into(),
            visible: true,
            focused: true,
            media: false,
            idle_ms: None,
            reconnected: false,
        };
        t.sensor(1, hello, T0, &Z).unwrap();
        let mut watch = vec![];
        let mut answered = |c| match c {
            SensorCommand::Ad { id } => watch.push(id),
            other => panic!("{other:?}"),
        };
        let next: Vec<f64> = sent.iter().skip(1).map(|(at, _)| *at).collect();
        for (i, (at, event)) in sent.into_iter().enumerate() {
            match t.sensor(1, event, T0 + at, &Z).unwrap() {
                Some(SensorCommand::Batch { commands }) => {
                    commands.into_iter().for_each(&mut answered)
                }
                Some(c) => answered(c),
                None => {}
            }
            // The background's timers, between two messages.
            if let Some(n) = next.get(i) {
                t.tick(T0 + (at + n) / 2.0, &Z);
            }
        }
        let end = T0 + 120_000.0;
        t.tick(end, &Z);
        let days = t.export(end, &Z).days;
        let sum = |f: fn(&thaman::store::DayRow) -> f64| days.iter().map(f).sum::<f64>();
        (
            sum(|d| d.attention_seconds),
            sum(|d| d.ads_rendered as f64) as u64,
            sum(|d| d.ads_viewable as f64) as u64,
            watch,
        )
    }

    #[test]
    fn a_batch_counts_as_its_events_sent_alone() {
        let alone: Vec<_> = scrolling().into_iter().map(|(t, e, _)| (t, e)).collect();
        let sent = as_sent(scrolling());
        let batches = sent
            .iter()
            .filter(|(_, e)| matches!(e, SensorEvent::Batch { .. }))
            .count();
        assert!(batches >= 10, "{sent:#?}");
        assert!(
            sent.len() <= 20 + 6,
            "20 s: a message a second and the at-once kinds, not {}",
            sent.len()
        );
        let (attention, rendered, viewable, watch) = fed(alone);
        assert_eq!((rendered, viewable, &watch[..]), (2, 1, &[1, 2][..]));
        assert!((19.0..=19.1).contains(&attention), "{attention}");
        let (batched, rest) = {
            let (a, r, v, w) = fed(sent);
            (a, (r, v, w))
        };
        assert_eq!(rest, (rendered, viewable, watch), "batched: the same ads");
        // The run's clock cannot go back: an input that waited while the
        // background's timer ticked is timed at that tick (≤ 1 s late).
        assert!(
            (attention..=attention + 1.0).contains(&batched),
            "batched {batched} s, alone {attention} s"
        );
    }

    /// A message waits in transit, and while a stopped worker starts
    /// (about 0.1 s here, more on a loaded machine); an ad's dwell began
    /// when the sensor saw it, not when the worker heard of it. Ad 1 over
    /// its line from 2.0 s to 3.1 s (1.1 s, viewable): the message that
    /// says so left at 2.0 s and was heard at 2.6 s.
    #[test]
    fn a_batch_is_dated_from_when_it_left_not_when_it_arrived() {
        let message = |sent_at: Option<f64>, event: serde_json::Value| {
            let mut m =
                serde_json::json!({"type": "batch", "items": [{"ago_ms": 0, "event": event}]});
            if let Some(s) = sent_at {
                m["sent_at"] = (T0 + s).into();
            }
            serde_json::from_value::<SensorEvent>(crate::wire::to_core(&m))
                .unwrap_or_else(|e| panic!("the core refuses a batch with sent_at: {e}"))
        };
        let view = |ratio: f64| serde_json::json!({"type": "view", "id": 1, "ratio": ratio, "area": 90000});
        let slot = serde_json::json!({"type": "slot", "id": 1, "rule": 0, "labels": []});
        let run = |dated: bool| {
            let left = |s: f64| dated.then_some(s);
            fed(vec![
                (50.0, message(left(50.0), slot.clone())),
                (2_600.0, message(left(2_000.0), view(1.0))),
                (3_100.0, message(left(3_100.0), view(0.2))),
            ])
        };
        let (_, rendered, viewable, watch) = run(true);
        assert_eq!((rendered, viewable, &watch[..]), (1, 1, &[1][..]));
        // Without `sent_at` (an older sensor) a batch is dated when it came:
        // 0.5 s in view.
        let (_, rendered, viewable, _) = run(false);
        assert_eq!((rendered, viewable), (1, 0));
    }

    #[test]
    fn a_batch_never_times_an_event_before_the_run_it_joins() {
        // A batch that says an input came 5 s ago, while the run began 1 s
        // ago: the input is timed at the run's clock, which does not go back.
        let mut t = Tracker::new(Settings::default(), Ledger::default(), None, &Z);
        let hello = SensorEvent::Hello {
            url: "https://x.com/home".into(),
            visible: true,
            focused: true,
            media: false,
            idle_ms: Some(0.0),
            reconnected: false,
        };
        t.sensor(1, hello, T0, &Z).unwrap();
        t.sensor(1, SensorEvent::Input { typing: false }, T0 + 1_000.0, &Z)
            .unwrap();
        let late = |ago_ms| Batched {
            ago_ms,
            event: Waited::try_from(SensorEvent::Input { typing: false }).unwrap(),
        };
        let batch = SensorEvent::Batch {
            items: vec![late(5_000.0), late(f64::NAN)],
            sent_at: Some(T0 + 2_000.0),
        };
        t.sensor(1, batch, T0 + 2_000.0, &Z).unwrap();
        assert!(t.counting(), "the run goes on");
        let end = T0 + 120_000.0;
        t.tick(end, &Z);
        let attention: f64 = t
            .export(end, &Z)
            .days
            .iter()
            .map(|d| d.attention_seconds)
            .sum();
        assert!((1.9..=2.1).contains(&attention), "{attention}");
    }
}

/// The lines a view crossing goes at once for (content.js) are the shares
/// the viewability rule asks: both come from `limits.rs`, so a change to
/// the rule reaches the sensor, and no dwell starts or ends a second late.
#[test]
fn the_sensors_view_lines_are_the_rules_thresholds() {
    use thaman::limits::{LARGE_VIEW_RATIO, VIEW_RATIO};
    use thaman::viewability::{threshold, LARGE_AREA_PX};
    let asked: BTreeSet<String> = [
        (1.0, false),
        (LARGE_AREA_PX, false),
        (1.0, true),
        (LARGE_AREA_PX, true),
    ]
    .iter()
    .map(|&(area, video)| threshold(area, video).ratio.to_string())
    .collect();
    let shared: BTreeSet<String> = [VIEW_RATIO, LARGE_VIEW_RATIO]
        .iter()
        .map(f64::to_string)
        .collect();
    assert_eq!(asked, shared);
    let js = content_js();
    let lines = js
        .lines()
        .find(|l| l.contains("const LINES ="))
        .expect("content.js names its view lines");
    assert!(
        lines.contains("LARGE_VIEW_RATIO") && lines.contains("VIEW_RATIO") && !lines.contains("0."),
        "content.js's view lines are read from limits.rs: {lines}"
    );
    assert!(
        js.contains("threshold: [0, ...LINES, 1]"),
        "the sensor's observer watches those lines"
    );
}
