//! Viewability: the MRC/IAB viewable-impression rule, per ad slot.
//!
//! A slot is viewable once at least 50% of its pixels (30% for slots of
//! 242,500 px² or more) have been in the viewport for 1 continuous second
//! (2 s for video ads) while the page is in view (visible and focused).
//! Dropping under the threshold, or the page leaving view, restarts the
//! clock; a video ad's clock runs only while it plays (paused, ended or
//! starved, it restarts). Each slot counts once per page view; a slot of
//! zero area never counts. A video player shows one ad after another: the
//! sensor gives each ad a slot of its own, removed when the ad ends. After a
//! restart of the core, a slot's clock resumes from what its sensor saw
//! ([`Viewability::resume`]), so a dwell begun before it is not lost.
//!
//! ```text
//! ratio  .6 .6 .6 | .4 | .6 .6 .6 .6 .6     (a sample every 250 ms)
//! clock  0  .25 .5  reset 0 .25 .5 .75 1.0 -> viewable at the last sample
//! ```

use std::collections::BTreeMap;

use crate::limits::{LARGE_VIEW_RATIO, VIEW_RATIO};

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
            ratio: VIEW_RATIO,
            dwell_ms: 2000.0,
        },
        (false, true) => Threshold {
            ratio: LARGE_VIEW_RATIO,
            dwell_ms: 1000.0,
        },
        (false, false) => Threshold {
            ratio: VIEW_RATIO,
            dwell_ms: 1000.0,
        },
    }
}

/// A slot as its sensor last saw it, re-announced after the core restarted:
/// `ratio` of `area` in view, playing or not (video ads; `None`: not said),
/// for `for_ms` while the page was shown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seen {
    pub ratio: f64,
    pub area: f64,
    pub playing: Option<bool>,
    pub for_ms: f64,
}

#[derive(Debug, Clone, PartialEq)]
struct Slot {
    video: bool,
    ratio: f64,
    area: f64,
    /// Whether the ad plays: display ads always; a video ad once its
    /// sensor says so.
    playing: bool,
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
                playing: !video,
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

    /// Video ad `id` started or stopped playing at `now`. Returns the
    /// number of slots that became viewable (0 or 1).
    ///
    /// ```text
    /// in view, playing 0 -> 1.2 s, paused 1.2 -> 3 s, playing 3 -> 4 s -> not viewable
    /// ```
    pub fn set_playing(&mut self, id: u32, playing: bool, now: f64) -> u32 {
        let in_view = self.in_view;
        let Some(slot) = self.slots.get_mut(&id) else {
            return 0;
        };
        let newly = settle(slot, now);
        slot.playing = playing || !slot.video;
        restart(slot, in_view, now);
        newly
    }

