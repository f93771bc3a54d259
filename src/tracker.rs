//! The background core's whole state, pure: attention, the ledger, the
//! settings, and what must be written to storage. The browser glue feeds it
//! events with the clock and zone, and writes what [`Tracker::take_writes`]
//! hands back.

use std::collections::BTreeSet;

use thiserror::Error;

use crate::attention::{Attention, Run, Signal, Span, TabId};
use crate::calendar::{iso_utc, Date, Zone};
use crate::ledger::{Day, Ledger};
use crate::protocol::{OverlayState, SensorCommand, SensorEvent};
use crate::settings::Settings;
use crate::sites::{host_of_url, site_for_host};
use crate::store::{self, DayRow, Export, ImportError, SCHEMA};

/// Why a sensor event was not applied.
#[derive(Debug, Error, PartialEq)]
pub enum TrackerError {
    #[error("tab {0} sent an event before its hello")]
    UnknownTab(TabId),
}

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
}

#[derive(Debug)]
pub struct Tracker {
    attention: Attention,
    ledger: Ledger,
    settings: Settings,
    dirty_days: BTreeSet<Date>,
    dirty_settings: bool,
    saved_run: Option<Run>,
    urgent: bool,
}

impl Tracker {
    /// Starts from stored state. A run left open by a crash or restart is
    /// closed at its last saved tick.
    pub fn new(settings: Settings, ledger: Ledger, left_open: Option<Run>, zone: &impl Zone) -> Tracker {
        let mut t = Tracker {
            attention: Attention::new(),
            ledger,
            settings,
            dirty_days: BTreeSet::new(),
            dirty_settings: false,
            saved_run: left_open.clone(),
            // A recovered run is booked and cleared from storage at once.
            urgent: left_open.is_some(),
        };
        if let Some(run) = left_open {
            let span = run.recover(&t.settings.limits());
            t.book(vec![span], zone);
        }
        t
    }

