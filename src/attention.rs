//! Attention: which page counts, and the stretches of time that counted.
//!
//! A page counts while it is *eligible* (visible, holding the focus of the
//! focused window, screen not locked) and the person is *present* (an input
//! within the idle threshold, or media playing on it). At most one page
//! counts at any instant: the one that last took the focus.
//!
//! Time accrues heartbeat-style. While a page counts, every event from it
//! (input, media, a heartbeat every few seconds) extends one open run.
//! A gap longer than the pulsetime between events is a break — a sleeping
//! laptop, a killed browser, a clock jump — and is never counted. When
//! presence ends by idleness the run ends at the last proof of presence,
//! so the idle tail never counts.
//!
//! ```text
//! events  in  hb  hb  in  hb   hb   hb        (idle 15 s, pulse 15 s)
//! t (s)   0   5   10  12  17   22   28
//! run     [==============]                    ends at 12: idle since
//! counted 12 s
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A browser tab id.
pub type TabId = i64;

/// How long presence lasts and how long a gap may be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Presence lasts this long after the last input.
    pub idle_ms: f64,
    /// A longer gap between a counting page's events is a break.
    pub pulse_ms: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            idle_ms: 60_000.0,
            pulse_ms: PULSE_MS,
        }
    }
}

/// The longest run a stored record may claim: a day.
pub const MAX_RUN_MS: f64 = 86_400_000.0;

/// The sensor sends a heartbeat this often while its page is visible.
pub const HEARTBEAT_MS: f64 = crate::limits::HEARTBEAT_MS;
/// Three missed heartbeats make a break.
pub const PULSE_MS: f64 = 3.0 * HEARTBEAT_MS;

/// A stretch of counted attention on one site, `[start, end)` in ms.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub site: String,
    pub start: f64,
    pub end: f64,
}

impl Span {
    pub fn ms(&self) -> f64 {
        (self.end - self.start).max(0.0)
    }
}

/// The open run, saved every few seconds so a crash loses little.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub tab: TabId,
    pub site: String,
    pub start: f64,
    /// The last event heard while counting.
    pub last_tick: f64,
    /// The last proof the person was there (input, or media playing).
    pub last_presence: f64,
    /// Media was playing at `last_tick`.
    pub media: bool,
}

impl Run {
    /// Where the run ends if closed at `at`: at `at` while the person is
    /// still present, else at their last proof of presence.
    fn end_at(&self, at: f64, limits: &Limits) -> f64 {
        let present = self.media || at - self.last_presence <= limits.idle_ms;
        let end = if present { at } else { self.last_presence };
        end.clamp(self.start, at.max(self.start))
    }

    fn span_until(&self, end: f64) -> Span {
        Span {
            site: self.site.clone(),
            start: self.start,
            end: end.max(self.start),
        }
    }

    /// Closes a run recovered from storage after a crash or restart: it
    /// ends at its last tick, the idle rule applied. A stored run that no
    /// real session could leave (not finite, backwards, over a day long)
    /// is corrupt and books nothing.
    ///
    /// ```text
    /// start 0, last_tick 30 s, present  -> [0, 30 s)
    /// start 0, last_tick 1e12 (31 y)     -> none
    /// ```
    pub fn recover(&self, limits: &Limits) -> Option<Span> {
        self.plausible()
            .then(|| self.span_until(self.end_at(self.last_tick, limits)))
    }

    /// Whether a real session could have left this run: its times finite,
    /// in order, at most a day apart.
    pub fn plausible(&self) -> bool {
        let times = [self.start, self.last_tick, self.last_presence];
        times.iter().all(|t| t.is_finite() && *t >= 0.0)
            && self.start <= self.last_tick
            && self.last_tick - self.start <= MAX_RUN_MS
    }
}

/// What the sensor last said about a page.
#[derive(Debug, Clone, Default)]
struct Page {
    site: String,
    visible: bool,
    focused: bool,
    media: bool,
    /// It came back to a new worker, open all along.
    reconnected: bool,
}

