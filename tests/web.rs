//! wasm tests in headless Chromium: the browser views render what the core says.
#![cfg(target_arch = "wasm32")]

use thaman::protocol::OverlayState;
use thaman::web::overlay::View;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn text(root: &web_sys::Element, selector: &str) -> String {
    root.query_selector(selector).unwrap().unwrap().text_content().unwrap()
}

#[wasm_bindgen_test]
fn overlay_ticks_from_the_state_it_was_given() {
    let doc = web_sys::window().unwrap().document().unwrap();
    let root = doc.create_element("div").unwrap();
    let view = View::mount(&doc, &root).unwrap();
    let state = OverlayState { site: "x".into(), seconds: 59.5, counting: true };
    view.render(&state, 1.0);
    assert_eq!(text(&root, ".time"), "1:00");
    assert!(root.query_selector(".pill.counting").unwrap().is_some());
}

#[wasm_bindgen_test]
fn stopped_overlay_does_not_tick() {
    let doc = web_sys::window().unwrap().document().unwrap();
    let root = doc.create_element("div").unwrap();
    let view = View::mount(&doc, &root).unwrap();
    view.render(&OverlayState { site: "reddit".into(), seconds: 59.5, counting: false }, 30.0);
    assert_eq!(text(&root, ".time"), "0:59");
    assert!(root.query_selector(".pill.counting").unwrap().is_none());
    // Outside an extension there are no locales: the key shows, never a blank.
    assert_eq!(text(&root, ".site"), "site_reddit");
}
