//! wasm tests in headless Chromium: the browser views render what the core says.
#![cfg(target_arch = "wasm32")]

use thaman::protocol::OverlayState;
use thaman::web::overlay::View;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn text(root: &web_sys::Element, selector: &str) -> String {
    root.query_selector(selector)
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap()
}

// The pill is drawn by the sensor now (content.js `drawTime` ticks the
// clock from the worker's last words, src/web/pill.rs): its ticking is
// read in the browser by tests/e2e/foundation.test.mjs.

#[wasm_bindgen_test]
fn money_in_english_and_arabic() {
    use thaman::format::Digits;
    use thaman::web::intl::money;
    assert_eq!(money(0.4213, "USD", "en-US", Digits::Latin), "$0.42");
    assert_eq!(money(0.0227, "USD", "en-US", Digits::Latin), "$0.023");
    let ar = money(0.42, "USD", "ar", Digits::ArabicIndic);
    assert!(ar.contains("٠٫٤٢"), "{ar}");
    assert!(money(0.42, "EUR", "ar", Digits::Latin).contains("0.42"));
    // In Arabic the currency by its name: a symbol such as US$ broke apart
    // right to left ("$US ٤٫٥٨").
    assert_eq!(
        money(4.58, "USD", "ar", Digits::ArabicIndic),
        "٤٫٥٨ دولار أمريكي"
    );
}

#[wasm_bindgen_test]
fn counted_messages_pick_their_plural_category() {
    use thaman::i18n::Plural;
    use thaman::web::intl::{counted, plural};
    // Outside an extension the messages are English: one and other.
    assert_eq!(plural(1.0), Plural::One);
    assert_eq!(plural(3.0), Plural::Other);
    assert_eq!(plural(0.0), Plural::Other);
    // No locales here: the key asked for shows, with the count first.
    assert_eq!(
        counted("panelMarkUseful", 1, &[]),
        "panelMarkUseful_other: 1"
    );
    assert_eq!(
        counted("promptQuestion1", 12, &["X"]),
        "promptQuestion1_other: 12, X"
    );
}

#[wasm_bindgen_test]
fn a_saved_find_shows_with_undo_until_its_time_runs_out() {
    use thaman::protocol::SavedView;
    let doc = web_sys::window().unwrap().document().unwrap();
    let root = doc.create_element("div").unwrap();
    let view = View::mount(&doc, &root).unwrap();
    let mut state = OverlayState {
        site: "x".into(),
        seconds: 5.0,
        counting: false,
        ads: 0,
        take: None,
        currency: "USD".into(),
        usd_rate: 1.0,
        ads_counted: true,
        stops_in: None,
        presence_s: None,
        useful: 0.0,
        prompt: None,
        language: Default::default(),
        arabic_digits: false,
        mark_minutes: 10,
        minimized: false,
        saved: Some(SavedView {
            id: Some(7),
            dropped: 0,
            shown_s: 8.0,
            no_post: false,
        }),
        goal: None,
        refused_s: None,
        decided: 0,
    };
    let shown = |root: &web_sys::Element| {
        root.query_selector(".saved:not([hidden])")
            .unwrap()
            .is_some()
    };
    view.render(&state, 1.0);
    assert!(shown(&root));
    assert_eq!(text(&root, ".saved-text"), "savedUseful");
    assert!(root
        .query_selector(".undo:not([hidden])")
        .unwrap()
        .is_some());
    view.render(&state, 8.5);
    assert!(!shown(&root), "gone after its time");
    state.saved = Some(SavedView {
        id: None,
        dropped: 0,
        shown_s: 8.0,
        no_post: false,
    });
    view.render(&state, 0.0);
    assert_eq!(text(&root, ".saved-text"), "savedFailed");
    assert!(
        root.query_selector(".undo:not([hidden])")
            .unwrap()
            .is_none(),
        "nothing to undo"
    );
    // No post in view: nothing kept, and the overlay says why.
    state.saved = Some(SavedView {
        id: None,
        dropped: 0,
        shown_s: 8.0,
        no_post: true,
    });
    view.render(&state, 0.0);
    assert_eq!(text(&root, ".saved-text"), "savedNoPost");
    // A click refused: the note says so, nothing to undo, until its time
    // runs out; then what was saved shows again while it lasts.
    state.refused_s = Some(5.0);
    view.render(&state, 1.0);
    assert_eq!(text(&root, ".saved-text"), "refusedClick");
    assert!(root
        .query_selector(".undo:not([hidden])")
        .unwrap()
        .is_none());
    assert!(view.shows_anything());
    state.saved = None;
    view.render(&state, 5.5);
    assert!(!shown(&root), "gone after its time");
}