/// One change the sensor or the browser reports, at the core's clock.
#[derive(Debug, Clone, PartialEq)]
pub enum Signal {
    /// A page started (or restarted) on a site. `idle_ms` is how long ago
    /// its last input was, if it saw one.
    Open {
        site: String,
        visible: bool,
        focused: bool,
        media: bool,
        idle_ms: Option<f64>,
        /// Its sensor's line to a stopped worker went away; the page stayed.
        reconnected: bool,
    },
    Visible(bool),
    Focused(bool),
    Input,
    Media(bool),
    /// Nothing changed; the page is alive.
    Heartbeat,
    Closed,
}

/// All open tracked pages and the one run that counts.
#[derive(Debug, Default)]
pub struct Attention {
    pages: BTreeMap<TabId, Page>,
    /// The tab that last took the focus.
    focus: Option<TabId>,
    /// The screen is locked (or the system says idle).
    locked: bool,
    /// Last input on any tracked page: presence belongs to the person.
    last_input: f64,
    run: Option<Run>,
    /// The run a stopped worker left open, booked up to its last tick:
    /// its page, back on a new line, may go on from there
    /// ([`Attention::start_of_run`]).
    left_open: Option<Run>,
}

impl Attention {
    pub fn new() -> Attention {
        Attention {
            last_input: f64::NEG_INFINITY,
            ..Attention::default()
        }
    }

    /// Applies a signal from `tab` at `now`; returns the spans it closed.
    pub fn apply(&mut self, tab: TabId, signal: Signal, now: f64, limits: &Limits) -> Vec<Span> {
        let mut closed = Vec::new();
        self.advance(now, limits, &mut closed);
        match signal {
            Signal::Open {
                site,
                visible,
                focused,
                media,
                idle_ms,
                reconnected,
            } => {
                if self
                    .run
                    .as_ref()
                    .is_some_and(|r| r.tab == tab && r.site != site)
                {
                    self.close(now, limits, &mut closed);
                }
                if let Some(idle) = idle_ms.filter(|i| i.is_finite() && *i >= 0.0) {
                    self.last_input = self.last_input.max(now - idle);
                }
                self.pages.insert(
                    tab,
                    Page {
                        site,
                        visible,
                        focused,
                        media,
                        reconnected,
                    },
                );
                self.claim_focus(tab);
            }
            Signal::Closed => {
                self.pages.remove(&tab);
            }
            other => {
                let Some(page) = self.pages.get_mut(&tab) else {
                    return closed;
                };
                match other {
                    Signal::Visible(v) => page.visible = v,
                    Signal::Focused(f) => page.focused = f,
                    Signal::Input => self.last_input = now,
                    Signal::Media(m) => page.media = m,
                    _ => {}
                }
                if let Some(run) = self.run.as_mut().filter(|r| r.tab == tab) {
                    if matches!(other, Signal::Input) || page.media || run.media {
                        run.last_presence = now;
                    }
                    run.media = page.media;
                }
                if matches!(other, Signal::Visible(true) | Signal::Focused(true)) {
                    self.claim_focus(tab);
                }
            }
        }
        self.settle(now, limits, &mut closed);
        closed
    }

    /// A page that is visible and has the focus becomes the one that may
    /// count. A hidden page saying it has the focus (scripted input to a
    /// background tab) takes nothing.
    fn claim_focus(&mut self, tab: TabId) {
        if self.pages.get(&tab).is_some_and(|p| p.visible && p.focused) {
            self.focus = Some(tab);
        }
    }

    /// The screen was locked or unlocked.
    pub fn set_locked(&mut self, locked: bool, now: f64, limits: &Limits) -> Vec<Span> {
        let mut closed = Vec::new();
        self.advance(now, limits, &mut closed);
        self.locked = locked;
        self.settle(now, limits, &mut closed);
        closed
    }

    /// Checks the open run against the clock alone (idle, breaks).
    pub fn tick(&mut self, now: f64, limits: &Limits) -> Vec<Span> {
        let mut closed = Vec::new();
        self.advance(now, limits, &mut closed);
        closed
    }