    /// Slot `id`, known before the core restarted, as its sensor saw it
    /// ([`Seen`]): its clock resumes `for_ms` back if it was over its
    /// threshold all that time (the sensor counts only while the page was
    /// shown), so a dwell begun under the old core is neither lost nor
    /// counted twice; then it goes on only if the page is in view now.
    /// Returns the number of slots that became viewable (0 or 1).
    ///
    /// ```text
    /// video ad, 100% of it playing for 2.1 s -> viewable now
    /// video ad, 100% of it playing for 1.7 s -> clock at 1.7 s, viewable 0.3 s on
    /// ```
    pub fn resume(&mut self, id: u32, seen: Seen, now: f64) -> u32 {
        let in_view = self.in_view;
        let Some(slot) = self.slots.get_mut(&id) else {
            return 0;
        };
        slot.ratio = if seen.ratio.is_finite() {
            seen.ratio.clamp(0.0, 1.0)
        } else {
            0.0
        };
        slot.area = if seen.area.is_finite() {
            seen.area.max(0.0)
        } else {
            0.0
        };
        if let Some(playing) = seen.playing {
            slot.playing = playing || !slot.video;
        }
        let held = if seen.for_ms.is_finite() {
            seen.for_ms.max(0.0)
        } else {
            0.0
        };
        slot.since = (held > 0.0 && meets(slot)).then_some(now - held);
        let newly = settle(slot, now);
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

/// Whether the slot itself meets its threshold (the page aside): enough of
/// it in view, and playing if it is a video ad.
fn meets(slot: &Slot) -> bool {
    slot.playing && slot.area > 0.0 && slot.ratio >= threshold(slot.area, slot.video).ratio
}

/// Starts or stops the slot's clock after a change.
fn restart(slot: &mut Slot, in_view: bool, now: f64) {
    let over = in_view && meets(slot);
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
        v.set_playing(1, true, 0.0);
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
        v.set_playing(1, true, 0.0);
        v.update(1, 1.0, SMALL, 0.0);
        assert_eq!(v.remove(1, 3000.0), 1, "counted when it ends");
        v.add(2, true);
        v.set_playing(2, true, 3200.0);
        v.update(2, 1.0, SMALL, 3200.0);
        assert_eq!(v.remove(2, 4700.0), 0, "1.5 s is short of 2 s");
        assert_eq!(v.tick(9000.0), 0, "an ended ad's clock is stopped");
        assert_eq!(v.viewable_count(), 1);
    }

    #[test]
    fn a_video_ad_accrues_only_while_it_plays() {
        let mut v = Viewability::default();
        v.set_in_view(true, 0.0);
        v.add(1, true);
        v.update(1, 1.0, SMALL, 0.0);
        assert_eq!(v.tick(3000.0), 0, "in view 3 s, never played");
        v.set_playing(1, true, 3000.0);
        v.set_playing(1, false, 4200.0);
        v.set_playing(1, true, 6000.0);
        assert_eq!(v.tick(7200.0), 0, "paused in between: 1.2 s, then 1.2 s");
        assert_eq!(v.next_deadline(), Some(8000.0));
        assert_eq!(v.tick(8000.0), 1, "2 s playing");
        // A display ad has nothing to play: the word changes nothing.
        v.add(2, false);
        v.set_playing(2, false, 8000.0);
        v.update(2, 1.0, SMALL, 8000.0);
        assert_eq!(v.tick(9000.0), 1);
    }

    #[test]
    fn a_dwell_begun_before_a_restart_resumes_from_what_the_sensor_saw() {
        let seen = |ratio, playing, for_ms| Seen {
            ratio,
            area: SMALL,
            playing: Some(playing),
            for_ms,
        };
        // 1.2 s before the restart and 0.9 s after: 2.1 s, viewable.
        let mut v = Viewability::default();
        v.set_in_view(true, 0.0);
        v.add(1, true);
        assert_eq!(v.resume(1, seen(1.0, true, 2100.0), 0.0), 1);
        // 1.7 s: not yet; the clock goes on from 1.7 s, not from zero.
        v.add(2, true);
        assert_eq!(v.resume(2, seen(1.0, true, 1700.0), 0.0), 0);
        assert_eq!(v.next_deadline(), Some(300.0));
        assert_eq!(v.update(2, 0.0, SMALL, 100.0), 0, "left view at 1.8 s");
        assert_eq!(v.tick(5000.0), 0);
        // Paused, or under half in view, while the sensor looked: no clock.
        v.add(3, true);
        assert_eq!(v.resume(3, seen(1.0, false, 9000.0), 0.0), 0);
        v.add(4, true);
        assert_eq!(v.resume(4, seen(0.4, true, 9000.0), 0.0), 0);
        assert_eq!(v.next_deadline(), None);
        // The page left view as the core restarted: what was seen before
        // counts, nothing after.
        let mut hidden = Viewability::default();
        hidden.add(1, false);
        hidden.add(2, false);
        assert_eq!(hidden.resume(1, seen(1.0, true, 1100.0), 0.0), 1);
        assert_eq!(hidden.resume(2, seen(1.0, true, 900.0), 0.0), 0);
        assert_eq!(hidden.tick(5000.0), 0, "no clock while out of view");
        // Hostile durations are nothing.
        hidden.add(3, false);
        assert_eq!(hidden.resume(3, seen(1.0, true, f64::NAN), 0.0), 0);
        assert_eq!(hidden.resume(3, seen(1.0, true, -5.0), 0.0), 0);
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
