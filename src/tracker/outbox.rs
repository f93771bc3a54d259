//! The outbox: what storage does not have yet ([`Writes`]), how soon it
//! must be written ([`Flush`]), and the write schedule the background's
//! one timer follows ([`FlushClock`]).

use std::collections::BTreeSet;

use super::Prompted;
use super::Tracker;
use crate::attention::{Run, TabId, HEARTBEAT_MS};
use crate::calendar::{Date, Zone};
use crate::finds::Finds;
use crate::ledger::{Day, Ledger};
use crate::settings::Settings;
use crate::store::UndoImport;
use crate::summary::Notice;

/// Storage is written at most this often in steady state.
pub const FLUSH_MS: f64 = HEARTBEAT_MS;

/// How soon storage should be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flush {
    /// Nothing changed.
    Idle,
    /// Within the batching interval (the open run moved on).
    Soon,
    /// Now: a run opened or closed, settings changed, data imported.
    Now,
}

/// Keys to write, all in one `storage.local.set`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Writes {
    pub days: Vec<(Date, Day)>,
    pub settings: Option<Settings>,
    /// `Some(run)` when the saved run changed (`Some(None)`: no open run).
    pub run: Option<Option<Run>>,
    /// The useful finds, when they changed.
    pub finds: Option<Finds>,
    /// Days merged into their week: their keys go.
    pub removed_days: Vec<Date>,
    /// The prompt's stretches and card, when they changed (`storage.session`).
    pub prompted: Option<Prompted>,
    /// The ad renders and views these writes put in storage, by page: once
    /// written, their sensors are told ([`Tracker::writes_saved`]).
    pub booked: Vec<(TabId, Booked)>,
    /// The store before the last import, when it changed (`Some(None)`:
    /// its key goes).
    pub undo: Option<Option<UndoImport>>,
}

/// Slots whose render (`ads`) or view (`viewable`) a page booked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Booked {
    pub ads: BTreeSet<u32>,
    pub viewable: BTreeSet<u32>,
}

impl Booked {
    pub fn is_empty(&self) -> bool {
        self.ads.is_empty() && self.viewable.is_empty()
    }

    pub fn extend(&mut self, other: Booked) {
        self.ads.extend(other.ads);
        self.viewable.extend(other.viewable);
    }
}

/// What has changed since the last write.
#[derive(Debug, Default)]
pub(super) struct Outbox {
    days: BTreeSet<Date>,
    settings: bool,
    finds: bool,
    removed_days: BTreeSet<Date>,
    saved_run: Option<Run>,
    /// The run's last write failed: it is written again whatever it is.
    run_unsaved: bool,
    /// The prompt's state as last written.
    saved_prompted: Prompted,
    /// Its last write failed: written again whatever it is.
    prompted_unsaved: bool,
    /// The undo of the last import, to write (or remove).
    undo: Option<Option<UndoImport>>,
    urgent: bool,
}

impl Outbox {
    /// A recovered run is booked and cleared from storage at once.
    pub fn new(left_open: Option<Run>, prompted: Prompted) -> Outbox {
        Outbox {
            urgent: left_open.is_some(),
            saved_run: left_open,
            saved_prompted: prompted,
            ..Outbox::default()
        }
    }

    pub fn day(&mut self, date: Date) {
        self.days.insert(date);
    }

    pub fn days(&mut self, dates: impl IntoIterator<Item = Date>) {
        self.days.extend(dates);
    }

    pub fn settings(&mut self) {
        self.settings = true;
    }

    pub fn finds(&mut self) {
        self.finds = true;
    }

    /// The undo of the last import is `undo` now (written with the rest).
    pub fn undo(&mut self, undo: Option<UndoImport>) {
        self.undo = Some(undo);
    }

    /// To be written now, not batched.
    pub fn urgent(&mut self) {
        self.urgent = true;
    }

