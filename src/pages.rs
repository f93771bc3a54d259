//! The open tracked pages, one per browser tab, and what each has counted.
//!
//! The background feeds every decoded sensor event through here with its
//! own clock; the overlay of a tab is rendered from [`Pages::overlay_state`].

use std::collections::BTreeMap;

use thiserror::Error;

use crate::attention::{PageSignals, Stopwatch};
use crate::protocol::{OverlayState, SensorCommand, SensorEvent};
use crate::sites::{host_of_url, site_for_host};

/// A browser tab id.
pub type TabId = i64;

/// Why an event could not be applied.
#[derive(Debug, Error, PartialEq)]
pub enum PagesError {
    #[error("tab {0} sent an event before its hello")]
    UnknownTab(TabId),
}

#[derive(Debug, Clone)]
struct Page {
    site: &'static str,
    signals: PageSignals,
    stopwatch: Stopwatch,
}

/// All tracked pages, keyed by tab.
#[derive(Debug, Default)]
pub struct Pages {
    by_tab: BTreeMap<TabId, Page>,
}

impl Pages {
    /// Applies one sensor event from `tab` at `now_ms`.
    ///
    /// A `hello` (re)starts the page: a tab that navigated to another site
    /// starts from zero. Returns the command for the sensor, if any.
    pub fn apply(&mut self, tab: TabId, event: SensorEvent, now_ms: f64) -> Result<Option<SensorCommand>, PagesError> {
        match event {
            SensorEvent::Hello { url, visible } => {
                let Some(site) = host_of_url(&url).and_then(site_for_host) else {
                    self.close(tab, now_ms);
                    return Ok(Some(SensorCommand::Ignore));
                };
                let page = self.by_tab.entry(tab).or_insert_with(|| Page {
                    site: site.id,
                    signals: PageSignals::default(),
                    stopwatch: Stopwatch::default(),
                });
                if page.site != site.id {
                    *page = Page { site: site.id, signals: PageSignals::default(), stopwatch: Stopwatch::default() };
                }
                page.signals.visible = visible;
                page.stopwatch.set_running(page.signals.counts(), now_ms);
                Ok(Some(SensorCommand::Track { site: site.id.to_string() }))
            }
            SensorEvent::Visibility { visible } => {
                let page = self.by_tab.get_mut(&tab).ok_or(PagesError::UnknownTab(tab))?;
                page.signals.visible = visible;
                page.stopwatch.set_running(page.signals.counts(), now_ms);
                Ok(None)
            }
            SensorEvent::Heartbeat {} => {
                self.by_tab.get(&tab).ok_or(PagesError::UnknownTab(tab))?;
                Ok(None)
            }
        }
    }

    /// The sensor of `tab` went away (tab closed, navigated, worker restart).
    pub fn close(&mut self, tab: TabId, now_ms: f64) {
        if let Some(mut page) = self.by_tab.remove(&tab) {
            page.stopwatch.set_running(false, now_ms);
        }
    }

    /// What the overlay in `tab` should show at `now_ms`.
    pub fn overlay_state(&self, tab: TabId, now_ms: f64) -> Option<OverlayState> {
        self.by_tab.get(&tab).map(|page| OverlayState {
            site: page.site.to_string(),
            seconds: page.stopwatch.total_ms(now_ms) / 1000.0,
            counting: page.stopwatch.running(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hello(url: &str, visible: bool) -> SensorEvent {
        SensorEvent::Hello { url: url.into(), visible }
    }

    #[test]
    fn tracked_page_counts_while_visible() {
        let mut pages = Pages::default();
        let cmd = pages.apply(1, hello("https://www.facebook.com/", true), 0.0).unwrap();
        assert_eq!(cmd, Some(SensorCommand::Track { site: "facebook".into() }));
        pages.apply(1, SensorEvent::Visibility { visible: false }, 3000.0).unwrap();
        pages.apply(1, SensorEvent::Visibility { visible: true }, 10_000.0).unwrap();
        let state = pages.overlay_state(1, 12_000.0).unwrap();
        assert_eq!(state, OverlayState { site: "facebook".into(), seconds: 5.0, counting: true });
    }

    #[test]
    fn untracked_page_is_ignored_and_gets_no_overlay() {
        let mut pages = Pages::default();
        let cmd = pages.apply(7, hello("https://www.example.com/", true), 0.0).unwrap();
        assert_eq!(cmd, Some(SensorCommand::Ignore));
        assert_eq!(pages.overlay_state(7, 1000.0), None);
    }

    #[test]
    fn events_before_hello_are_refused() {
        let mut pages = Pages::default();
        assert_eq!(pages.apply(3, SensorEvent::Heartbeat {}, 0.0), Err(PagesError::UnknownTab(3)));
    }

    #[test]
    fn navigating_to_another_site_starts_over_and_same_site_continues() {
        let mut pages = Pages::default();
        pages.apply(1, hello("https://x.com/home", true), 0.0).unwrap();
        pages.apply(1, hello("https://x.com/explore", true), 4000.0).unwrap();
        assert_eq!(pages.overlay_state(1, 5000.0).unwrap().seconds, 5.0);
        pages.apply(1, hello("https://www.reddit.com/", true), 6000.0).unwrap();
        let state = pages.overlay_state(1, 7000.0).unwrap();
        assert_eq!((state.site.as_str(), state.seconds), ("reddit", 1.0));
    }

    #[test]
    fn closed_pages_are_forgotten() {
        let mut pages = Pages::default();
        pages.apply(1, hello("https://x.com/", true), 0.0).unwrap();
        pages.close(1, 1000.0);
        assert_eq!(pages.overlay_state(1, 2000.0), None);
    }
}
