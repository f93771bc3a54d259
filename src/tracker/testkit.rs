//! What the parts' tests share.

pub use crate::attention::TabId;
pub use crate::calendar::FixedZone;
pub use crate::ledger::Ledger;
pub use crate::protocol::SensorEvent;
pub use crate::settings::Settings;
pub use crate::tracker::Tracker;

use crate::labels::Labels;

pub const Z: FixedZone = FixedZone(0);
/// A click on a counter the browser saw whole.
pub const SEEN: crate::protocol::Click = crate::protocol::Click {
    seen: crate::protocol::Seen::Visible,
    x: 10.0,
    y: 10.0,
};
pub const T0: f64 = 1_795_000_000_000.0; // 2026-11-18, mid-day UTC

pub fn hello(url: &str) -> SensorEvent {
    SensorEvent::Hello {
        url: url.into(),
        visible: true,
        focused: true,
        media: false,
        idle_ms: None,
        reconnected: false,
    }
}

pub fn tracker() -> Tracker {
    Tracker::new(Settings::default(), Ledger::default(), None, &Z)
}

pub fn with_ads() -> Tracker {
    let rules = crate::rules::parse_rules(
        "x.com##div.ad\nx.com##article:label(span)\nreddit.com##shreddit-ad-post\n",
    )
    .unwrap();
    tracker().with_rules(rules, Labels::parse("en: Ad\nar: إعلان").unwrap())
}

/// Input every second over `secs` + 1 seconds from `from`.
pub fn present_for(t: &mut Tracker, tab: TabId, from: f64, secs: u32) {
    for s in 0..=secs {
        t.sensor(
            tab,
            SensorEvent::Input { typing: false },
            from + f64::from(s) * 1000.0,
            &Z,
        )
        .unwrap();
    }
}

/// Candidate slot `id`, found by the page's rule `rule`, with no labels.
pub fn slot(id: u32, rule: u32) -> SensorEvent {
    SensorEvent::Slot {
        id,
        rule,
        labels: vec![],
    }
}

/// Slot `id` in view by `ratio` of its `area` px².
pub fn view(id: u32, ratio: f64, area: f64) -> SensorEvent {
    SensorEvent::View { id, ratio, area }
}

/// Video ad `id` started or stopped playing.
pub fn playing(id: u32, playing: bool) -> SensorEvent {
    SensorEvent::Playing { id, playing }
}