    /// The run a stopped worker left open, already booked up to its last
    /// tick ([`Run::recover`]).
    pub fn left_open(&mut self, run: Run) {
        self.left_open = Some(run);
    }

    /// Forgets what the open run has counted so far (everything was
    /// deleted): it goes on from `now`.
    pub fn restart(&mut self, now: f64) {
        self.left_open = None;
        if let Some(run) = self.run.as_mut() {
            run.start = run.start.max(now.min(run.last_tick));
        }
    }

    /// The open run, to save.
    pub fn run(&self) -> Option<&Run> {
        self.run.as_ref()
    }

    /// What closing the run at `now` would count, without closing it.
    pub fn live(&self, now: f64, limits: &Limits) -> Option<Span> {
        let run = self.run.as_ref()?;
        let end = if now < run.last_tick || now - run.last_tick > limits.pulse_ms {
            run.last_tick
        } else {
            now
        };
        Some(run.span_until(run.end_at(end, limits)))
    }

    /// The part of [`Attention::live`] that stays counted whatever comes
    /// next: up to the last input (media: up to the last tick), since
    /// idleness would cut the run back there.
    ///
    /// ```text
    /// input at 60 s, now 70 s (idle 15 s) -> live [0, 70 s), certain [0, 60 s)
    /// ```
    pub fn certain(&self, now: f64, limits: &Limits) -> Option<Span> {
        let run = self.run.as_ref()?;
        let live = self.live(now, limits)?;
        let end = if run.media {
            live.end.min(run.last_tick)
        } else {
            live.end.min(run.last_presence)
        };
        Some(run.span_until(end))
    }

    /// The site a tab is on, if it is tracked.
    pub fn site_of(&self, tab: TabId) -> Option<&str> {
        self.pages.get(&tab).map(|p| p.site.as_str())
    }

    /// When, from `now`, the run stops by itself unless input arrives
    /// (`None`: it does not, media is playing; or no run).
    pub fn stops_in(&self, now: f64, limits: &Limits) -> Option<f64> {
        let run = self.run.as_ref().filter(|r| !r.media)?;
        Some((run.last_presence + limits.idle_ms - now).max(0.0))
    }

    /// Whether `tab` is in view: visible, holding the focus, screen
    /// unlocked. (Ads are viewable in view, whether or not the person
    /// has moved lately.)
    pub fn in_view(&self, tab: TabId) -> bool {
        self.eligible_tab() == Some(tab)
    }

    /// The tab that may count now, if any.
    fn eligible_tab(&self) -> Option<TabId> {
        let tab = self.focus.filter(|_| !self.locked)?;
        let page = self.pages.get(&tab)?;
        (page.visible && page.focused).then_some(tab)
    }

    fn present(&self, tab: TabId, now: f64, limits: &Limits) -> bool {
        self.pages.get(&tab).is_some_and(|p| p.media) || now - self.last_input <= limits.idle_ms
    }

    /// Ends the run where the clock alone says it ended.
    fn advance(&mut self, now: f64, limits: &Limits, closed: &mut Vec<Span>) {
        let Some(run) = self.run.as_mut() else { return };
        if !(now >= run.last_tick && now - run.last_tick <= limits.pulse_ms) {
            // A break: the gap (or a clock that went back) never counts.
            let at = run.last_tick;
            self.close(at, limits, closed);
        } else if !run.media && now - run.last_presence > limits.idle_ms {
            self.close(now, limits, closed);
        } else {
            run.last_tick = now;
            if run.media {
                run.last_presence = now;
            }
        }
    }

    /// Closes a run that is no longer the eligible one; opens one when an
    /// eligible page has a present person.
    fn settle(&mut self, now: f64, limits: &Limits, closed: &mut Vec<Span>) {
        let eligible = self.eligible_tab();
        if self.run.as_ref().is_some_and(|r| Some(r.tab) != eligible) {
            self.close(now, limits, closed);
        }
        if let (None, Some(tab)) = (&self.run, eligible) {
            if self.present(tab, now, limits) {
                let start = self.start_of_run(tab, now, limits);
                let page = &self.pages[&tab];
                self.run = Some(Run {
                    tab,
                    site: page.site.clone(),
                    start,
                    last_tick: now,
                    last_presence: if page.media {
                        now
                    } else {
                        self.last_input.min(now)
                    },
                    media: page.media,
                });
            }
        }
    }

