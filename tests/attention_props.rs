//! Properties of attention over random event sequences: never negative,
//! never more than wall time, never two pages at once, duplicates change
//! nothing, day splits add up — whatever the clock does.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use thaman::attention::{Attention, Limits, Run, Signal, Span};
use thaman::calendar::{Calendar, Zone};

const L: Limits = Limits {
    idle_ms: 20_000.0,
    pulse_ms: 15_000.0,
};

fn signal() -> impl Strategy<Value = Signal> {
    prop_oneof![
        3 => Just(Signal::Input),
        3 => Just(Signal::Heartbeat),
        1 => any::<bool>().prop_map(Signal::Visible),
        1 => any::<bool>().prop_map(Signal::Focused),
        1 => any::<bool>().prop_map(Signal::Media),
        1 => (0usize..2, any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(s, visible, focused, media, reconnected)| Signal::Open {
            site: ["x", "reddit"][s].to_string(), visible, focused, media, idle_ms: None, reconnected }),
        1 => Just(Signal::Closed),
    ]
}

/// Steps in ms: mostly small, sometimes long gaps (sleep).
fn step() -> impl Strategy<Value = f64> {
    prop_oneof![8 => 0.0..6_000.0f64, 1 => 6_000.0..400_000.0f64]
}

fn feed(events: &[(i64, Signal, f64)]) -> (Vec<Span>, f64) {
    let mut a = Attention::new();
    let mut spans = Vec::new();
    let mut t = 1_700_000_000_000.0;
    for (tab, s, dt) in events {
        t += dt;
        spans.extend(a.apply(*tab, s.clone(), t, &L));
    }
    spans.extend(a.live(t, &L));
    (spans, t)
}

proptest! {
    #[test]
    fn never_negative_never_overlapping_never_more_than_wall_time(
        events in prop::collection::vec((1i64..4, signal(), step()), 1..120)
    ) {
        let (spans, end) = feed(&events);
        let start = 1_700_000_000_000.0 + events[0].2;
        let mut sorted = spans.clone();
        sorted.sort_by(|a, b| a.start.total_cmp(&b.start));
        for w in sorted.windows(2) {
            prop_assert!(w[1].start >= w[0].end, "overlap: {:?}", w);
        }
        for s in &spans {
            prop_assert!(s.end >= s.start);
            prop_assert!(s.start >= start && s.end <= end);
        }
        let total: f64 = spans.iter().map(Span::ms).sum();
        prop_assert!(total <= end - start + 1e-6);
    }

    #[test]
    fn a_run_left_open_and_carried_on_never_overlaps_nor_outgrows_the_wall_clock(
        tab in 1i64..4, site in 0usize..2, length in 0.0..120_000.0f64, quiet in 0.0..1.0f64, media in any::<bool>(),
        events in prop::collection::vec((1i64..4, signal(), step()), 1..80)
    ) {
        // A stopped worker's run, booked up to its last tick when the new
        // one starts; then anything at all.
        let start = 1_700_000_000_000.0;
        let left = Run {
            tab, site: ["x", "reddit"][site].to_string(), start, last_tick: start + length,
            last_presence: start + length * quiet, media,
        };
        let mut spans: Vec<Span> = left.recover(&L).into_iter().collect();
        let mut a = Attention::new();
        a.left_open(left.clone());
        let mut t = left.last_tick;
        for (tab, s, dt) in &events {
            t += dt;
            spans.extend(a.apply(*tab, s.clone(), t, &L));
        }
        spans.extend(a.live(t, &L));
        let mut sorted = spans.clone();
        sorted.sort_by(|a, b| a.start.total_cmp(&b.start));
        for w in sorted.windows(2) {
            prop_assert!(w[1].start >= w[0].end, "overlap: {:?}", w);
        }
        let total: f64 = spans.iter().map(Span::ms).sum();
        prop_assert!(total <= t - start + 1e-6, "{total} > {}", t - start);
    }

    #[test]
    fn repeated_events_change_nothing(events in prop::collection::vec((1i64..3, signal(), step()), 1..80)) {
        let doubled: Vec<_> = events.iter().flat_map(|(tab, s, dt)| [(*tab, s.clone(), *dt), (*tab, s.clone(), 0.0)]).collect();
        let total = |spans: &[Span]| spans.iter().map(Span::ms).sum::<f64>();
        prop_assert!((total(&feed(&events).0) - total(&feed(&doubled).0)).abs() < 1e-6);
    }

    #[test]
    fn a_clock_jumping_anywhere_never_adds_more_than_forward_steps(
        events in prop::collection::vec((1i64..3, signal(), -500_000.0..500_000.0f64), 1..80)
    ) {
        let mut a = Attention::new();
        let mut t = 1_700_000_000_000.0f64;
        let mut spans = Vec::new();
        let mut forward = 0.0;
        for (tab, s, dt) in &events {
            if *dt > 0.0 { forward += dt.min(L.pulse_ms); }
            t += dt;
            spans.extend(a.apply(*tab, s.clone(), t, &L));
        }
        spans.extend(a.live(t, &L));
        let total: f64 = spans.iter().map(Span::ms).sum();
        prop_assert!(spans.iter().all(|s| s.ms() >= 0.0));
        prop_assert!(total <= forward + 1e-6, "{total} > {forward}");
    }

    #[test]
    fn day_splits_add_up(start in 1.6e12..1.9e12f64, len in 0.0..200_000_000.0f64, hour in 0u8..7,
                         before in -720i32..840, after in -720i32..840, switch in 0.0..1.0f64) {
        struct Jump { at: f64, before: i32, after: i32 }
        impl Zone for Jump {
            fn offset_minutes(&self, t: f64) -> i32 { if t < self.at { self.before } else { self.after } }
        }
        let zone = Jump { at: start + len * switch, before, after };
        let parts = Calendar { day_start_hour: hour }.split(start, start + len, &zone);
        let sum: f64 = parts.iter().map(|(_, ms)| ms).sum();
        prop_assert!((sum - len).abs() < 1e-3, "{sum} vs {len}");
        prop_assert!(parts.iter().all(|(_, ms)| *ms >= 0.0));
        prop_assert!(parts.windows(2).all(|w| w[0].0 < w[1].0), "days strictly increase");
    }
}
