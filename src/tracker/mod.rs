//! The background core's whole state, pure: attention, the ledger, the
//! settings, and what must be written to storage. The browser glue feeds it
//! events with the clock and zone, and writes what [`Tracker::take_writes`]
//! hands back.
//!
//! `Tracker` only coordinates; each product idea lives in its own part:
//!
//! | part | what |
//! |---|---|
//! | [`pages`] | open pages, their ad slots, sleep and wake |
//! | [`prompting`] | the stretch not yet asked about, the card, useful time |
//! | [`goal`] | the price card past the daily goal, its snooze and choices |
//! | [`finds`] | "mark this post useful": asks, saved posts, the cap |
//! | [`outbox`] | what storage lacks ([`Writes`]) and when to write it |
//! | [`overlay`] | what a page's overlay asks, decided |
//! | [`views`] | what the overlay, the badge, the popup and the summary show |
//! | [`settings`] | the person's choices, from the options or the overlay |
//! | [`records`] | export, import, delete everything, compaction |

mod finds;
mod goal;
mod outbox;
mod overlay;
mod pages;
mod prompting;
mod records;
mod settings;
#[cfg(test)]
mod testkit;
mod views;

use thiserror::Error;

use crate::attention::{Attention, Limits, Run, Signal, Span, TabId};
use crate::calendar::{Date, Zone};
use crate::finds::{Draft, FindError};
use crate::labels::Labels;
use crate::ledger::Ledger;
use crate::protocol::{SensorCommand, SensorEvent};
use crate::rules::Rule;
use crate::settings::Settings;
use crate::summary::Notice;
use crate::valuation::Region;

pub use finds::SAVED_SHOWN_MS;
pub use goal::{GoalChoice, Goaled, CONTINUE_MS};
pub use outbox::{Flush, FlushClock, FlushStep, Writes, FLUSH_MS};
pub use overlay::{frame, Reaction};
pub use prompting::Prompted;
pub use settings::{pause_until, OverlayChoice};
pub use views::{badge_due, worth_sending, Badge};

/// Why a sensor event was not applied.
#[derive(Debug, Error, PartialEq)]
pub enum TrackerError {
    #[error("tab {0} sent an event before its hello")]
    UnknownTab(TabId),
    #[error("tab {0} sent a post nobody asked for")]
    UnaskedPost(TabId),
    #[error("tab {tab}: the post was not kept: {error}")]
    Find { tab: TabId, error: FindError },
    #[error("tab {tab}: the counter's setting was refused: {error}")]
    Setting {
        tab: TabId,
        error: crate::settings::SettingsError,
    },
    #[error("a sensor's {0} is not for Tracker::sensor")]
    Misrouted(&'static str),
}

/// What [`Tracker::footprint`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Footprint {
    pub pages: usize,
    pub stretches: usize,
    pub asks: usize,
    pub notices: usize,
    pub finds: usize,
}

/// How much of the open run to count: up to `now` (what the clock shows),
/// or only what stays counted if the person goes idle now (for useful time,
/// which must never exceed attention).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Upto {
    Live,
    Certain,
}

#[derive(Debug)]
pub struct Tracker {
    attention: Attention,
    ledger: Ledger,
    settings: Settings,
    /// The browser's region, used unless the person chose one.
    locale_region: Region,
    /// What the popup must tell about the store.
    notices: Vec<Notice>,
    pages: pages::Pages,
    prompting: prompting::Prompting,
    finds: finds::Keeper,
    outbox: outbox::Outbox,
    /// The store before the last import, while it can be undone.
    undo: Option<crate::store::UndoImport>,
    /// Whether a click on the counter may count (choices waiting for the
    /// sensor's look, covers, refusals).
    guard: overlay::ClickGuard,
}

impl Tracker {
    /// Starts from stored state. A run left open by a crash or restart is
    /// closed at its last saved tick; if its page comes back to this worker
    /// with the person still there, the new run starts at that tick.
    pub fn new(
        settings: Settings,
        ledger: Ledger,
        left_open: Option<Run>,
        zone: &impl Zone,
    ) -> Tracker {
        Tracker::restored(settings, ledger, left_open, Prompted::default(), zone)
    }

    /// [`Tracker::new`], with the prompt's stretches and card as a stopped
    /// worker left them: the run it left open joins its stretch.
    pub fn restored(
        settings: Settings,
        ledger: Ledger,
        left_open: Option<Run>,
        prompted: Prompted,
        zone: &impl Zone,
    ) -> Tracker {
        let mut t = Tracker {
            attention: Attention::new(),
            ledger,
            settings,
            locale_region: Region::RestOfWorld,
            notices: Vec::new(),
            pages: pages::Pages::default(),
            prompting: prompting::Prompting::restored(prompted.clone()),
            finds: finds::Keeper::default(),
            outbox: outbox::Outbox::new(left_open.clone(), prompted),
            undo: None,
            guard: overlay::ClickGuard::default(),
        };
        if let Some(run) = left_open {
            if let Some(span) = run.recover(&t.settings.limits()) {
                t.book(vec![span], zone);
                // Its page, back on this worker's line, may go on from there.
                t.attention.left_open(run);
            }
        }
        t
    }