    /// Where a run opening on `tab` at `now` starts: where the run a
    /// stopped worker left open was last saved, if this is its page come
    /// back to the new worker within the pulse, and the person was there
    /// throughout (no stretch without a proof of presence longer than the
    /// idle threshold); otherwise `now`. The first run to open takes it.
    ///
    /// ```text
    /// left open: tab 1 on x, last tick 20 s, presence 19 s   (idle 60 s, pulse 15 s)
    /// tab 1 back at 23 s, reconnected, input at 22.5 s  -> starts at 20 s
    /// the same at 36 s, past the pulse                  -> starts at 36 s
    /// tab 1 back at 23 s, a page just loaded            -> starts at 23 s
    /// ```
    fn start_of_run(&mut self, tab: TabId, now: f64, limits: &Limits) -> f64 {
        let (Some(left), Some(page)) = (self.left_open.take(), self.pages.get(&tab)) else {
            return now;
        };
        let same_page = left.tab == tab && left.site == page.site && page.reconnected;
        let in_pulse = now >= left.last_tick && now - left.last_tick <= limits.pulse_ms;
        // The last proof of presence the old worker had; then either the
        // gap to now is within the idle threshold of it, or the first
        // input the new one heard is.
        let proof = if left.media {
            left.last_tick
        } else {
            left.last_presence
        };
        // Its booking ended at its last tick (not cut back to an idle start).
        let present_then = left.end_at(left.last_tick, limits) == left.last_tick;
        let throughout = (left.media && page.media)
            || now - proof <= limits.idle_ms
            || (self.last_input >= proof && self.last_input - proof <= limits.idle_ms);
        if same_page && in_pulse && present_then && throughout {
            left.last_tick
        } else {
            now
        }
    }