    /// Days merged into their week: `removed` lose their keys, `changed`
    /// (the weeks' totals) are written.
    pub fn merged(&mut self, removed: &[Date], changed: &[Date]) {
        for date in removed {
            self.days.remove(date);
        }
        self.removed_days.extend(removed.iter().copied());
        self.days.extend(changed.iter().copied());
    }

    /// Everything was deleted: only the (default) settings are left to write.
    pub fn deleted(&mut self) {
        self.finds = false;
        self.days.clear();
        self.settings = true;
        self.urgent = true;
    }

    /// Storage lost everything: all of `ledger` is unsaved.
    pub fn all(&mut self, ledger: &Ledger) {
        self.days.extend(ledger.rows().map(|(d, _, _)| d));
        self.settings = true;
        self.finds = true;
        self.saved_run = None;
        self.urgent = true;
    }

    fn flush(&self, run: Option<&Run>, prompted: &Prompted) -> Flush {
        if self.urgent {
            Flush::Now
        } else if !self.days.is_empty()
            || self.settings
            || self.finds
            || !self.removed_days.is_empty()
            || self.undo.is_some()
            || run != self.saved_run.as_ref()
            || self.run_unsaved
            || *prompted != self.saved_prompted
            || self.prompted_unsaved
        {
            Flush::Soon
        } else {
            Flush::Idle
        }
    }
}

impl Tracker {
    /// How soon storage should be written.
    pub fn flush(&self) -> Flush {
        self.outbox
            .flush(self.attention.run(), &self.prompting.saved())
    }

    /// What to write now; afterwards the tracker counts it as saved.
    pub fn take_writes(&mut self) -> Writes {
        let o = &mut self.outbox;
        let days = std::mem::take(&mut o.days)
            .into_iter()
            .map(|date| (date, self.ledger.day(date).cloned().unwrap_or_default()))
            .collect();
        let settings = std::mem::take(&mut o.settings).then(|| self.settings.clone());
        let run = self.attention.run().cloned();
        let run = (run != o.saved_run || o.run_unsaved).then(|| {
            o.saved_run = run.clone();
            o.run_unsaved = false;
            run
        });
        o.urgent = false;
        let finds = std::mem::take(&mut o.finds).then(|| self.finds.finds.clone());
        let removed_days = std::mem::take(&mut o.removed_days).into_iter().collect();
        let prompted = self.prompting.saved();
        let prompted = (prompted != o.saved_prompted || o.prompted_unsaved).then(|| {
            o.saved_prompted = prompted.clone();
            o.prompted_unsaved = false;
            prompted
        });
        let undo = o.undo.take();
        let booked = self.pages.take_booked();
        Writes {
            days,
            settings,
            run,
            finds,
            removed_days,
            prompted,
            booked,
            undo,
        }
    }
}

impl Tracker {
    /// Storage refused `writes` (handed out by [`Tracker::take_writes`]):
    /// what they held is unsaved again, so the next write carries it (with
    /// whatever changed since).
    ///
    /// ```text
    /// take_writes -> {days: [22nd], run}; writes_failed(that) -> flush Soon,
    /// take_writes -> {days: [22nd], run} again
    /// ```
    pub fn writes_failed(&mut self, writes: Writes) {
        let o = &mut self.outbox;
        o.days.extend(writes.days.into_iter().map(|(d, _)| d));
        o.settings |= writes.settings.is_some();
        o.finds |= writes.finds.is_some();
        o.run_unsaved |= writes.run.is_some();
        // A day merged meanwhile into its week is not written back.
        o.removed_days.extend(writes.removed_days);
        o.prompted_unsaved |= writes.prompted.is_some();
        // Unless a newer undo is waiting, the failed one is written again.
        if o.undo.is_none() {
            o.undo = writes.undo;
        }
        self.pages.unsaved(writes.booked);
        let o = &mut self.outbox;
        let removed = o.removed_days.clone();
        o.days.retain(|d| !removed.contains(d));
    }