    /// The site rules and ad labels to find ads with.
    pub fn with_rules(mut self, rules: Vec<Rule>, labels: Labels) -> Tracker {
        self.pages.set_rules(rules, labels);
        self
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

    /// The site `tab` is tracked as, if any.
    pub fn site_of(&self, tab: TabId) -> Option<&str> {
        self.attention.site_of(tab)
    }

    /// Applies one decoded sensor event from `tab`, trusting the `hello`'s
    /// own URL: for tests and tools. The glue uses [`Tracker::sensor_at`].
    pub fn sensor(
        &mut self,
        tab: TabId,
        event: SensorEvent,
        now: f64,
        zone: &impl Zone,
    ) -> Result<Option<SensorCommand>, TrackerError> {
        let signal = match event {
            SensorEvent::Hello {
                url,
                visible,
                focused,
                media,
                idle_ms,
                reconnected,
            } => {
                let open = pages::Opened {
                    visible,
                    focused,
                    media,
                    idle_ms,
                    reconnected,
                };
                let command = self.hello(tab, &url, open, now, zone);
                self.returned(tab, now, zone);
                return Ok(Some(command));
            }
            _ if self.attention.site_of(tab).is_none() => {
                return Err(TrackerError::UnknownTab(tab))
            }
            SensorEvent::Batch { items, sent_at } => {
                return self.batch(tab, items, sent_at, now, zone)
            }
            SensorEvent::Slot { id, rule, labels } => {
                return Ok(self.slot(tab, id, rule, labels, now, zone))
            }
            SensorEvent::Known(ad) => {
                self.known(tab, ad, now, zone);
                return Ok(None);
            }
            SensorEvent::Playing { id, playing } => {
                self.playing(tab, id, playing, now, zone);
                return Ok(None);
            }
            SensorEvent::View { id, ratio, area } => {
                self.view(tab, id, Some((ratio, area)), now, zone);
                return Ok(None);
            }
            SensorEvent::Gone { id } => {
                self.view(tab, id, None, now, zone);
                return Ok(None);
            }
            SensorEvent::Visibility { visible } => Signal::Visible(visible),
            SensorEvent::Focus { focused } => Signal::Focused(focused),
            SensorEvent::Input { typing } => {
                self.prompting.input(typing, now);
                Signal::Input
            }
            SensorEvent::Media { playing } => Signal::Media(playing),
            SensorEvent::Heartbeat {} => Signal::Heartbeat,
            SensorEvent::Shortcut {} => return Ok(self.ask_post(tab, now)),
            SensorEvent::Placed { inline, bottom } => {
                self.place(tab, inline, bottom);
                return Ok(None);
            }
            // A look answers an overlay's choice, with its reactions: the
            // background hands it to `Tracker::click_seen`.
            SensorEvent::ClickSeen { .. } => return Err(TrackerError::Misrouted("click_seen")),
            SensorEvent::Covered {} => {
                self.guard.covered(tab, now);
                return Ok(None);
            }
            SensorEvent::Fold { on } => {
                // The site's other pages hear it with the next state.
                let choice = settings::OverlayChoice::Minimize(on);
                return match self.choose(tab, choice, now, zone) {
                    Some(Err(error)) => Err(TrackerError::Setting { tab, error }),
                    Some(Ok(commands)) => Ok(commands
                        .into_iter()
                        .find_map(|(t, c)| (t == tab).then_some(c))),
                    None => Ok(None),
                };
            }
            SensorEvent::Post {
                ask,
                url,
                author,
                text,
            } => {
                self.save_find(tab, ask, Draft { url, author, text }, now, zone)?;
                return Ok(None);
            }
            SensorEvent::NoPost { ask } => {
                self.no_post(tab, ask, now)?;
                return Ok(None);
            }
        };
        let back = matches!(signal, Signal::Visible(true) | Signal::Focused(true));
        self.signal(tab, signal, now, zone);
        if back {
            self.returned(tab, now, zone);
        }
        Ok(None)
    }

    /// The sensor of `tab` went away: its page view ends.
    pub fn closed(&mut self, tab: TabId, now: f64, zone: &impl Zone) {
        self.signal(tab, Signal::Closed, now, zone);
        self.guard.forget(tab);
        if self.pages.close(tab) {
            self.outbox.urgent(); // see `page_went`
        }
        self.goal_tab_closed(tab);
    }

    /// The screen was locked or unlocked.
    pub fn locked(&mut self, locked: bool, now: f64, zone: &impl Zone) {
        self.attend(zone, |a, limits| a.set_locked(locked, now, limits));
        self.sync_views(now, zone);
    }

    /// The clock alone moved on (the flush timer, an ad's dwell).
    pub fn tick(&mut self, now: f64, zone: &impl Zone) {
        self.attend(zone, |a, limits| a.tick(now, limits));
        self.sync_views(now, zone);
        self.check_prompt(now, zone);
    }

    fn signal(&mut self, tab: TabId, signal: Signal, now: f64, zone: &impl Zone) {
        self.attend(zone, |a, limits| a.apply(tab, signal, now, limits));
        self.sync_views(now, zone);
        self.check_prompt(now, zone);
    }

    /// Every update opens here: one change to attention, then what it
    /// closed is booked, and a run that opened or closed is written now.
    fn attend(
        &mut self,
        zone: &impl Zone,
        change: impl FnOnce(&mut Attention, &Limits) -> Vec<Span>,
    ) {
        let had_run = self.attention.run().is_some();
        let spans = change(&mut self.attention, &self.settings.limits());
        if had_run != self.attention.run().is_some() || !spans.is_empty() {
            self.outbox.urgent();
        }
        self.book(spans, zone);
    }

    fn book(&mut self, spans: Vec<Span>, zone: &impl Zone) {
        let calendar = self.settings.calendar();
        for span in spans {
            self.outbox
                .days(self.ledger.add_span(&span, &calendar, zone));
            self.prompting.book(&span, &calendar, zone);
        }
    }

    /// The open run's share on `site` per day, from `since` (the one place
    /// the open run is split into days; `f64::NEG_INFINITY`: all of it).
    ///
    /// ```text
    /// run on x 23:59:30 -> 00:00:20, since -inf -> {22nd: 30 s, 23rd: 20 s}
    /// run on x, asked for reddit               -> {}
    /// ```
    fn open_run(
        &self,
        site: &str,
        since: f64,
        upto: Upto,
        now: f64,
        zone: &impl Zone,
    ) -> Vec<(Date, f64)> {
        let limits = self.settings.limits();
        let span = match upto {
            Upto::Live => self.attention.live(now, &limits),
            Upto::Certain => self.attention.certain(now, &limits),
        };
        span.filter(|s| s.site == site).map_or_else(Vec::new, |s| {
            self.settings
                .calendar()
                .split(s.start.max(since), s.end, zone)
        })
    }

    /// Today's share of the open run on `site`.
    fn open_run_today(&self, site: &str, upto: Upto, now: f64, zone: &impl Zone) -> f64 {
        let today = self.settings.calendar().day_of(now, zone);
        self.open_run(site, f64::NEG_INFINITY, upto, now, zone)
            .into_iter()
            .filter(|(d, _)| *d == today)
            .map(|(_, ms)| ms)
            .sum()
    }

    /// How much the tracker holds besides the ledger: per open page, per
    /// site, per pending ask. A long life must not grow these.
    pub fn footprint(&self) -> Footprint {
        Footprint {
            pages: self.pages.len(),
            stretches: self.prompting.len(),
            asks: self.finds.asks(),
            notices: self.notices.len(),
            finds: self.finds.finds.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testkit::*;
    use super::*;

    #[test]
    fn twenty_seconds_present_is_twenty_seconds_exported() {
        let mut t = tracker();
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        for s in 0..=20 {
            t.sensor(
                1,
                SensorEvent::Input { typing: false },
                T0 + f64::from(s) * 1000.0,
                &Z,
            )
            .unwrap();
        }
        let state = t.overlay_state(1, T0 + 20_000.0, &Z).unwrap();
        assert!(state.counting);
        assert_eq!(state.seconds, 20.0);
        let export = t.export(T0 + 20_000.0, &Z);
        assert_eq!(export.days.len(), 1);
        assert_eq!(
            (
                export.days[0].site.as_str(),
                export.days[0].attention_seconds
            ),
            ("x", 20.0)
        );
    }

    #[test]
    fn the_open_run_is_split_at_midnight_once_for_every_use() {
        let midnight = 1_795_392_000_000.0; // 2026-11-23T00:00Z
        let mut t = tracker();
        t.sensor(1, hello("https://x.com/home"), midnight - 30_000.0, &Z)
            .unwrap();
        present_for(&mut t, 1, midnight - 30_000.0, 50);
        let now = midnight + 20_000.0;
        let days = t.open_run("x", f64::NEG_INFINITY, Upto::Live, now, &Z);
        let (d22, d23) = (days[0].0, days[1].0);
        assert_eq!(days, vec![(d22, 30_000.0), (d23, 20_000.0)]);
        assert_eq!(t.open_run_today("x", Upto::Live, now, &Z), 20_000.0);
        assert_eq!(
            t.open_run("x", midnight - 10_000.0, Upto::Live, now, &Z),
            vec![(d22, 10_000.0), (d23, 20_000.0)]
        );
        assert!(t.open_run("reddit", 0.0, Upto::Live, now, &Z).is_empty());
    }
}
