//! The manifest agrees with the core: content scripts run exactly on the
//! catalog's hosts, wasm is allowed on extension pages, permissions stay least.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::Value;
use thaman::sites::tracked_hosts;

fn manifest() -> Value {
    serde_json::from_str(&std::fs::read_to_string("manifest.json").unwrap()).unwrap()
}

fn strings(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

fn catalog_patterns() -> Vec<String> {
    let mut out: Vec<String> = tracked_hosts().map(|h| format!("https://{h}/*")).collect();
    out.sort();
    out
}

#[test]
fn content_script_runs_exactly_on_the_catalog() {
    let m = manifest();
    let scripts = m["content_scripts"].as_array().unwrap();
    assert_eq!(scripts.len(), 1);
    assert_eq!(strings(&scripts[0]["matches"]), catalog_patterns());
    assert_eq!(scripts[0]["all_frames"], Value::Bool(false));
    // The counter's frame loads on the catalog and on sites the person
    // added, only through the per-session URL: a page cannot probe for it.
    let war = m["web_accessible_resources"].as_array().unwrap();
    assert_eq!(war.len(), 1);
    assert_eq!(strings(&war[0]["resources"]), vec!["overlay.html"]);
    assert_eq!(strings(&war[0]["matches"]), vec!["https://*/*"]);
    assert_eq!(war[0]["use_dynamic_url"], Value::Bool(true));
}

#[test]
fn wasm_is_allowed_on_extension_pages_and_nothing_remote() {
    let csp = manifest()["content_security_policy"]["extension_pages"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
    assert!(!csp.contains("http"), "no remote script sources: {csp}");
    assert!(!csp.contains("'unsafe-eval'"), "{csp}");
}

#[test]
fn least_permissions() {
    let m = manifest();
    assert_eq!(m["manifest_version"], 3);
    assert!(
        m.get("host_permissions").is_none(),
        "content scripts need no host permissions"
    );
    // A site the person adds is asked for, host by host, when they add it.
    assert_eq!(
        strings(&m["optional_host_permissions"]),
        vec!["https://*/*"]
    );
    let allowed = ["storage", "idle", "alarms", "notifications", "scripting"];
    for p in m["permissions"].as_array().unwrap() {
        assert!(
            allowed.contains(&p.as_str().unwrap()),
            "unexpected permission {p}"
        );
    }
    assert_eq!(m["background"]["type"], "module");
    assert!(
        m["key"].as_str().is_some_and(|k| k.len() > 300),
        "a fixed key pins the extension id"
    );
}
