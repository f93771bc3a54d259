//! Thaman's core. The pure modules (no browser APIs) carry the logic and
//! most tests; `web` binds them to the browser and exists only in wasm.

pub mod added_sites;
pub mod attention;
pub mod calendar;
pub mod choice;
pub mod finds;
pub mod format;
pub mod i18n;
pub mod labels;
pub mod ledger;
pub mod limits;
pub mod ports;
pub mod prompt;
pub mod protocol;
pub mod rules;
pub mod settings;
pub mod sites;
pub mod store;
pub mod summary;
pub mod tracker;
pub mod valuation;
pub mod viewability;

#[cfg(target_arch = "wasm32")]
pub mod web;
