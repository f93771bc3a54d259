//! Thaman's core. The pure modules (no browser APIs) carry the logic and
//! most tests; `web` binds them to the browser and exists only in wasm.

pub mod attention;
pub mod format;
pub mod pages;
pub mod protocol;
pub mod sites;

#[cfg(target_arch = "wasm32")]
pub mod web;