    fn close(&mut self, at: f64, limits: &Limits, closed: &mut Vec<Span>) {
        if let Some(run) = self.run.take() {
            let span = run.span_until(run.end_at(at, limits));
            if span.ms() > 0.0 {
                closed.push(span);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: Limits = Limits {
        idle_ms: 15_000.0,
        pulse_ms: 15_000.0,
    };

    fn open(site: &str) -> Signal {
        Signal::Open {
            site: site.into(),
            visible: true,
            focused: true,
            media: false,
            idle_ms: None,
            reconnected: false,
        }
    }

    fn total(spans: &[Span]) -> f64 {
        spans.iter().map(Span::ms).sum()
    }

    /// Feeds `(tab, signal, t_seconds)` and returns every closed span plus
    /// the live one at `end_s`.
    fn run(events: &[(TabId, Signal, f64)], end_s: f64) -> Vec<Span> {
        let mut a = Attention::new();
        let mut spans = Vec::new();
        for (tab, signal, t) in events {
            spans.extend(a.apply(*tab, signal.clone(), t * 1000.0, &L));
        }
        spans.extend(a.tick(end_s * 1000.0, &L));
        spans.extend(a.live(end_s * 1000.0, &L));
        spans
    }

    #[test]
    fn input_and_heartbeats_count_until_the_last_input_when_idle() {
        use Signal::*;
        let spans = run(
            &[
                (1, open("x"), 0.0),
                (1, Input, 0.0),
                (1, Heartbeat, 5.0),
                (1, Heartbeat, 10.0),
                (1, Input, 12.0),
                (1, Heartbeat, 17.0),
                (1, Heartbeat, 22.0),
                (1, Heartbeat, 28.0),
            ],
            40.0,
        );
        assert_eq!(total(&spans), 12_000.0);
    }

    #[test]
    fn no_input_no_attention() {
        let spans = run(&[(1, open("x"), 0.0), (1, Signal::Heartbeat, 5.0)], 10.0);
        assert_eq!(total(&spans), 0.0);
    }

    #[test]
    fn a_gap_longer_than_the_pulse_is_a_break() {
        use Signal::*;
        // Laptop sleeps from 5 s to 3605 s; input resumes on waking.
        let spans = run(
            &[
                (1, open("x"), 0.0),
                (1, Input, 0.0),
                (1, Input, 5.0),
                (1, Input, 3605.0),
                (1, Heartbeat, 3610.0),
            ],
            3610.0,
        );
        assert_eq!(total(&spans), 10_000.0);
    }

    #[test]
    fn a_clock_going_back_adds_nothing() {
        use Signal::*;
        let spans = run(
            &[
                (1, open("x"), 100.0),
                (1, Input, 100.0),
                (1, Input, 104.0),
                (1, Input, 50.0),
                (1, Input, 52.0),
            ],
            52.0,
        );
        assert_eq!(total(&spans), 6_000.0);
    }

    #[test]
    fn media_counts_without_input() {
        use Signal::*;
        let mut events = vec![(1, open("youtube"), 0.0), (1, Media(true), 0.0)];
        events.extend((1..=12).map(|i| (1, Heartbeat, i as f64 * 5.0)));
        events.push((1, Media(false), 60.0));
        events.extend([
            (1, Heartbeat, 65.0),
            (1, Heartbeat, 70.0),
            (1, Heartbeat, 80.0),
        ]);
        // 60 s of playing, then the idle tail after the pause is dropped.
        assert_eq!(total(&run(&events, 90.0)), 60_000.0);
    }

    #[test]
    fn hidden_or_unfocused_pages_do_not_count() {
        use Signal::*;
        let spans = run(
            &[
                (1, open("x"), 0.0),
                (1, Input, 0.0),
                (1, Visible(false), 4.0),
                (1, Input, 6.0),
                (1, Visible(true), 8.0),
                (1, Input, 9.0),
                (1, Focused(false), 11.0),
            ],
            14.0,
        );
        assert_eq!(total(&spans), 4_000.0 + 3_000.0);
    }

    #[test]
    fn two_pages_never_count_at_once() {
        use Signal::*;
        // Tab 2 takes the focus at 5 s while tab 1 still says it is focused.
        let spans = run(
            &[
                (1, open("x"), 0.0),
                (1, Input, 0.0),
                (2, open("reddit"), 5.0),
                (2, Input, 6.0),
                (1, Input, 7.0),
            ],
            10.0,
        );
        assert_eq!(total(&spans), 10_000.0);
        assert_eq!(
            spans
                .iter()
                .filter(|s| s.site == "x")
                .map(Span::ms)
                .sum::<f64>(),
            5_000.0
        );
    }

    #[test]
    fn a_hidden_page_cannot_take_the_focus() {
        use Signal::*;
        let hidden = Signal::Open {
            site: "x".into(),
            visible: false,
            focused: false,
            media: false,
            idle_ms: None,
            reconnected: false,
        };
        let spans = run(
            &[
                (1, open("x"), 0.0),
                (1, Input, 0.0),
                (2, hidden, 1.0),
                (2, Focused(true), 2.0),
                (1, Input, 3.0),
            ],
            6.0,
        );
        assert_eq!(total(&spans), 6_000.0);
    }

    #[test]
    fn locking_the_screen_ends_presence() {
        let mut a = Attention::new();
        a.apply(1, open("x"), 0.0, &L);
        a.apply(1, Signal::Input, 0.0, &L);
        let spans = a.set_locked(true, 3000.0, &L);
        assert_eq!(total(&spans), 3000.0);
        assert!(a.apply(1, Signal::Heartbeat, 5000.0, &L).is_empty());
        assert!(a.live(6000.0, &L).is_none());
    }

    #[test]
    fn a_recovered_run_ends_at_its_last_tick_idle_rule_applied() {
        let run = Run {
            tab: 1,
            site: "x".into(),
            start: 0.0,
            last_tick: 10_000.0,
            last_presence: 8_000.0,
            media: false,
        };
        assert_eq!(run.recover(&L).unwrap().ms(), 10_000.0);
        let idle = Run {
            last_tick: 40_000.0,
            ..run.clone()
        };
        assert_eq!(idle.recover(&L).unwrap().ms(), 8_000.0);
    }

    #[test]
    fn reopening_after_a_restart_uses_the_sensors_last_input() {
        let mut a = Attention::new();
        let sig = Signal::Open {
            site: "x".into(),
            visible: true,
            focused: true,
            media: false,
            idle_ms: Some(2_000.0),
            reconnected: false,
        };
        a.apply(1, sig, 100_000.0, &L);
        assert!(a.run().is_some(), "input 2 s ago: present, counting");
        assert_eq!(a.stops_in(100_000.0, &L), Some(13_000.0));
    }

    /// A new worker's attention, after one stopped with tab 1 counting on
    /// x: its run saved at 20 s, the last input at 19 s.
    fn left_open_on_x() -> Attention {
        let mut a = Attention::new();
        a.left_open(Run {
            tab: 1,
            site: "x".into(),
            start: 0.0,
            last_tick: 20_000.0,
            last_presence: 19_000.0,
            media: false,
        });
        a
    }

    /// [`left_open_on_x`], then tab 1's sensor says hello at `back_s`, its
    /// last input `idle_s` before: where does the new run start?
    fn resumed(back_s: f64, idle_s: f64, reconnected: bool, site: &str) -> Option<f64> {
        let mut a = left_open_on_x();
        let hello = Signal::Open {
            site: site.into(),
            visible: true,
            focused: true,
            media: false,
            idle_ms: Some(idle_s * 1000.0),
            reconnected,
        };
        a.apply(1, hello, back_s * 1000.0, &L);
        a.run().map(|r| r.start / 1000.0)
    }

    #[test]
    fn a_page_back_on_a_new_worker_goes_on_from_the_run_left_open() {
        assert_eq!(
            resumed(23.0, 0.5, true, "x"),
            Some(20.0),
            "the 3 s gap counts"
        );
        // The gap is within the idle threshold of the last input (19 s),
        // even with no input heard since.
        assert_eq!(resumed(30.0, 11.0, true, "x"), Some(20.0));
    }

    #[test]
    fn a_run_left_open_is_not_joined_past_the_pulse_by_a_new_page_or_another_site() {
        assert_eq!(
            resumed(36.0, 0.5, true, "x"),
            Some(36.0),
            "past the pulse: a break"
        );
        assert_eq!(
            resumed(23.0, 0.5, false, "x"),
            Some(23.0),
            "a page just loaded (the browser restarted)"
        );
        assert_eq!(
            resumed(23.0, 0.5, true, "reddit"),
            Some(23.0),
            "another site"
        );
    }

    #[test]
    fn a_run_left_open_is_not_joined_across_an_idle_stretch() {
        // Idle 15 s: the last input before the stop at 19 s, the next at
        // 34.5 s, 15.5 s later; the person was away in between (the hello
        // at 34.9 s is within the pulse of the tick at 20 s).
        assert_eq!(resumed(34.9, 0.4, true, "x"), Some(34.9));
    }

    #[test]
    fn only_the_first_run_to_open_may_join_the_run_left_open() {
        let mut a = left_open_on_x();
        let mut back = open("x");
        if let Signal::Open {
            reconnected,
            idle_ms,
            ..
        } = &mut back
        {
            *reconnected = true;
            *idle_ms = Some(500.0);
        }
        a.apply(2, open("x"), 21_000.0, &L);
        a.apply(2, Signal::Input, 21_000.0, &L);
        assert_eq!(
            a.run().map(|r| r.start),
            Some(21_000.0),
            "tab 2 took the focus first"
        );
        a.apply(1, back, 22_000.0, &L);
        assert_eq!(a.run().map(|r| r.start), Some(22_000.0));
    }
}