    /// Storage did not take `writes` at `now` (`full`: for the quota):
    /// what they held is unsaved again. Answers when to try again: at once
    /// if the store was full and its oldest detail could be freed
    /// ([`Tracker::storage_full`]; not a failure to `clock`), else as
    /// `clock` says, later and sooner first.
    ///
    /// ```text
    /// refused                         -> Arm(1000), then Arm(2000), ...
    /// full, an undo copy to drop      -> Write (whole, at once)
    /// full, nothing left to free      -> as refused
    /// ```
    pub fn retry_writes(
        &mut self,
        writes: Writes,
        full: bool,
        clock: &mut FlushClock,
        now: f64,
        zone: &impl Zone,
        locale: &str,
    ) -> FlushStep {
        let freed = full && self.storage_full(now, zone, locale);
        self.writes_failed(writes);
        if freed {
            FlushStep::Write
        } else {
            clock.failed(now)
        }
    }

    /// Storage refused to write, try after try ([`FlushStep::Refused`]):
    /// the person is told, once, until a write succeeds.
    pub fn writes_refused(&mut self) {
        if !self.notices.contains(&Notice::WriteRefused) {
            self.notices.push(Notice::WriteRefused);
        }
    }

    /// A write (handing out `booked`) succeeded: a refusal told before is
    /// over, and each page's sensor hears which of its ads are in storage.
    ///
    /// ```text
    /// booked [(tab 1, ads {7}, viewable {})] -> command (1, saved ads [7])
    /// ```
    pub fn writes_saved(&mut self, booked: Vec<(TabId, Booked)>) {
        self.notices.retain(|n| *n != Notice::WriteRefused);
        self.pages.saved(booked);
    }
}

/// A write that failed is tried again after this long, doubling each time
/// up to [`RETRY_MAX_MS`]; after [`RETRIES`] tries the person is told (and
/// the tries go on at the longest interval).
pub const RETRY_FIRST_MS: f64 = 1_000.0;
pub const RETRY_MAX_MS: f64 = 60_000.0;
pub const RETRIES: u32 = 5;

/// What the background's write timer must do.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FlushStep {
    /// Write the tracker's writes now, then tell [`FlushClock::wrote`].
    Write,
    /// (Re)arm the timer to fire in this many ms.
    Arm(f64),
    /// Leave the timer as it is.
    Keep,
    /// No timer.
    Disarm,
    /// Writes were refused [`RETRIES`] times: tell the person, and (re)arm
    /// the timer to try again in this many ms.
    Refused(f64),
}

/// The write schedule: at once when a run opens or closes or data changes
/// as a whole; otherwise one write per [`FLUSH_MS`], and while a run is
/// open the timer keeps ticking, so a stopped worker loses at most that.
///
/// ```text
/// wrote at 0, counting     -> Arm(5000)
/// change at 2000, Soon     -> Keep (armed)      fired, Soon -> Write
/// not counting, Soon at 7000, last write 0 -> Arm(0)
/// ```
#[derive(Debug, Default, Clone, PartialEq)]
pub struct FlushClock {
    last_write: f64,
    /// When the armed timer fires, if one is.
    due_at: Option<f64>,
    /// Writes refused in a row.
    failures: u32,
}

impl FlushClock {
    /// When the armed timer fires (for a simulated clock).
    pub fn due_at(&self) -> Option<f64> {
        self.due_at
    }

    /// After any change at `now`.
    pub fn after_change(&mut self, flush: Flush, now: f64) -> FlushStep {
        match flush {
            Flush::Now => FlushStep::Write,
            Flush::Soon if self.due_at.is_none() => self.arm(self.last_write + FLUSH_MS, now),
            _ => FlushStep::Keep,
        }
    }

    /// A batch was handed to storage at `now`.
    pub fn wrote(&mut self, now: f64, counting: bool) -> FlushStep {
        self.last_write = now;
        self.due_at = None;
        if counting {
            self.arm(now + FLUSH_MS, now)
        } else {
            FlushStep::Disarm
        }
    }