    /// Whether a run is open (some page is counting).
    pub fn counting(&self) -> bool {
        self.attention.run().is_some()
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Applies one decoded sensor event from `tab`.
    pub fn sensor(&mut self, tab: TabId, event: SensorEvent, now: f64, zone: &impl Zone) -> Result<Option<SensorCommand>, TrackerError> {
        let (signal, reply) = match event {
            SensorEvent::Hello { url, visible, focused, media, idle_ms } => {
                let Some(site) = host_of_url(&url).and_then(site_for_host) else {
                    self.signal(tab, Signal::Closed, now, zone);
                    return Ok(Some(SensorCommand::Ignore));
                };
                let open = Signal::Open { site: site.id.to_string(), visible, focused, media, idle_ms };
                (open, Some(SensorCommand::Track { site: site.id.to_string() }))
            }
            _ if self.attention.site_of(tab).is_none() => return Err(TrackerError::UnknownTab(tab)),
            SensorEvent::Visibility { visible } => (Signal::Visible(visible), None),
            SensorEvent::Focus { focused } => (Signal::Focused(focused), None),
            SensorEvent::Input {} => (Signal::Input, None),
            SensorEvent::Media { playing } => (Signal::Media(playing), None),
            SensorEvent::Heartbeat {} => (Signal::Heartbeat, None),
        };
        self.signal(tab, signal, now, zone);
        Ok(reply)
    }

    /// The sensor of `tab` went away.
    pub fn closed(&mut self, tab: TabId, now: f64, zone: &impl Zone) {
        self.signal(tab, Signal::Closed, now, zone);
    }

    /// The screen was locked or unlocked.
    pub fn locked(&mut self, locked: bool, now: f64, zone: &impl Zone) {
        let had_run = self.attention.run().is_some();
        let spans = self.attention.set_locked(locked, now, &self.settings.limits());
        self.after(had_run, spans, zone);
    }

    /// The clock alone moved on (the flush timer).
    pub fn tick(&mut self, now: f64, zone: &impl Zone) {
        let had_run = self.attention.run().is_some();
        let spans = self.attention.tick(now, &self.settings.limits());
        self.after(had_run, spans, zone);
    }

    fn signal(&mut self, tab: TabId, signal: Signal, now: f64, zone: &impl Zone) {
        let had_run = self.attention.run().is_some();
        let spans = self.attention.apply(tab, signal, now, &self.settings.limits());
        self.after(had_run, spans, zone);
    }

    fn after(&mut self, had_run: bool, spans: Vec<Span>, zone: &impl Zone) {
        if had_run != self.attention.run().is_some() || !spans.is_empty() {
            self.urgent = true;
        }
        self.book(spans, zone);
    }

    fn book(&mut self, spans: Vec<Span>, zone: &impl Zone) {
        let calendar = self.settings.calendar();
        for span in spans {
            self.dirty_days.extend(self.ledger.add_span(&span, &calendar, zone));
        }
    }

    /// Attention today on `site`, the open run included.
    pub fn today_ms(&self, site: &str, now: f64, zone: &impl Zone) -> f64 {
        let calendar = self.settings.calendar();
        let today = calendar.day_of(now, zone);
        let live: f64 = self
            .attention
            .live(now, &self.settings.limits())
            .filter(|span| span.site == site)
            .map(|span| calendar.split(span.start, span.end, zone).into_iter().filter(|(d, _)| *d == today).map(|(_, ms)| ms).sum())
            .unwrap_or(0.0);
        self.ledger.attention_ms(today, site) + live
    }

    /// What the overlay in `tab` shows.
    pub fn overlay_state(&self, tab: TabId, now: f64, zone: &impl Zone) -> Option<OverlayState> {
        let site = self.attention.site_of(tab)?;
        let limits = self.settings.limits();
        let counting = self.attention.run().is_some_and(|r| r.site == site);
        Some(OverlayState {
            site: site.to_string(),
            seconds: self.today_ms(site, now, zone) / 1000.0,
            counting,
            stops_in: if counting { self.attention.stops_in(now, &limits).map(|ms| ms / 1000.0) } else { None },
        })
    }

    /// The export, the open run counted up to `now`.
    pub fn export(&self, now: f64, zone: &impl Zone) -> Export {
        let mut ledger = self.ledger.clone();
        if let Some(span) = self.attention.live(now, &self.settings.limits()) {
            ledger.add_span(&span, &self.settings.calendar(), zone);
        }
        Export {
            schema: SCHEMA,
            exported_at: iso_utc(now),
            settings: self.settings.clone(),
            days: ledger.rows().map(|(date, site, rec)| DayRow::new(date, site, rec)).collect(),
        }
    }

    /// Applies an export; refused whole, with its reason, if any part is bad.
    pub fn import(&mut self, export: &Export) -> Result<(), ImportError> {
        let days = store::apply(export, &mut self.ledger, &mut self.settings)?;
        self.dirty_days.extend(days);
        self.dirty_settings = true;
        self.urgent = true;
        Ok(())
    }

    /// How soon storage should be written.
    pub fn flush(&self) -> Flush {
        if self.urgent {
            Flush::Now
        } else if !self.dirty_days.is_empty() || self.dirty_settings || self.attention.run() != self.saved_run.as_ref() {
            Flush::Soon
        } else {
            Flush::Idle
        }
    }

    /// What to write now; afterwards the tracker counts it as saved.
    pub fn take_writes(&mut self) -> Writes {
        let days = std::mem::take(&mut self.dirty_days)
            .into_iter()
            .map(|date| (date, self.ledger.day(date).cloned().unwrap_or_default()))
            .collect();
        let settings = std::mem::take(&mut self.dirty_settings).then(|| self.settings.clone());
        let run = self.attention.run().cloned();
        let run = (run != self.saved_run).then(|| {
            self.saved_run = run.clone();
            run
        });
        self.urgent = false;
        Writes { days, settings, run }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::FixedZone;

    const Z: FixedZone = FixedZone(0);
    const T0: f64 = 1_795_000_000_000.0; // 2026-11-18, mid-day UTC

    fn hello(url: &str) -> SensorEvent {
        SensorEvent::Hello { url: url.into(), visible: true, focused: true, media: false, idle_ms: None }
    }

    fn tracker() -> Tracker {
        Tracker::new(Settings::default(), Ledger::default(), None, &Z)
    }

    #[test]
    fn tracked_and_untracked_pages() {
        let mut t = tracker();
        assert_eq!(t.sensor(1, hello("https://www.facebook.com/"), T0, &Z).unwrap(), Some(SensorCommand::Track { site: "facebook".into() }));
        assert_eq!(t.sensor(2, hello("https://www.example.com/"), T0, &Z).unwrap(), Some(SensorCommand::Ignore));
        assert!(t.overlay_state(2, T0, &Z).is_none());
        assert_eq!(t.sensor(3, SensorEvent::Heartbeat {}, T0, &Z), Err(TrackerError::UnknownTab(3)));
    }

    #[test]
    fn twenty_seconds_present_is_twenty_seconds_exported() {
        let mut t = tracker();
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        for s in 0..=20 {
            t.sensor(1, SensorEvent::Input {}, T0 + f64::from(s) * 1000.0, &Z).unwrap();
        }
        let state = t.overlay_state(1, T0 + 20_000.0, &Z).unwrap();
        assert!(state.counting);
        assert_eq!(state.seconds, 20.0);
        let export = t.export(T0 + 20_000.0, &Z);
        assert_eq!(export.days.len(), 1);
        assert_eq!((export.days[0].site.as_str(), export.days[0].attention_seconds), ("x", 20.0));
    }

    #[test]
    fn writes_are_batched_and_runs_survive_a_restart() {
        let mut t = tracker();
        t.sensor(1, hello("https://x.com/"), T0, &Z).unwrap();
        t.sensor(1, SensorEvent::Input {}, T0, &Z).unwrap();
        assert_eq!(t.flush(), Flush::Now, "a run opened");
        let w = t.take_writes();
        assert!(w.run.clone().unwrap().is_some());
        assert_eq!(t.flush(), Flush::Idle);
        t.sensor(1, SensorEvent::Input {}, T0 + 3000.0, &Z).unwrap();
        assert_eq!(t.flush(), Flush::Soon, "the run moved on: batched");
        let saved = t.take_writes().run.unwrap().unwrap();
        // The worker dies here; a new one starts from storage 60 s later.
        let t2 = Tracker::new(Settings::default(), Ledger::default(), Some(saved), &Z);
        assert_eq!(t2.export(T0 + 60_000.0, &Z).days[0].attention_seconds, 3.0);
    }

    #[test]
    fn import_changes_settings_and_refusal_changes_nothing() {
        let mut t = tracker();
        let mut e = t.export(T0, &Z);
        e.settings.idle_threshold_seconds = 15;
        t.import(&e).unwrap();
        assert_eq!(t.settings().idle_threshold_seconds, 15);
        assert_eq!(t.take_writes().settings.unwrap().idle_threshold_seconds, 15);
        e.schema = 99;
        assert!(matches!(t.import(&e), Err(ImportError::NewerSchema { found: 99 })));
        assert_eq!(t.flush(), Flush::Idle);
    }
}
