//! Viewability: the MRC/IAB viewable-impression rule, per ad slot.
//!
//! A slot is viewable once at least 50% of its pixels (30% for slots of
//! 242,500 px² or more) have been in the viewport for 1 continuous second
//! (2 s for video ads) while the page is in view (visible and focused).
//! Dropping under the threshold, or the page leaving view, restarts the
//! clock. Each slot counts once per page view; a slot of zero area never
//! counts. A video player shows one ad after another: the sensor gives
//! each ad a slot of its own, removed when the ad ends.
//!
//! ```text
//! ratio  .6 .6 .6 | .4 | .6 .6 .6 .6 .6     (a sample every 250 ms)
//! clock  0  .25 .5  reset 0 .25 .5 .75 1.0 -> viewable at the last sample
//! ```

use std::collections::BTreeMap;

/// Slots at or above this area use the 30% threshold.
pub const LARGE_AREA_PX: f64 = 242_500.0;

/// What the rule asks of one slot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Threshold {
    pub ratio: f64,
    pub dwell_ms: f64,
}

/// The MRC threshold for a slot of `area` px².
///
/// ```text
/// (100×100, display) -> 50%, 1 s    (600×500, display) -> 30%, 1 s
/// (any, video)       -> 50%, 2 s
/// ```
pub fn threshold(area: f64, video: bool) -> Threshold {
    match (video, area >= LARGE_AREA_PX) {
        (true, _) => Threshold {
            ratio: 0.5,
            dwell_ms: 2000.0,
        },
        (false, true) => Threshold {
            ratio: 0.3,
            dwell_ms: 1000.0,
        },
        (false, false) => Threshold {
            ratio: 0.5,
            dwell_ms: 1000.0,
        },
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Slot {
    video: bool,
    ratio: f64,
    area: f64,
    /// Since when the slot has been continuously over its threshold.
    since: Option<f64>,
    viewable: bool,
}

/// The ad slots of one page view.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Viewability {
    slots: BTreeMap<u32, Slot>,
    in_view: bool,
}

/// At most this many slots per page view; more is a hostile page.
pub const MAX_SLOTS: usize = 10_000;

impl Viewability {
    /// A slot the core decided is an ad. Returns false when it is not new.
    pub fn add(&mut self, id: u32, video: bool) -> bool {
        if self.slots.contains_key(&id) || self.slots.len() >= MAX_SLOTS {
            return false;
        }
        self.slots.insert(
            id,
            Slot {
                video,
                ratio: 0.0,
                area: 0.0,
                since: None,
                viewable: false,
            },
        );
        true
    }

    /// The slot's visible ratio and area changed at `now`. Returns the
    /// number of slots that became viewable (0 or 1).
    pub fn update(&mut self, id: u32, ratio: f64, area: f64, now: f64) -> u32 {
        let in_view = self.in_view;
        let Some(slot) = self.slots.get_mut(&id) else {
            return 0;
        };
        let newly = settle(slot, now);
        slot.ratio = if ratio.is_finite() {
            ratio.clamp(0.0, 1.0)
        } else {
            0.0
        };
        slot.area = if area.is_finite() { area.max(0.0) } else { 0.0 };
        restart(slot, in_view, now);
        newly
    }

    /// The slot left the page.
    pub fn remove(&mut self, id: u32, now: f64) -> u32 {
        self.slots.get_mut(&id).map_or(0, |slot| {
            let n = settle(slot, now);
            slot.ratio = 0.0;
            slot.since = None;
            n
        })
    }

    /// The page came into view or left it.
    pub fn set_in_view(&mut self, in_view: bool, now: f64) -> u32 {
        let mut newly = 0;
        for slot in self.slots.values_mut() {
            newly += settle(slot, now);
        }
        self.in_view = in_view;
        for slot in self.slots.values_mut() {
            restart(slot, in_view, now);
        }
        newly
    }

    /// Counts slots whose dwell completed by `now`.
    pub fn tick(&mut self, now: f64) -> u32 {
        self.slots.values_mut().map(|slot| settle(slot, now)).sum()
    }

    /// The next instant a slot may become viewable, for the timer.
    pub fn next_deadline(&self) -> Option<f64> {
        self.slots
            .values()
            .filter(|s| !s.viewable)
            .filter_map(|s| {
                s.since
                    .map(|since| since + threshold(s.area, s.video).dwell_ms)
            })
            .min_by(f64::total_cmp)
    }

    /// Whether slot `id` has become viewable.
    pub fn is_viewable(&self, id: u32) -> bool {
        self.slots.get(&id).is_some_and(|s| s.viewable)
    }

    /// Slot `id` was counted viewable before a restart: it never counts again.
    pub fn set_viewable(&mut self, id: u32) {
        if let Some(slot) = self.slots.get_mut(&id) {
            slot.viewable = true;
        }
    }

    pub fn viewable_count(&self) -> usize {
        self.slots.values().filter(|s| s.viewable).count()
    }
}

/// Marks the slot viewable if its dwell completed by `now`.
fn settle(slot: &mut Slot, now: f64) -> u32 {
    match slot.since {
        Some(since)
            if !slot.viewable && now - since >= threshold(slot.area, slot.video).dwell_ms =>
        {
            slot.viewable = true;
            1
        }
        _ => 0,
    }
}

/// Starts or stops the slot's clock after a change.
fn restart(slot: &mut Slot, in_view: bool, now: f64) {
    let over = in_view && slot.area > 0.0 && slot.ratio >= threshold(slot.area, slot.video).ratio;
    slot.since = match (over, slot.since) {
        (true, Some(since)) => Some(since),
        (true, None) => Some(now),
        (false, _) => None,
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: f64 = 500.0 * 300.0;
    const LARGE: f64 = 600.0 * 500.0;

    /// One slot seen at `ratio` from 0 to `dwell` ms; viewable?
    fn seen(ratio: f64, area: f64, video: bool, dwell: f64) -> bool {
        let mut v = Viewability::default();
        v.set_in_view(true, 0.0);
        v.add(1, video);
        v.update(1, ratio, area, 0.0);
        v.update(1, 0.0, area, dwell);
        v.viewable_count() == 1
    }

    #[test]
    fn the_mrc_edges() {
        assert!(!seen(0.49, SMALL, false, 1500.0));
        assert!(seen(0.51, SMALL, false, 1500.0));
        assert!(!seen(0.6, SMALL, false, 900.0));
        assert!(seen(0.6, SMALL, false, 1100.0));
        assert!(!seen(0.29, LARGE, false, 1500.0));
        assert!(seen(0.31, LARGE, false, 1500.0));
        assert!(!seen(0.6, SMALL, true, 1900.0));
        assert!(seen(0.6, SMALL, true, 2100.0));
        assert!(
            !seen(1.0, 0.0, false, 5000.0),
            "zero area is never viewable"
        );
    }

    #[test]
    fn dropping_under_restarts_the_clock_and_each_slot_counts_once() {
        let mut v = Viewability::default();
        v.set_in_view(true, 0.0);
        v.add(1, false);
        v.update(1, 0.6, SMALL, 0.0);
        v.update(1, 0.4, SMALL, 800.0);
        v.update(1, 0.6, SMALL, 900.0);
        assert_eq!(v.tick(1800.0), 0);
        assert_eq!(v.next_deadline(), Some(1900.0));
        assert_eq!(v.tick(1900.0), 1);
        v.update(1, 0.0, SMALL, 2000.0);
        v.update(1, 0.9, SMALL, 3000.0);
        assert_eq!(v.tick(9000.0), 0, "once per page view");
        assert!(!v.add(1, false));
    }

    #[test]
    fn only_while_the_page_is_in_view() {
        let mut v = Viewability::default();
        v.add(1, false);
        v.update(1, 1.0, SMALL, 0.0);
        assert_eq!(v.tick(5000.0), 0, "page not in view");
        v.set_in_view(true, 5000.0);
        v.set_in_view(false, 5500.0);
        v.set_in_view(true, 6000.0);
        assert_eq!(v.tick(6900.0), 0);
        assert_eq!(v.tick(7000.0), 1);
    }

    #[test]
    fn each_video_ad_of_a_player_is_its_own_slot_ended_by_remove() {
        // The sensor gives each ad a player shows a new id and removes it
        // when the ad ends: 3 s in view counts, 1.5 s does not, and the
        // first ad's count is not redone by the second.
        let mut v = Viewability::default();
        v.set_in_view(true, 0.0);
        v.add(1, true);
        v.update(1, 1.0, SMALL, 0.0);
        assert_eq!(v.remove(1, 3000.0), 1, "counted when it ends");
        v.add(2, true);
        v.update(2, 1.0, SMALL, 3200.0);
        assert_eq!(v.remove(2, 4700.0), 0, "1.5 s is short of 2 s");
        assert_eq!(v.tick(9000.0), 0, "an ended ad's clock is stopped");
        assert_eq!(v.viewable_count(), 1);
    }

    #[test]
    fn unknown_slots_and_hostile_values_are_harmless() {
        let mut v = Viewability::default();
        v.set_in_view(true, 0.0);
        assert_eq!(v.update(99, 1.0, SMALL, 0.0), 0);
        v.add(1, false);
        v.update(1, f64::NAN, f64::INFINITY, 0.0);
        assert_eq!(v.tick(5000.0), 0);
        v.update(1, 7.0, SMALL, 5000.0);
        assert_eq!(v.tick(6000.0), 1, "ratio clamped to 1");
    }
}