    /// The last write was refused at `now` (the tracker has its writes
    /// back: [`Tracker::writes_failed`]): try again later, sooner first.
    ///
    /// ```text
    /// failed, failed, failed -> Arm(1000), Arm(2000), Arm(4000)
    /// 5th failure            -> Refused(16000)   (then Refused(32000), (60000)...)
    /// succeeded              -> the next failure is Arm(1000) again
    /// ```
    pub fn failed(&mut self, now: f64) -> FlushStep {
        self.failures += 1;
        let wait = (RETRY_FIRST_MS * 2f64.powi(self.failures as i32 - 1)).min(RETRY_MAX_MS);
        match self.arm(now + wait, now) {
            FlushStep::Arm(ms) if self.failures >= RETRIES => FlushStep::Refused(ms),
            step => step,
        }
    }

    /// The last write succeeded.
    pub fn succeeded(&mut self) {
        self.failures = 0;
    }

    /// The timer fired at `now`, after the tracker ticked.
    pub fn fired(&mut self, flush: Flush, counting: bool, now: f64) -> FlushStep {
        self.due_at = None;
        if flush != Flush::Idle {
            FlushStep::Write
        } else if counting {
            self.arm(now + FLUSH_MS, now)
        } else {
            FlushStep::Disarm
        }
    }