#[wasm_bindgen_test]
fn the_goal_card_shows_the_days_price_or_only_the_time() {
    use thaman::protocol::GoalView;
    let doc = web_sys::window().unwrap().document().unwrap();
    let root = doc.create_element("div").unwrap();
    let view = View::mount(&doc, &root).unwrap();
    let mut state: OverlayState =
        serde_json::from_str(r#"{"site": "x", "seconds": 4320, "counting": false}"#).unwrap();
    let shown = |root: &web_sys::Element| {
        root.query_selector(".card.goal:not([hidden])")
            .unwrap()
            .is_some()
    };
    view.render(&state, 0.0);
    assert!(!shown(&root));
    state.goal = Some(GoalView {
        sold_s: 4320.0,
        take: Some(0.41),
        own_cpm: true,
    });
    view.render(&state, 0.0);
    assert!(shown(&root));
    assert!(view.shows_anything(), "the frame stays for it");
    // No locales here: the key asked for shows, with its values.
    let price = text(&root, ".card.goal .question");
    assert!(price.starts_with("goalCardPrice: "), "{price}");
    // The money is isolated (right to left it stays whole); the mark after it.
    assert!(
        price.contains("$0.41") && price.ends_with("\u{2069}*"),
        "the own-CPM mark: {price}"
    );
    state.goal = Some(GoalView {
        sold_s: 4320.0,
        take: None,
        own_cpm: false,
    });
    view.render(&state, 0.0);
    let sold = text(&root, ".card.goal .question");
    assert!(sold.starts_with("goalCardSold: "), "no money: {sold}");
    for choice in [".goal-continue", ".goal-week", ".goal-leave"] {
        assert!(root.query_selector(choice).unwrap().is_some(), "{choice}");
    }
    state.goal = None;
    view.render(&state, 0.0);
    assert!(!shown(&root));
}

#[path = "common/wire.rs"]
mod native;

/// Every sensor message the sample list holds (what content.js posts, in
/// its wire form) decodes in the worker as the native tests decode it; the
/// core's own form, unknown kinds and wrong types are refused on the wire.
/// An extra field is not seen (serde-wasm-bindgen reads a struct by its
/// declared fields), so it is ignored, not refused.
#[wasm_bindgen_test]
fn the_worker_decodes_every_sensor_sample() {
    use thaman::protocol::SensorEvent;
    use thaman::web::background::wire::sensor_event;
    let decode = |text: &str| {
        let message = js_sys::JSON::parse(text).unwrap();
        serde_wasm_bindgen::from_value::<SensorEvent>(sensor_event(&message))
    };
    let all: serde_json::Value =
        serde_json::from_str(include_str!("sensor_messages.json")).unwrap();
    let samples = all["sensor"].as_array().unwrap();
    assert!(samples.len() > 10);
    for sample in samples {
        let event = decode(&sample.to_string()).unwrap_or_else(|e| panic!("{sample}: {e}"));
        let natively: SensorEvent = serde_json::from_value(native::to_core(sample)).unwrap();
        assert_eq!(event, natively, "{sample}");
        let mut more = sample.clone();
        more["zz_unknown"] = 1.into();
        assert_eq!(
            decode(&more.to_string()).ok(),
            Some(event.clone()),
            "{more}"
        );
        let mut unknown = sample.clone();
        unknown["type"] = "zz_unknown".into();
        assert!(decode(&unknown.to_string()).is_err(), "{unknown}");
        let core_form = serde_json::to_value(&event).unwrap();
        assert!(decode(&core_form.to_string()).is_err(), "{core_form}");
    }
    let batch = r#"{"type": "batch", "sent_at": 5, "items": [{"ago_ms": 2, "event": {"type": "heartbeat"}}]}"#;
    assert!(
        matches!(decode(batch), Ok(SensorEvent::Batch { items, sent_at: Some(_) }) if items.len() == 1)
    );
    let bad_item = r#"{"type": "batch", "items": [{"ago_ms": 2, "event": {"heartbeat": {}}}]}"#;
    assert!(decode(bad_item).is_err());
    assert!(decode("7").is_err() && decode("[]").is_err() && decode(r#"{"type": 7}"#).is_err());
    assert!(decode(r#"{"type": "view", "id": "one", "ratio": 1, "area": 5}"#).is_err());
    assert!(decode(r#"{"type": "batch", "items": [{"ago_ms": 2, "event": {"type": "hello", "url": "u", "visible": true, "focused": true}}]}"#).is_err());
}