    fn arm(&mut self, at: f64, now: f64) -> FlushStep {
        let at = at.max(now);
        self.due_at = Some(at);
        FlushStep::Arm(at - now)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::protocol::SensorEvent;

    #[test]
    fn writes_are_batched_and_runs_survive_a_restart() {
        let mut t = tracker();
        t.sensor(1, hello("https://x.com/"), T0, &Z).unwrap();
        t.sensor(1, SensorEvent::Input { typing: false }, T0, &Z)
            .unwrap();
        assert_eq!(t.flush(), Flush::Now, "a run opened");
        let w = t.take_writes();
        assert!(w.run.clone().unwrap().is_some());
        assert_eq!(t.flush(), Flush::Idle);
        t.sensor(1, SensorEvent::Input { typing: false }, T0 + 3000.0, &Z)
            .unwrap();
        assert_eq!(t.flush(), Flush::Soon, "the run moved on: batched");
        let saved = t.take_writes().run.unwrap().unwrap();
        // The worker dies here; a new one starts from storage 60 s later.
        let t2 = Tracker::new(Settings::default(), Ledger::default(), Some(saved), &Z);
        assert_eq!(t2.export(T0 + 60_000.0, &Z).days[0].attention_seconds, 3.0);
    }

    #[test]
    fn a_refused_write_is_written_again_with_what_changed_since() {
        let mut t = with_ads();
        t.sensor(1, hello("https://x.com/"), T0, &Z).unwrap();
        t.sensor(1, SensorEvent::Input { typing: false }, T0, &Z)
            .unwrap();
        t.sensor(1, slot(1, 0), T0, &Z).unwrap();
        let mut s = t.settings().clone();
        s.daily_goal_minutes = 30;
        t.set_settings(s, T0, &Z).unwrap();
        let first = t.take_writes();
        assert_eq!(first.days.len(), 1);
        assert!(first.settings.is_some() && first.run.is_some());
        assert_eq!(t.flush(), Flush::Idle, "handed to storage");
        t.writes_failed(first.clone());
        assert_ne!(t.flush(), Flush::Idle, "unsaved again");
        t.sensor(1, SensorEvent::Input { typing: false }, T0 + 2000.0, &Z)
            .unwrap();
        let again = t.take_writes();
        assert_eq!(again.days.len(), 1);
        assert_eq!(again.settings, first.settings);
        assert!(
            again.run.clone().unwrap().is_some(),
            "the run, as it is now"
        );
        assert_ne!(again.run, first.run);
        assert_eq!(t.flush(), Flush::Idle);
        // A day merged into its week meanwhile is removed, not written.
        t.writes_failed(Writes {
            removed_days: vec![first.days[0].0],
            ..again
        });
        let third = t.take_writes();
        assert!(third.days.is_empty());
        assert_eq!(third.removed_days, vec![first.days[0].0]);
    }

    #[test]
    fn a_failed_write_is_tried_again_at_once_only_when_a_full_store_freed_room() {
        let mut t = tracker();
        let file = t.export(T0, &Z);
        t.import_at(&file, T0, &Z, "en").unwrap();
        let mut clock = FlushClock::default();
        let w = t.take_writes();
        assert_eq!(
            t.retry_writes(w, false, &mut clock, T0, &Z, "en"),
            FlushStep::Arm(RETRY_FIRST_MS),
            "refused: later"
        );
        assert_ne!(t.flush(), Flush::Idle, "unsaved again");
        let w = t.take_writes();
        assert_eq!(
            t.retry_writes(w, true, &mut clock, T0, &Z, "en"),
            FlushStep::Write,
            "full: the undo copy goes, the rest at once"
        );
        let w = t.take_writes();
        assert_eq!(w.undo, Some(None));
        assert!(w.settings.is_some(), "whole");
        assert_eq!(
            t.retry_writes(w, true, &mut clock, T0, &Z, "en"),
            FlushStep::Arm(2.0 * RETRY_FIRST_MS),
            "nothing left to free: the second failure the clock counts"
        );
        assert_ne!(t.flush(), Flush::Idle, "unsaved again");
    }

    #[test]
    fn refused_writes_are_tried_again_sooner_first_then_the_person_is_told() {
        let mut c = FlushClock::default();
        let steps: Vec<FlushStep> = (0..7).map(|i| c.failed(f64::from(i) * 100.0)).collect();
        assert_eq!(
            steps,
            vec![
                FlushStep::Arm(1000.0),
                FlushStep::Arm(2000.0),
                FlushStep::Arm(4000.0),
                FlushStep::Arm(8000.0),
                FlushStep::Refused(16_000.0),
                FlushStep::Refused(32_000.0),
                FlushStep::Refused(RETRY_MAX_MS),
            ]
        );
        c.succeeded();
        assert_eq!(c.failed(0.0), FlushStep::Arm(1000.0));
        let mut t = tracker();
        t.writes_refused();
        t.writes_refused();
        assert_eq!(t.footprint().notices, 1, "told once");
        t.writes_saved(vec![]);
        assert_eq!(t.footprint().notices, 0);
    }

    #[test]
    fn the_clock_writes_at_once_or_once_per_interval_and_ticks_while_counting() {
        let mut c = FlushClock::default();
        assert_eq!(c.after_change(Flush::Idle, 1000.0), FlushStep::Keep);
        assert_eq!(c.after_change(Flush::Now, 1000.0), FlushStep::Write);
        assert_eq!(c.wrote(1000.0, true), FlushStep::Arm(FLUSH_MS));
        assert_eq!(c.due_at(), Some(1000.0 + FLUSH_MS));
        assert_eq!(
            c.after_change(Flush::Soon, 3000.0),
            FlushStep::Keep,
            "armed"
        );
        assert_eq!(c.fired(Flush::Soon, true, 6000.0), FlushStep::Write);
        assert_eq!(c.wrote(6000.0, false), FlushStep::Disarm, "stopped");
        assert_eq!(c.due_at(), None);
        // Not counting: a later change is written one interval after the
        // last write, or at once if that is past.
        assert_eq!(c.after_change(Flush::Soon, 8000.0), FlushStep::Arm(3000.0));
        assert_eq!(c.fired(Flush::Idle, false, 11_000.0), FlushStep::Disarm);
        assert_eq!(c.after_change(Flush::Soon, 20_000.0), FlushStep::Arm(0.0));
        // Counting and nothing to write: the timer keeps ticking.
        assert_eq!(
            c.fired(Flush::Idle, true, 20_000.0),
            FlushStep::Arm(FLUSH_MS)
        );
    }
}
