//! The background core's whole state, pure: attention, the ledger, the
//! settings, and what must be written to storage. The browser glue feeds it
//! events with the clock and zone, and writes what [`Tracker::take_writes`]
//! hands back.

use std::collections::{BTreeMap, BTreeSet};

use thiserror::Error;

use crate::attention::{Attention, Run, Signal, Span, TabId};
use crate::calendar::{iso_utc, Date, Zone};
use crate::finds::{Draft, FindError, Finds};
use crate::labels::Labels;
use crate::ledger::{Day, Ledger};
use crate::prompt::{self, Answer, Card, Due, Reason, Stretch};
use crate::protocol::{
    AskedBy, OverlayState, PromptView, SavedView, SensorCommand, SensorEvent, Shortcut,
};
use crate::rules::Rule;
use crate::settings::{Settings, SettingsError};
use crate::sites::{host_of_url, site_id_for_host};
use crate::store::{self, DayRow, Export, ImportError, TakeRow, SCHEMA};
use crate::summary::{Notice, Period, Popup, Pricing, Weekly};
use crate::valuation::{self, Estimate, Region};
use crate::viewability::Viewability;

/// Why a sensor event was not applied.
#[derive(Debug, Error, PartialEq)]
pub enum TrackerError {
    #[error("tab {0} sent an event before its hello")]
    UnknownTab(TabId),
    #[error("tab {0} sent a post nobody asked for")]
    UnaskedPost(TabId),
    #[error("tab {tab}: the post was not kept: {error}")]
    Find { tab: TabId, error: FindError },
}

/// An ask unanswered this long is given up (the page went away).
const ASK_WAIT_MS: f64 = 2000.0;
/// The same post saved again within this long is the same find.
const SAME_FIND_MS: u64 = 10_000;

/// What [`Tracker::footprint`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Footprint {
    pub pages: usize,
    pub stretches: usize,
    pub asks: usize,
    pub notices: usize,
    pub finds: usize,
}

/// How long "Saved as useful — undo" stays in the overlay.
pub const SAVED_SHOWN_MS: f64 = 8000.0;

/// The last "mark this post useful", for its overlay's confirmation.
#[derive(Debug, Clone, PartialEq)]
struct Saved {
    tab: TabId,
    at: f64,
    view: SavedView,
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
    /// The useful finds, when they changed.
    pub finds: Option<Finds>,
    /// Days merged into their week: their keys go.
    pub removed_days: Vec<Date>,
}

/// Most labels a slot may send, and their longest length: more is noise.
const MAX_LABELS: usize = 16;
const MAX_LABEL_CHARS: usize = 200;

/// One page view's ad slots.
#[derive(Debug, Default)]
struct PageAds {
    site: String,
    /// Indices into the tracker's rules, in the order the page got them.
    rules: Vec<usize>,
    ads: BTreeSet<u32>,
    viewability: Viewability,
}

#[derive(Debug)]
pub struct Tracker {
    attention: Attention,
    rules: Vec<Rule>,
    /// The rules naming posts (for "mark this post useful").
    post_rules: Vec<Rule>,
    labels: Labels,
    pages: BTreeMap<TabId, PageAds>,
    /// Pages of catalog sites the person turned off or paused, by site:
    /// their sensors sleep until the site is on again.
    asleep: BTreeMap<TabId, String>,
    ledger: Ledger,
    settings: Settings,
    dirty_days: BTreeSet<Date>,
    dirty_settings: bool,
    saved_run: Option<Run>,
    urgent: bool,
    /// The browser's region, used unless the person chose one.
    locale_region: Region,
    /// Per site, the attention not yet asked about.
    stretches: BTreeMap<String, Stretch>,
    /// The one prompt card on screen, if any.
    card: Option<Card>,
    last_typing: f64,
    /// What the popup must tell about the store.
    notices: Vec<Notice>,
    finds: Finds,
    dirty_finds: bool,
    removed_days: BTreeSet<Date>,
    /// Per tab, the `find_post` ask its sensor has yet to answer, and when.
    asks: BTreeMap<TabId, (u32, f64)>,
    /// The "mark this post useful" keys, for the sensors to watch.
    shortcut: Option<Shortcut>,
    next_ask: u32,
    saved: Option<Saved>,
}

impl Tracker {
    /// Starts from stored state. A run left open by a crash or restart is
    /// closed at its last saved tick.
    pub fn new(
        settings: Settings,
        ledger: Ledger,
        left_open: Option<Run>,
        zone: &impl Zone,
    ) -> Tracker {
        let mut t = Tracker {
            attention: Attention::new(),
            rules: Vec::new(),
            post_rules: Vec::new(),
            labels: Labels::default(),
            pages: BTreeMap::new(),
            asleep: BTreeMap::new(),
            ledger,
            settings,
            dirty_days: BTreeSet::new(),
            dirty_settings: false,
            saved_run: left_open.clone(),
            // A recovered run is booked and cleared from storage at once.
            urgent: left_open.is_some(),
            locale_region: Region::RestOfWorld,
            stretches: BTreeMap::new(),
            card: None,
            last_typing: f64::NEG_INFINITY,
            notices: Vec::new(),
            finds: Finds::default(),
            dirty_finds: false,
            removed_days: BTreeSet::new(),
            asks: BTreeMap::new(),
            shortcut: Shortcut::parse("Alt+Shift+U"),
            next_ask: 1,
            saved: None,
        };
        if let Some(span) = left_open.and_then(|run| run.recover(&t.settings.limits())) {
            t.book(vec![span], zone);
        }
        t
    }

    /// The site rules and ad labels to find ads with.
    pub fn with_rules(mut self, rules: Vec<Rule>, labels: Labels) -> Tracker {
        (self.post_rules, self.rules) = rules.into_iter().partition(Rule::is_post);
        self.labels = labels;
        self
    }

    /// The keys the person set for "mark this post useful" (none: unset).
    pub fn set_shortcut(&mut self, shortcut: Option<Shortcut>) {
        self.shortcut = shortcut;
    }

    /// The useful finds the store held.
    pub fn with_finds(mut self, finds: Finds) -> Tracker {
        self.finds = finds;
        self
    }

    /// Something the popup must tell about the store.
    pub fn notice(&mut self, notice: Notice) {
        self.notices.push(notice);
    }

    /// The browser's locale (`navigator.language`), for the default region.
    pub fn set_locale(&mut self, locale: &str) {
        self.locale_region = valuation::region_for_locale(locale);
    }

    /// The region the take is estimated for.
    pub fn region(&self) -> Region {
        self.settings.region.unwrap_or(self.locale_region)
    }

    /// The platform's take from `viewable_ads` on `site`, in USD.
    pub fn take(&self, viewable_ads: u64, site: &str) -> Option<Estimate> {
        valuation::take(
            viewable_ads,
            site,
            self.region(),
            self.settings.cpm_overrides.get(site).copied(),
        )
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
    pub fn sensor(
        &mut self,
        tab: TabId,
        event: SensorEvent,
        now: f64,
        zone: &impl Zone,
    ) -> Result<Option<SensorCommand>, TrackerError> {
        let (signal, reply) = match event {
            SensorEvent::Hello {
                url,
                visible,
                focused,
                media,
                idle_ms,
            } => {
                let Some((host, site)) = host_of_url(&url)
                    .and_then(|h| Some((h, site_id_for_host(h, &self.settings.custom_sites)?)))
                else {
                    self.pages.remove(&tab);
                    self.signal(tab, Signal::Closed, now, zone);
                    return Ok(Some(SensorCommand::Ignore));
                };
                if !self.settings.tracks(&site, now) {
                    self.pages.remove(&tab);
                    self.signal(tab, Signal::Closed, now, zone);
                    let sleep = self.sleep(&site, now);
                    self.asleep.insert(tab, site);
                    return Ok(Some(sleep));
                }
                self.asleep.remove(&tab);
                // A new page view: its slots start over.
                let rules: Vec<usize> = (0..self.rules.len())
                    .filter(|i| self.rules[*i].applies_to(host))
                    .collect();
                let sent = rules.iter().map(|i| self.rules[*i].clone()).collect();
                let posts = self
                    .post_rules
                    .iter()
                    .filter(|r| r.applies_to(host))
                    .cloned()
                    .collect();
                self.pages.insert(
                    tab,
                    PageAds {
                        site: site.clone(),
                        rules,
                        ..PageAds::default()
                    },
                );
                self.stretches
                    .entry(site.clone())
                    .or_insert_with(|| Stretch::new(now));
                let open = Signal::Open {
                    site: site.clone(),
                    visible,
                    focused,
                    media,
                    idle_ms,
                };
                let overlay = !self.settings.overlay_hidden.contains(&site);
                let position = self.settings.overlay_positions.get(&site).copied();
                (
                    open,
                    Some(SensorCommand::Track {
                        site,
                        rules: sent,
                        overlay,
                        posts,
                        shortcut: self.shortcut.clone(),
                        position,
                    }),
                )
            }
            _ if self.attention.site_of(tab).is_none() => {
                return Err(TrackerError::UnknownTab(tab))
            }
            SensorEvent::Slot { id, rule, labels } => {
                return Ok(self.slot(tab, id, rule, labels, now, zone))
            }
            SensorEvent::View { id, ratio, area } => {
                let newly = self
                    .pages
                    .get_mut(&tab)
                    .map_or(0, |p| p.viewability.update(id, ratio, area, now));
                self.book_ads(tab, 0, newly, now, zone);
                return Ok(None);
            }
            SensorEvent::Gone { id } => {
                let newly = self
                    .pages
                    .get_mut(&tab)
                    .map_or(0, |p| p.viewability.remove(id, now));
                self.book_ads(tab, 0, newly, now, zone);
                return Ok(None);
            }
            SensorEvent::Visibility { visible } => (Signal::Visible(visible), None),
            SensorEvent::Focus { focused } => (Signal::Focused(focused), None),
            SensorEvent::Input { typing } => {
                if typing {
                    self.last_typing = now;
                }
                (Signal::Input, None)
            }
            SensorEvent::Media { playing } => (Signal::Media(playing), None),
            SensorEvent::Heartbeat {} => (Signal::Heartbeat, None),
            SensorEvent::Shortcut {} => return Ok(self.ask_post_by(tab, AskedBy::Key, now)),
            SensorEvent::Placed { inline, bottom } => {
                self.place(tab, inline, bottom);
                return Ok(None);
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
        self.signal(tab, signal, now, zone);
        Ok(reply)
    }

    /// The sensor of `tab` went away: its page view ends.
    pub fn closed(&mut self, tab: TabId, now: f64, zone: &impl Zone) {
        self.signal(tab, Signal::Closed, now, zone);
        self.pages.remove(&tab);
        self.asleep.remove(&tab);
    }

    /// The sleeping pages whose site is on again (a pause ran out, or the
    /// settings changed): each is told to wake, and says `hello` anew.
    ///
    /// ```text
    /// asleep {3: reddit}, reddit paused until 10:00, now 09:59 -> []
    /// asleep {3: reddit}, reddit paused until 10:00, now 10:00 -> [(3, wake)]
    /// ```
    pub fn wake_due(&mut self, now: f64) -> Vec<(TabId, SensorCommand)> {
        let due: Vec<TabId> = self
            .asleep
            .iter()
            .filter(|(_, site)| self.settings.tracks(site, now))
            .map(|(t, _)| *t)
            .collect();
        for tab in &due {
            self.asleep.remove(tab);
        }
        due.into_iter()
            .map(|tab| (tab, SensorCommand::Wake))
            .collect()
    }

    /// What a page of `site` (not tracked at `now`) is told: sleep, until
    /// its pause runs out, if a pause is why.
    ///
    /// ```text
    /// sites_off {x}                  -> x: sleep until none
    /// paused_until {reddit: 10:00}   -> reddit: sleep until 10:00
    /// ```
    fn sleep(&self, site: &str, now: f64) -> SensorCommand {
        let off = self.settings.sites_off.contains(site)
            || site
                .strip_prefix("custom:")
                .is_some_and(|h| !self.settings.custom_sites.contains(h));
        let until = if off {
            None
        } else {
            self.settings
                .paused_until
                .get(site)
                .copied()
                .filter(|u| *u > now)
        };
        SensorCommand::Sleep { until }
    }

    /// When the earliest pause over a sleeping page runs out, if any.
    pub fn next_wake_at(&self, now: f64) -> Option<f64> {
        self.asleep
            .values()
            .filter_map(|site| self.settings.paused_until.get(site))
            .copied()
            .filter(|until| *until > now)
            .reduce(f64::min)
    }

    /// A candidate slot: an ad if its rule needs no label, or one of its
    /// labels is in the dictionary. Answers `Ad` the first time it is one.
    fn slot(
        &mut self,
        tab: TabId,
        id: u32,
        rule: u32,
        mut labels: Vec<String>,
        now: f64,
        zone: &impl Zone,
    ) -> Option<SensorCommand> {
        let page = self.pages.get_mut(&tab)?;
        let rule = &self.rules[*page.rules.get(rule as usize)?];
        if page.ads.contains(&id) {
            return None;
        }
        labels.truncate(MAX_LABELS);
        let is_ad = !rule.needs_label()
            || labels.iter().any(|l| {
                self.labels
                    .is_ad_label(&l.chars().take(MAX_LABEL_CHARS).collect::<String>())
            });
        if !is_ad || !page.viewability.add(id, rule.is_video()) {
            return None;
        }
        page.ads.insert(id);
        let in_view = self.attention.in_view(tab);
        page.viewability.set_in_view(in_view, now);
        self.book_ads(tab, 1, 0, now, zone);
        Some(SensorCommand::Ad { id })
    }

    /// Counts ads on `tab`'s site for the day of `now`.
    fn book_ads(&mut self, tab: TabId, rendered: u64, viewable: u32, now: f64, zone: &impl Zone) {
        if rendered == 0 && viewable == 0 {
            return;
        }
        let Some(page) = self.pages.get(&tab) else {
            return;
        };
        let date = self.settings.calendar().day_of(now, zone);
        self.ledger
            .add_ads(date, &page.site, rendered, u64::from(viewable));
        self.dirty_days.insert(date);
    }

    /// Brings every page's ad clocks in line with which page is in view,
    /// and counts the dwells completed by `now`.
    fn sync_views(&mut self, now: f64, zone: &impl Zone) {
        let tabs: Vec<TabId> = self.pages.keys().copied().collect();
        for tab in tabs {
            let in_view = self.attention.in_view(tab);
            let newly = self.pages.get_mut(&tab).map_or(0, |p| {
                p.viewability.tick(now) + p.viewability.set_in_view(in_view, now)
            });
            self.book_ads(tab, 0, newly, now, zone);
        }
    }

    /// When the next ad may become viewable, for the timer.
    pub fn next_view_deadline(&self) -> Option<f64> {
        self.pages
            .values()
            .filter_map(|p| p.viewability.next_deadline())
            .min_by(f64::total_cmp)
    }

    /// The screen was locked or unlocked.
    pub fn locked(&mut self, locked: bool, now: f64, zone: &impl Zone) {
        let had_run = self.attention.run().is_some();
        let spans = self
            .attention
            .set_locked(locked, now, &self.settings.limits());
        self.after(had_run, spans, zone);
        self.sync_views(now, zone);
    }

    /// The clock alone moved on (the flush timer, an ad's dwell).
    pub fn tick(&mut self, now: f64, zone: &impl Zone) {
        let had_run = self.attention.run().is_some();
        let spans = self.attention.tick(now, &self.settings.limits());
        self.after(had_run, spans, zone);
        self.sync_views(now, zone);
        self.check_prompt(now, zone);
    }

    fn signal(&mut self, tab: TabId, signal: Signal, now: f64, zone: &impl Zone) {
        let had_run = self.attention.run().is_some();
        let spans = self
            .attention
            .apply(tab, signal, now, &self.settings.limits());
        self.after(had_run, spans, zone);
        self.sync_views(now, zone);
        self.check_prompt(now, zone);
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
            self.dirty_days
                .extend(self.ledger.add_span(&span, &calendar, zone));
            if let Some(stretch) = self.stretches.get_mut(&span.site) {
                for (date, ms) in calendar.split(span.start.max(stretch.since), span.end, zone) {
                    *stretch.by_day.entry(date).or_default() += ms;
                }
            }
        }
    }

    /// The site's stretch not yet asked about, per day, the open run
    /// included up to `now` (`certain`: only up to what stays counted,
    /// for booking useful time that never exceeds attention).
    fn stretch_by_day(
        &self,
        site: &str,
        now: f64,
        zone: &impl Zone,
        certain: bool,
    ) -> BTreeMap<Date, f64> {
        let Some(stretch) = self.stretches.get(site) else {
            return BTreeMap::new();
        };
        let mut days = stretch.by_day.clone();
        let limits = self.settings.limits();
        let open = if certain {
            self.attention.certain(now, &limits)
        } else {
            self.attention.live(now, &limits)
        };
        if let Some(span) = open.filter(|s| s.site == site) {
            for (date, ms) in
                self.settings
                    .calendar()
                    .split(span.start.max(stretch.since), span.end, zone)
            {
                *days.entry(date).or_default() += ms;
            }
        }
        days
    }

    /// Shows or expires the prompt card (after every change).
    fn check_prompt(&mut self, now: f64, zone: &impl Zone) {
        let counting = self.attention.run().map(|r| (r.tab, r.site.clone()));
        let today = self.settings.calendar().day_of(now, zone);
        let shown_today: u32 = self
            .ledger
            .day(today)
            .map_or(0, |d| d.values().map(|r| r.prompts).sum());
        let (stretch_ms, ask_at) = match &counting {
            Some((_, site)) => (
                self.stretch_by_day(site, now, zone, false).values().sum(),
                self.stretches
                    .get(site)
                    .map_or(f64::INFINITY, |s| s.ask_at_ms(self.settings.prompt_minutes)),
            ),
            None => (0.0, f64::INFINITY),
        };
        let tab = counting.as_ref().map(|(tab, site)| (*tab, site.as_str()));
        let s = &self.settings;
        match prompt::due(
            self.card.as_ref(),
            tab,
            stretch_ms,
            ask_at,
            s.prompt_minutes,
            shown_today,
            s.prompt_daily_cap,
            self.last_typing,
            now,
        ) {
            Due::Nothing => {}
            Due::Show(card) => {
                self.ledger.record_mut(today, &card.site).prompts += 1;
                self.dirty_days.insert(today);
                self.card = Some(card);
            }
            Due::Expire(card) => {
                // Unrated: the stretch stays sold; a new one starts.
                self.card = None;
                self.stretches.insert(card.site, Stretch::new(now));
            }
        }
    }

    /// The person answered the card shown in `tab`. A card that is not
    /// up in that tab (stale, forged) changes nothing.
    pub fn answer(
        &mut self,
        tab: TabId,
        answer: Answer,
        reasons: &[Reason],
        now: f64,
        zone: &impl Zone,
    ) -> bool {
        let Some(card) = self.card.take_if(|c| c.tab == tab) else {
            return false;
        };
        // The open run moves on to `now` first, so a later break cannot
        // cut it back before the answer.
        let had_run = self.attention.run().is_some();
        let spans = self.attention.tick(now, &self.settings.limits());
        self.after(had_run, spans, zone);
        match answer {
            Answer::Useful => {
                for (date, ms) in self.stretch_by_day(&card.site, now, zone, true) {
                    self.ledger.record_mut(date, &card.site).useful_ms += ms;
                    self.dirty_days.insert(date);
                }
                let today = self.settings.calendar().day_of(now, zone);
                let rec = self.ledger.record_mut(today, &card.site);
                let mut seen = BTreeSet::new();
                for reason in reasons.iter().filter(|r| seen.insert(**r)) {
                    rec.reasons.add(*reason);
                }
                self.dirty_days.insert(today);
                self.stretches.insert(card.site, Stretch::new(now));
            }
            Answer::NotUseful => {
                self.stretches.insert(card.site, Stretch::new(now));
            }
            Answer::Later => {
                let so_far: f64 = self
                    .stretch_by_day(&card.site, now, zone, false)
                    .values()
                    .sum();
                if let Some(stretch) = self.stretches.get_mut(&card.site) {
                    stretch.snoozed_to_ms = Some(so_far + prompt::SNOOZE_MS);
                }
            }
        }
        self.urgent = true;
        true
    }

    /// "Mark the last N minutes useful" from `tab`'s overlay: up to N
    /// minutes of today's attention on its site not yet useful become
    /// useful (only what stays counted), and the prompt's stretch starts
    /// over, so those minutes are not asked about again. Answers the
    /// seconds marked.
    ///
    /// ```text
    /// today 25 min attention, 5 useful; mark 10 -> 10 min, useful 15
    /// today 3 min attention, 0 useful; mark 10  -> 3 min, useful 3
    /// ```
    pub fn mark_useful(&mut self, tab: TabId, minutes: u32, now: f64, zone: &impl Zone) -> f64 {
        let Some(site) = self.attention.site_of(tab).map(String::from) else {
            return 0.0;
        };
        let had_run = self.attention.run().is_some();
        let spans = self.attention.tick(now, &self.settings.limits());
        self.after(had_run, spans, zone);
        let calendar = self.settings.calendar();
        let today = calendar.day_of(now, zone);
        let certain: f64 = self
            .attention
            .certain(now, &self.settings.limits())
            .filter(|s| s.site == site)
            .map(|s| {
                calendar
                    .split(s.start, s.end, zone)
                    .into_iter()
                    .filter(|(d, _)| *d == today)
                    .map(|(_, ms)| ms)
                    .sum()
            })
            .unwrap_or(0.0);
        let rec = self.ledger.record(today, &site);
        let open = (rec.attention_ms + certain - rec.useful_ms).max(0.0);
        let marked = open.min(f64::from(minutes.min(24 * 60)) * 60_000.0);
        if marked > 0.0 {
            self.ledger.record_mut(today, &site).useful_ms += marked;
            self.dirty_days.insert(today);
            self.urgent = true;
        }
        self.stretches.insert(site.clone(), Stretch::new(now));
        if self.card.as_ref().is_some_and(|c| c.site == site) {
            self.card = None;
        }
        marked / 1000.0
    }

    /// "Mark this post useful" in `tab` by the keys the sensor saw (see
    /// [`Self::ask_post_by`] for the browser's command and the overlay's
    /// button): what to ask its sensor, if the tab is tracked.
    /// One press seen twice (the browser's command and the sensor's key)
    /// or pressed again before the answer asks once.
    pub fn ask_post(&mut self, tab: TabId, now: f64) -> Option<SensorCommand> {
        self.ask_post_by(tab, AskedBy::Key, now)
    }

    /// [`Self::ask_post`], saying where the person asked (the sensor
    /// answers a [`AskedBy::Key`] ask only for a press it saw itself).
    pub fn ask_post_by(&mut self, tab: TabId, by: AskedBy, now: f64) -> Option<SensorCommand> {
        self.attention.site_of(tab)?;
        if self
            .asks
            .get(&tab)
            .is_some_and(|(_, at)| now - at < ASK_WAIT_MS)
        {
            return None;
        }
        let ask = self.next_ask;
        self.next_ask = self.next_ask.wrapping_add(1).max(1);
        self.asks.insert(tab, (ask, now));
        Some(SensorCommand::FindPost { ask, by })
    }

    /// The sensor of `tab` found no post in view for `ask`: nothing is
    /// kept, and its overlay says so.
    fn no_post(&mut self, tab: TabId, ask: u32, now: f64) -> Result<(), TrackerError> {
        if self.asks.get(&tab).map(|(a, _)| *a) != Some(ask) {
            return Err(TrackerError::UnaskedPost(tab));
        }
        self.asks.remove(&tab);
        self.saved = Some(Saved {
            tab,
            at: now,
            view: SavedView {
                id: None,
                dropped: 0,
                shown_s: 0.0,
                no_post: true,
            },
        });
        Ok(())
    }

    /// The sensor of `tab` answered `ask` with its post: kept as a find
    /// (past the cap the oldest go). The person acted, so this is also
    /// presence, and answers a prompt card up in that tab as useful.
    /// A post nobody asked for is refused.
    fn save_find(
        &mut self,
        tab: TabId,
        ask: u32,
        draft: Draft,
        now: f64,
        zone: &impl Zone,
    ) -> Result<(), TrackerError> {
        if self.asks.get(&tab).map(|(a, _)| *a) != Some(ask) {
            return Err(TrackerError::UnaskedPost(tab));
        }
        self.asks.remove(&tab);
        let site = self
            .attention
            .site_of(tab)
            .ok_or(TrackerError::UnknownTab(tab))?
            .to_string();
        self.signal(tab, Signal::Input, now, zone);
        let id = self.finds.next_id(now);
        let date = self.settings.calendar().day_of(now, zone);
        let result = draft.into_find(&site, id, iso_utc(now), date);
        self.saved = Some(Saved {
            tab,
            at: now,
            view: SavedView {
                id: result.is_ok().then_some(id),
                dropped: 0,
                shown_s: 0.0,
                no_post: false,
            },
        });
        let find = result.map_err(|error| TrackerError::Find { tab, error })?;
        // The same post again within moments is one find, confirmed again.
        if let Some(last) = self
            .finds
            .all()
            .last()
            .filter(|l| l.url == find.url && l.site == find.site && (id - l.id) < SAME_FIND_MS)
        {
            self.saved = Some(Saved {
                tab,
                at: now,
                view: SavedView {
                    id: Some(last.id),
                    dropped: 0,
                    shown_s: 0.0,
                    no_post: false,
                },
            });
            return Ok(());
        }
        let dropped = self.finds.add(find, self.settings.finds_cap as usize);
        if dropped > 0 {
            self.finds_dropped(dropped);
        }
        self.dirty_finds = true;
        self.urgent = true;
        if self.card.as_ref().is_some_and(|c| c.tab == tab) {
            self.answer(tab, Answer::Useful, &[], now, zone);
        }
        Ok(())
    }

    /// The person dragged `tab`'s counter to a place: remembered for its
    /// site (clamped to a screen).
    fn place(&mut self, tab: TabId, inline: f64, bottom: f64) {
        let Some(site) = self.attention.site_of(tab).map(String::from) else {
            return;
        };
        self.settings
            .overlay_positions
            .insert(site, crate::settings::Position::clamped(inline, bottom));
        self.dirty_settings = true;
        self.urgent = true;
    }

    /// Tells the overlay and the popup that the oldest finds went.
    fn finds_dropped(&mut self, count: usize) {
        if let Some(saved) = &mut self.saved {
            saved.view.dropped = count as u32;
        }
        let cap = self.settings.finds_cap;
        let before = self.notices.iter().find_map(|n| match n {
            Notice::FindsDropped { count, .. } => Some(*count),
            _ => None,
        });
        self.notices
            .retain(|n| !matches!(n, Notice::FindsDropped { .. }));
        self.notices.push(Notice::FindsDropped {
            count: count + before.unwrap_or(0),
            cap,
        });
    }

    /// Deletes find `id` (undo, or the person's delete button).
    pub fn delete_find(&mut self, id: u64) -> bool {
        let removed = self.finds.remove(id);
        if removed {
            self.dirty_finds = true;
            self.urgent = true;
            self.saved = self.saved.take().filter(|s| s.view.id != Some(id));
        }
        removed
    }

    /// How much the tracker holds besides the ledger: per open page, per
    /// site, per pending ask. A long life must not grow these.
    pub fn footprint(&self) -> Footprint {
        Footprint {
            pages: self.pages.len(),
            stretches: self.stretches.len(),
            asks: self.asks.len(),
            notices: self.notices.len(),
            finds: self.finds.len(),
        }
    }

    /// Every useful find, oldest first.
    pub fn finds(&self) -> &Finds {
        &self.finds
    }

    /// Merges days older than the retention into weekly totals. Answers
    /// whether anything changed.
    pub fn compact(&mut self, now: f64, zone: &impl Zone, locale: &str) -> bool {
        let keep = self.settings.retention_days;
        if keep == 0 {
            return false;
        }
        let before = self
            .settings
            .calendar()
            .day_of(now, zone)
            .add_days(-i64::from(keep));
        self.compact_before(before, locale)
    }

    /// Storage is full: the oldest half-year of day-by-day detail (never
    /// the last four weeks) is merged into weekly totals, and the popup
    /// says so. Answers whether anything could be freed.
    pub fn compact_for_quota(&mut self, now: f64, zone: &impl Zone, locale: &str) -> bool {
        let Some(oldest) = self.ledger.oldest_detail() else {
            return false;
        };
        let before = oldest
            .add_days(182)
            .min(self.settings.calendar().day_of(now, zone).add_days(-28));
        if before <= oldest || !self.compact_before(before, locale) {
            return false;
        }
        self.notices
            .retain(|n| !matches!(n, Notice::Compacted { .. }));
        self.notices.push(Notice::Compacted {
            through: before.add_days(-1),
        });
        true
    }

    fn compact_before(&mut self, before: Date, locale: &str) -> bool {
        let c = self
            .ledger
            .compact(before, self.settings.week_start_for(locale));
        for date in &c.removed {
            self.dirty_days.remove(date);
        }
        self.removed_days.extend(c.removed.iter().copied());
        self.dirty_days.extend(c.changed.iter().copied());
        let changed = !c.changed.is_empty();
        self.urgent |= changed;
        changed
    }

    /// The site `tab` is tracked as, if any.
    pub fn site_of(&self, tab: TabId) -> Option<&str> {
        self.attention.site_of(tab)
    }

    /// Attention today on `site`, the open run included.
    pub fn today_ms(&self, site: &str, now: f64, zone: &impl Zone) -> f64 {
        let calendar = self.settings.calendar();
        let today = calendar.day_of(now, zone);
        let live: f64 = self
            .attention
            .live(now, &self.settings.limits())
            .filter(|span| span.site == site)
            .map(|span| {
                calendar
                    .split(span.start, span.end, zone)
                    .into_iter()
                    .filter(|(d, _)| *d == today)
                    .map(|(_, ms)| ms)
                    .sum()
            })
            .unwrap_or(0.0);
        self.ledger.attention_ms(today, site) + live
    }

    /// Attention today on every tracked site together (the badge).
    pub fn today_total_ms(&self, now: f64, zone: &impl Zone) -> f64 {
        let today = self.settings.calendar().day_of(now, zone);
        let mut sites: BTreeSet<&str> = self
            .ledger
            .day(today)
            .map(|d| d.keys().map(String::as_str).collect())
            .unwrap_or_default();
        if let Some(run) = self.attention.run() {
            sites.insert(run.site.as_str());
        }
        sites
            .into_iter()
            .map(|site| self.today_ms(site, now, zone))
            .sum()
    }

    /// What the overlay in `tab` shows.
    pub fn overlay_state(&self, tab: TabId, now: f64, zone: &impl Zone) -> Option<OverlayState> {
        let site = self.attention.site_of(tab)?;
        let limits = self.settings.limits();
        let counting = self.attention.run().is_some_and(|r| r.site == site);
        let today = self.settings.calendar().day_of(now, zone);
        let ads = self.ledger.record(today, site).ads_viewable;
        Some(OverlayState {
            site: site.to_string(),
            seconds: self.today_ms(site, now, zone) / 1000.0,
            counting,
            ads,
            take: self.take(ads, site),
            currency: self.settings.currency.clone(),
            usd_rate: self.settings.usd_rate,
            useful: self.ledger.record(today, site).useful_ms / 1000.0,
            prompt: self
                .card
                .as_ref()
                .filter(|c| c.tab == tab)
                .map(|c| PromptView {
                    minutes: c.minutes,
                    variant: self
                        .ledger
                        .day(today)
                        .map_or(0, |d| d.values().map(|r| r.prompts).sum::<u32>())
                        % 3,
                }),
            stops_in: if counting {
                self.attention.stops_in(now, &limits).map(|ms| ms / 1000.0)
            } else {
                None
            },
            language: self.settings.language,
            arabic_digits: self.settings.arabic_digits,
            mark_minutes: if self.settings.prompt_minutes > 0 {
                self.settings.prompt_minutes
            } else {
                10
            },
            minimized: self.settings.overlay_minimized.contains(site),
            saved: self
                .saved
                .as_ref()
                .filter(|s| s.tab == tab && now - s.at < SAVED_SHOWN_MS)
                .map(|s| SavedView {
                    shown_s: (SAVED_SHOWN_MS - (now - s.at)) / 1000.0,
                    ..s.view.clone()
                }),
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
            days: ledger
                .rows()
                .map(|(date, site, rec)| DayRow {
                    take: self.take(rec.ads_viewable, site).map(|t| TakeRow {
                        low: t.low,
                        typical: t.typical,
                        high: t.high,
                    }),
                    ..DayRow::new(date, site, rec)
                })
                .collect(),
            finds: self.finds.all().to_vec(),
        }
    }

    /// Applies an export; refused whole, with its reason, if any part is bad.
    pub fn import(&mut self, export: &Export) -> Result<(), ImportError> {
        let days = store::apply(export, &mut self.ledger, &mut self.settings)?;
        self.dirty_days.extend(days);
        let dropped = self
            .finds
            .merge(&export.finds, self.settings.finds_cap as usize);
        if dropped > 0 {
            self.finds_dropped(dropped);
        }
        self.dirty_finds = true;
        self.dirty_settings = true;
        self.urgent = true;
        Ok(())
    }

    /// Replaces the settings, validated. Answers what each open page's
    /// sensor must now be told: stop (site turned off or paused), or show
    /// or hide its counter.
    pub fn set_settings(
        &mut self,
        settings: Settings,
        now: f64,
        zone: &impl Zone,
    ) -> Result<Vec<(TabId, SensorCommand)>, SettingsError> {
        settings.validate()?;
        let old = std::mem::replace(&mut self.settings, settings);
        self.dirty_settings = true;
        let dropped = self.finds.trim(self.settings.finds_cap as usize);
        if dropped > 0 {
            self.finds_dropped(dropped);
            self.dirty_finds = true;
        }
        self.urgent = true;
        let mut commands = Vec::new();
        let tabs: Vec<(TabId, String)> = self
            .pages
            .iter()
            .map(|(t, p)| (*t, p.site.clone()))
            .collect();
        commands.extend(self.wake_due(now));
        for (tab, site) in tabs {
            if !self.settings.tracks(&site, now) {
                self.closed(tab, now, zone);
                commands.push((tab, self.sleep(&site, now)));
                self.asleep.insert(tab, site);
            } else if old.overlay_hidden.contains(&site)
                != self.settings.overlay_hidden.contains(&site)
            {
                commands.push((
                    tab,
                    SensorCommand::Overlay {
                        show: !self.settings.overlay_hidden.contains(&site),
                    },
                ));
            }
        }
        // A day start moved: today's prompt count and badge follow at once.
        self.check_prompt(now, zone);
        Ok(commands)
    }

    /// Forgets every record and setting (the person asked, twice). Open
    /// pages keep counting from now, under default settings.
    pub fn delete_everything(&mut self, now: f64) {
        self.ledger = Ledger::default();
        self.settings = Settings::default();
        self.notices.clear();
        self.finds = Finds::default();
        self.saved = None;
        self.dirty_finds = false;
        self.stretches
            .values_mut()
            .for_each(|s| *s = Stretch::new(now));
        self.card = None;
        self.attention.restart(now);
        self.dirty_days.clear();
        self.dirty_settings = true;
        self.urgent = true;
    }

    /// Marks everything held as unsaved (storage was cleared under it).
    pub fn mark_all_dirty(&mut self) {
        self.dirty_days
            .extend(self.ledger.rows().map(|(d, _, _)| d));
        self.dirty_settings = true;
        self.dirty_finds = true;
        self.saved_run = None;
        self.urgent = true;
    }

    /// What importing `export` would change.
    pub fn preview(&self, export: &Export) -> Result<store::ImportPreview, ImportError> {
        store::preview(export, &self.ledger, &self.settings)
    }

    /// The ledger with the open run counted up to `now`.
    fn ledger_now(&self, now: f64, zone: &impl Zone) -> Ledger {
        let mut ledger = self.ledger.clone();
        if let Some(span) = self.attention.live(now, &self.settings.limits()) {
            ledger.add_span(&span, &self.settings.calendar(), zone);
        }
        ledger
    }

    fn pricing(&self) -> Pricing<'_> {
        Pricing {
            region: self.region(),
            overrides: &self.settings.cpm_overrides,
        }
    }

    /// What the popup shows at `now`; weeks start per `locale` unless set.
    pub fn popup(&self, now: f64, zone: &impl Zone, locale: &str) -> Popup {
        let today = self.settings.calendar().day_of(now, zone);
        let week_start = self.settings.week_start_for(locale);
        let mut popup = Popup::of(
            &self.ledger_now(now, zone),
            today,
            week_start,
            self.settings.daily_goal_minutes,
            self.pricing(),
        );
        popup.notices = self.notices.clone();
        popup.finds = self.finds.newest(5);
        popup.finds_total = self.finds.len();
        popup
    }

    /// What the weekly summary page shows at `now`.
    pub fn weekly(&self, now: f64, zone: &impl Zone, locale: &str) -> Weekly {
        let today = self.settings.calendar().day_of(now, zone);
        let mut weekly = Weekly::of(
            &self.ledger_now(now, zone),
            today,
            self.settings.week_start_for(locale),
            self.pricing(),
        );
        weekly.finds = self.finds.newest(usize::MAX);
        weekly
    }

    /// The week that ended and has not been told yet: its first day and
    /// what it cost, when the person wants the notification. A week with
    /// no attention is not worth a notification.
    ///
    /// ```text
    /// today Mon 11-23 (Monday weeks), told 11-09 -> week of 11-16
    /// told 11-16                                 -> none
    /// ```
    pub fn week_to_tell(
        &self,
        told: Option<Date>,
        now: f64,
        zone: &impl Zone,
        locale: &str,
    ) -> Option<Period> {
        if !self.settings.weekly_notification {
            return None;
        }
        let weekly = self.weekly(now, zone, locale);
        let ended = weekly.last;
        (told.is_none_or(|t| t < ended.from) && ended.totals.attention_s >= 60.0).then_some(ended)
    }

    /// When the current week ends (the next week's first day begins).
    pub fn week_ends_at(&self, now: f64, zone: &impl Zone, locale: &str) -> f64 {
        let calendar = self.settings.calendar();
        let next = calendar
            .day_of(now, zone)
            .week_start(self.settings.week_start_for(locale))
            .add_days(7);
        calendar.start_of(next, zone)
    }

    /// Whether today's attention has passed the person's daily goal.
    pub fn past_goal(&self, now: f64, zone: &impl Zone) -> bool {
        let goal = self.settings.daily_goal_minutes;
        goal > 0 && self.today_total_ms(now, zone) >= f64::from(goal) * 60_000.0
    }

    /// How soon storage should be written.
    pub fn flush(&self) -> Flush {
        if self.urgent {
            Flush::Now
        } else if !self.dirty_days.is_empty()
            || self.dirty_settings
            || self.dirty_finds
            || !self.removed_days.is_empty()
            || self.attention.run() != self.saved_run.as_ref()
        {
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
        let finds = std::mem::take(&mut self.dirty_finds).then(|| self.finds.clone());
        let removed_days = std::mem::take(&mut self.removed_days).into_iter().collect();
        Writes {
            days,
            settings,
            run,
            finds,
            removed_days,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::FixedZone;

    const Z: FixedZone = FixedZone(0);
    const T0: f64 = 1_795_000_000_000.0; // 2026-11-18, mid-day UTC

    fn hello(url: &str) -> SensorEvent {
        SensorEvent::Hello {
            url: url.into(),
            visible: true,
            focused: true,
            media: false,
            idle_ms: None,
        }
    }

    fn tracker() -> Tracker {
        Tracker::new(Settings::default(), Ledger::default(), None, &Z)
    }

    #[test]
    fn tracked_and_untracked_pages() {
        let mut t = tracker();
        assert_eq!(
            t.sensor(1, hello("https://www.facebook.com/"), T0, &Z)
                .unwrap(),
            Some(SensorCommand::Track {
                site: "facebook".into(),
                rules: vec![],
                overlay: true,
                posts: vec![],
                shortcut: Shortcut::parse("Alt+Shift+U"),
                position: None
            })
        );
        assert_eq!(
            t.sensor(2, hello("https://www.example.com/"), T0, &Z)
                .unwrap(),
            Some(SensorCommand::Ignore)
        );
        assert!(t.overlay_state(2, T0, &Z).is_none());
        assert_eq!(
            t.sensor(3, SensorEvent::Heartbeat {}, T0, &Z),
            Err(TrackerError::UnknownTab(3))
        );
    }

    #[test]
    fn an_added_site_is_counted_while_listed_without_the_catalogs_rules() {
        let mut t = with_ads();
        assert_eq!(
            t.sensor(1, hello("https://www.example.org/news"), T0, &Z)
                .unwrap(),
            Some(SensorCommand::Ignore),
            "not added yet"
        );
        let mut s = Settings::default();
        s.custom_sites.insert("example.org".into());
        t.set_settings(s, T0, &Z).unwrap();
        let Some(SensorCommand::Track {
            site, rules, posts, ..
        }) = t
            .sensor(1, hello("https://www.example.org/news"), T0, &Z)
            .unwrap()
        else {
            panic!()
        };
        assert_eq!(
            (site.as_str(), rules.len(), posts.len()),
            ("custom:example.org", 0, 0)
        );
        present_for(&mut t, 1, T0, 10);
        assert_eq!(
            t.export(T0 + 10_000.0, &Z).days[0].site,
            "custom:example.org"
        );
        // Removed from the list: its open page sleeps; its days stay.
        assert_eq!(
            t.set_settings(Settings::default(), T0 + 10_000.0, &Z)
                .unwrap(),
            vec![(1, SensorCommand::Sleep { until: None })]
        );
        assert_eq!(t.export(T0 + 20_000.0, &Z).days[0].attention_seconds, 10.0);
    }

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
    fn today_total_adds_every_site_and_the_open_run() {
        let mut t = tracker();
        t.sensor(1, hello("https://x.com/"), T0, &Z).unwrap();
        present_for(&mut t, 1, T0, 10);
        t.sensor(2, hello("https://www.reddit.com/"), T0 + 10_000.0, &Z)
            .unwrap();
        present_for(&mut t, 2, T0 + 10_000.0, 5);
        assert_eq!(t.today_total_ms(T0 + 15_000.0, &Z), 15_000.0);
    }

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

    fn with_ads() -> Tracker {
        let rules = crate::rules::parse_rules(
            "x.com##div.ad\nx.com##article:label(span)\nreddit.com##shreddit-ad-post\n",
        )
        .unwrap();
        tracker().with_rules(rules, Labels::parse("en: Ad\nar: إعلان").unwrap())
    }

    #[test]
    fn pages_get_their_sites_rules_only() {
        let mut t = with_ads();
        let Some(SensorCommand::Track { rules, .. }) =
            t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap()
        else {
            panic!()
        };
        assert_eq!(rules.len(), 2);
    }

    #[test]
    fn slots_become_ads_by_structure_or_label_and_count_once() {
        let mut t = with_ads();
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        let slot = |id, rule, labels: &[&str]| SensorEvent::Slot {
            id,
            rule,
            labels: labels.iter().map(|s| s.to_string()).collect(),
        };
        assert_eq!(
            t.sensor(1, slot(1, 0, &[]), T0, &Z).unwrap(),
            Some(SensorCommand::Ad { id: 1 })
        );
        assert_eq!(t.sensor(1, slot(1, 0, &[]), T0, &Z).unwrap(), None, "once");
        assert_eq!(
            t.sensor(1, slot(2, 1, &["Just a post"]), T0, &Z).unwrap(),
            None
        );
        assert_eq!(
            t.sensor(1, slot(3, 1, &["إعلان"]), T0, &Z).unwrap(),
            Some(SensorCommand::Ad { id: 3 })
        );
        assert_eq!(
            t.sensor(1, slot(4, 9, &[]), T0, &Z).unwrap(),
            None,
            "unknown rule index"
        );
        // Slot 1 in view 1.2 s: viewable; slot 3 only 0.5 s.
        t.sensor(
            1,
            SensorEvent::View {
                id: 1,
                ratio: 1.0,
                area: 90_000.0,
            },
            T0,
            &Z,
        )
        .unwrap();
        t.sensor(
            1,
            SensorEvent::View {
                id: 3,
                ratio: 1.0,
                area: 90_000.0,
            },
            T0 + 100.0,
            &Z,
        )
        .unwrap();
        t.sensor(
            1,
            SensorEvent::View {
                id: 3,
                ratio: 0.0,
                area: 90_000.0,
            },
            T0 + 600.0,
            &Z,
        )
        .unwrap();
        assert_eq!(t.next_view_deadline(), Some(T0 + 1000.0));
        t.tick(T0 + 1200.0, &Z);
        let day = t.export(T0 + 2000.0, &Z).days;
        assert_eq!((day[0].ads_rendered, day[0].ads_viewable), (2, 1));
        let state = t.overlay_state(1, T0 + 2000.0, &Z).unwrap();
        assert_eq!(state.ads, 1);
        // One viewable ad is worth CPM/1000 to X, by the table's numbers.
        let cpm = crate::valuation::cpm("x", t.region(), None).unwrap();
        assert!((state.take.unwrap().typical - cpm.typical / 1000.0).abs() < 1e-12);
        assert!((day[0].take.as_ref().unwrap().high - cpm.high / 1000.0).abs() < 1e-12);
    }

    #[test]
    fn ads_in_a_hidden_tab_are_not_viewable() {
        let mut t = with_ads();
        let hidden = SensorEvent::Hello {
            url: "https://www.reddit.com/".into(),
            visible: false,
            focused: false,
            media: false,
            idle_ms: None,
        };
        t.sensor(1, hidden, T0, &Z).unwrap();
        t.sensor(
            1,
            SensorEvent::Slot {
                id: 1,
                rule: 0,
                labels: vec![],
            },
            T0,
            &Z,
        )
        .unwrap();
        t.sensor(
            1,
            SensorEvent::View {
                id: 1,
                ratio: 1.0,
                area: 90_000.0,
            },
            T0,
            &Z,
        )
        .unwrap();
        t.tick(T0 + 5000.0, &Z);
        assert_eq!(t.export(T0 + 5000.0, &Z).days[0].ads_viewable, 0);
        t.sensor(
            1,
            SensorEvent::Visibility { visible: true },
            T0 + 5000.0,
            &Z,
        )
        .unwrap();
        t.sensor(1, SensorEvent::Focus { focused: true }, T0 + 5000.0, &Z)
            .unwrap();
        t.tick(T0 + 6100.0, &Z);
        assert_eq!(t.export(T0 + 6100.0, &Z).days[0].ads_viewable, 1);
    }

    fn present_for(t: &mut Tracker, tab: TabId, from: f64, secs: u32) {
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

    #[test]
    fn the_prompt_asks_after_the_interval_and_useful_moves_time_to_useful() {
        let mut t = tracker();
        let mut e = t.export(T0, &Z);
        e.settings.prompt_minutes = 1;
        t.import(&e).unwrap();
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        present_for(&mut t, 1, T0, 59);
        assert!(t
            .overlay_state(1, T0 + 59_000.0, &Z)
            .unwrap()
            .prompt
            .is_none());
        present_for(&mut t, 1, T0 + 60_000.0, 1);
        let state = t.overlay_state(1, T0 + 61_000.0, &Z).unwrap();
        assert_eq!(state.prompt.as_ref().map(|p| p.minutes), Some(1));
        assert!(
            !t.answer(2, Answer::Useful, &[], T0 + 62_000.0, &Z),
            "another tab cannot answer"
        );
        assert!(t.answer(
            1,
            Answer::Useful,
            &[Reason::Learned, Reason::Learned, Reason::Work],
            T0 + 62_000.0,
            &Z
        ));
        let state = t.overlay_state(1, T0 + 62_000.0, &Z).unwrap();
        assert!(state.prompt.is_none());
        // Useful up to the last input (61 s): the second after it would be
        // dropped if the person went idle, and useful never exceeds attention.
        assert_eq!(state.useful, 61.0);
        let row = &t.export(T0 + 62_000.0, &Z).days[0];
        assert_eq!((row.useful_seconds, row.attention_seconds), (61.0, 62.0));
        assert_eq!(
            (row.reasons.learned, row.reasons.work, row.reasons.people),
            (1, 1, 0)
        );
    }

    fn post(ask: u32, url: &str) -> SensorEvent {
        SensorEvent::Post {
            ask,
            url: url.into(),
            author: "Layla".into(),
            text: "Finished the book".into(),
        }
    }

    #[test]
    fn no_post_in_view_keeps_nothing_and_says_so() {
        let mut t = tracker();
        t.sensor(1, hello("https://x.com/messages"), T0, &Z)
            .unwrap();
        let no_post = |ask| SensorEvent::NoPost { ask };
        assert_eq!(
            t.sensor(1, no_post(1), T0, &Z),
            Err(TrackerError::UnaskedPost(1))
        );
        let Some(SensorCommand::FindPost { ask, by }) = t.ask_post_by(1, AskedBy::Command, T0)
        else {
            panic!("asked")
        };
        assert_eq!(by, AskedBy::Command);
        t.sensor(1, no_post(ask), T0 + 10.0, &Z).unwrap();
        assert!(t.export(T0 + 20.0, &Z).finds.is_empty(), "nothing kept");
        let saved = t.overlay_state(1, T0 + 20.0, &Z).unwrap().saved.unwrap();
        assert_eq!((saved.id, saved.no_post), (None, true));
        // The ask is answered: a late post for it is refused.
        assert_eq!(
            t.sensor(1, post(ask, "https://x.com/a/status/1"), T0 + 30.0, &Z),
            Err(TrackerError::UnaskedPost(1))
        );
    }

    #[test]
    fn a_post_marked_useful_is_kept_once_asked_and_answers_the_card() {
        let mut t = tracker();
        let mut e = t.export(T0, &Z);
        e.settings.prompt_minutes = 1;
        t.import(&e).unwrap();
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        // A post nobody asked for is refused, whatever it says.
        assert_eq!(
            t.sensor(1, post(1, "https://x.com/a/status/1"), T0, &Z),
            Err(TrackerError::UnaskedPost(1))
        );
        assert!(t.ask_post(9, T0).is_none(), "an untracked tab has no posts");
        present_for(&mut t, 1, T0, 61);
        assert!(t
            .overlay_state(1, T0 + 61_000.0, &Z)
            .unwrap()
            .prompt
            .is_some());
        let Some(SensorCommand::FindPost { ask, .. }) = t.ask_post(1, T0 + 62_000.0) else {
            panic!("asked")
        };
        assert_eq!(
            t.sensor(
                1,
                post(ask + 1, "https://x.com/a/status/1"),
                T0 + 62_000.0,
                &Z
            ),
            Err(TrackerError::UnaskedPost(1)),
            "a stale ask"
        );
        t.sensor(
            1,
            post(ask, "https://x.com/a/status/1?s=20"),
            T0 + 62_000.0,
            &Z,
        )
        .unwrap();
        let finds = t.finds().all();
        assert_eq!(finds.len(), 1);
        assert_eq!(
            (
                finds[0].site.as_str(),
                finds[0].url.as_str(),
                finds[0].text.as_str()
            ),
            ("x", "https://x.com/a/status/1", "Finished the book")
        );
        let state = t.overlay_state(1, T0 + 62_000.0, &Z).unwrap();
        assert_eq!(
            state.saved,
            Some(SavedView {
                id: Some(finds[0].id),
                dropped: 0,
                shown_s: SAVED_SHOWN_MS / 1000.0,
                no_post: false,
            })
        );
        assert!(state.prompt.is_none(), "the card was answered useful");
        assert!(state.useful >= 61.0);
        assert!(
            t.overlay_state(1, T0 + 62_000.0 + SAVED_SHOWN_MS, &Z)
                .unwrap()
                .saved
                .is_none(),
            "the confirmation goes"
        );
        assert!(t.counting(), "marking is presence");
        // The same ask cannot be answered twice.
        assert_eq!(
            t.sensor(1, post(ask, "https://x.com/a/status/2"), T0 + 63_000.0, &Z),
            Err(TrackerError::UnaskedPost(1))
        );
        let writes = t.take_writes();
        assert_eq!(writes.finds.map(|f| f.len()), Some(1));
        // Export, delete everything, import: the find comes back.
        let export = t.export(T0 + 63_000.0, &Z);
        assert_eq!(export.finds.len(), 1);
        t.delete_everything(T0 + 64_000.0);
        assert!(t.finds().is_empty());
        t.import(&export).unwrap();
        assert_eq!(t.finds().all(), export.finds.as_slice());
        assert!(t.delete_find(export.finds[0].id) && t.finds().is_empty());
    }

    #[test]
    fn days_past_the_retention_become_weeks_and_a_full_store_frees_the_oldest() {
        let mut t = tracker();
        let today = t.settings().calendar().day_of(T0, &Z);
        let mut export = t.export(T0, &Z);
        for back in [800, 799, 795, 400, 10] {
            let mut row = DayRow::new(
                today.add_days(-back),
                "x",
                &crate::ledger::DayRecord::default(),
            );
            row.attention_seconds = 600.0;
            export.days.push(row);
        }
        t.import(&export).unwrap();
        t.take_writes();
        assert!(t.compact(T0, &Z, "en-GB"), "past two years");
        let w = t.take_writes();
        assert!(!w.removed_days.is_empty(), "their keys go");
        assert!(w
            .days
            .iter()
            .all(|(d, day)| !w.removed_days.contains(d) && !day.is_empty()));
        let rows = t.export(T0, &Z).days;
        let old: Vec<_> = rows
            .iter()
            .filter(|r| r.date < today.add_days(-730))
            .collect();
        assert!(old.iter().all(|r| r.merged_days >= 1));
        assert_eq!(
            old.iter().map(|r| r.attention_seconds).sum::<f64>(),
            1800.0,
            "totals kept"
        );
        assert!(!t.compact(T0, &Z, "en-GB"), "nothing more to merge");
        // Storage full: the oldest half-year of detail goes, never the last weeks.
        assert!(t.compact_for_quota(T0, &Z, "en-GB"));
        let rows = t.export(T0, &Z).days;
        assert!(rows
            .iter()
            .find(|r| r.date <= today.add_days(-390))
            .is_some_and(|r| r.merged_days >= 1));
        assert_eq!(
            rows.iter()
                .find(|r| r.date == today.add_days(-10))
                .unwrap()
                .merged_days,
            0
        );
        assert!(t
            .popup(T0, &Z, "en")
            .notices
            .iter()
            .any(|n| matches!(n, Notice::Compacted { .. })));
        assert_eq!(
            rows.iter().map(|r| r.attention_seconds).sum::<f64>(),
            3000.0,
            "still every second"
        );
    }

    #[test]
    fn a_dragged_counter_keeps_its_place_per_site() {
        let mut t = tracker();
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        t.sensor(
            1,
            SensorEvent::Placed {
                inline: 300.4,
                bottom: f64::INFINITY,
            },
            T0,
            &Z,
        )
        .unwrap();
        let place = crate::settings::Position {
            inline: 300,
            bottom: 0,
        };
        assert_eq!(t.settings().overlay_positions.get("x"), Some(&place));
        assert!(t.take_writes().settings.is_some(), "written");
        let Some(SensorCommand::Track { position, .. }) =
            t.sensor(2, hello("https://twitter.com/"), T0, &Z).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            position,
            Some(place),
            "the next page of the site starts there"
        );
        let Some(SensorCommand::Track { position, .. }) = t
            .sensor(3, hello("https://www.reddit.com/"), T0, &Z)
            .unwrap()
        else {
            panic!()
        };
        assert_eq!(position, None, "another site keeps its corner");
    }

    #[test]
    fn a_post_from_elsewhere_is_not_kept_and_the_cap_drops_the_oldest() {
        let mut t = tracker();
        let mut e = t.export(T0, &Z);
        e.settings.finds_cap = 10;
        t.import(&e).unwrap();
        t.sensor(1, hello("https://www.reddit.com/"), T0, &Z)
            .unwrap();
        let Some(SensorCommand::FindPost { ask, .. }) = t.ask_post(1, T0) else {
            panic!()
        };
        assert!(matches!(
            t.sensor(1, post(ask, "https://evil.example/r/x"), T0, &Z),
            Err(TrackerError::Find { tab: 1, .. })
        ));
        assert!(t.finds().is_empty());
        assert_eq!(
            t.overlay_state(1, T0, &Z).unwrap().saved.map(|s| s.id),
            Some(None),
            "the person is told it failed"
        );
        for i in 0..12u32 {
            let Some(SensorCommand::FindPost { ask, .. }) = t.ask_post(1, T0 + f64::from(i)) else {
                panic!()
            };
            t.sensor(
                1,
                post(ask, &format!("https://www.reddit.com/r/x/comments/{i}/")),
                T0 + f64::from(i),
                &Z,
            )
            .unwrap();
        }
        assert_eq!(t.finds().len(), 10);
        assert!(
            t.finds().all()[0].url.ends_with("/comments/2/"),
            "the two oldest went"
        );
        assert_eq!(
            t.overlay_state(1, T0 + 11.0, &Z)
                .unwrap()
                .saved
                .map(|s| s.dropped),
            Some(1)
        );
        assert!(t
            .popup(T0 + 11.0, &Z, "en")
            .notices
            .contains(&Notice::FindsDropped { count: 2, cap: 10 }));
        assert_eq!(t.popup(T0 + 11.0, &Z, "en").finds.len(), 5);
        assert_eq!(t.popup(T0 + 11.0, &Z, "en").finds_total, 10);
        assert!(
            t.weekly(T0 + 11.0, &Z, "en").finds[0]
                .url
                .ends_with("/comments/11/"),
            "newest first"
        );
        // One press seen twice asks once; the same post again is one find.
        let Some(SensorCommand::FindPost { ask, .. }) = t
            .sensor(1, SensorEvent::Shortcut {}, T0 + 20.0, &Z)
            .unwrap()
        else {
            panic!()
        };
        assert_eq!(t.ask_post(1, T0 + 30.0), None);
        t.sensor(
            1,
            post(ask, "https://www.reddit.com/r/x/comments/11/"),
            T0 + 40.0,
            &Z,
        )
        .unwrap();
        assert_eq!(
            t.finds().len(),
            10,
            "the newest post again is not a second find"
        );
    }

    #[test]
    fn a_changed_interval_applies_to_the_stretch_under_way() {
        let mut t = tracker();
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        present_for(&mut t, 1, T0, 30);
        let mut e = t.export(T0 + 30_000.0, &Z);
        e.settings.prompt_minutes = 1;
        e.days.clear();
        t.import(&e).unwrap();
        present_for(&mut t, 1, T0 + 31_000.0, 30);
        assert!(t
            .overlay_state(1, T0 + 61_000.0, &Z)
            .unwrap()
            .prompt
            .is_some());
    }

    #[test]
    fn later_snoozes_and_an_unanswered_card_expires_unrated() {
        let mut t = tracker();
        let mut e = t.export(T0, &Z);
        e.settings.prompt_minutes = 1;
        t.import(&e).unwrap();
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        present_for(&mut t, 1, T0, 61);
        assert!(t.answer(1, Answer::Later, &[], T0 + 61_000.0, &Z));
        present_for(&mut t, 1, T0 + 62_000.0, 60);
        assert!(
            t.overlay_state(1, T0 + 122_000.0, &Z)
                .unwrap()
                .prompt
                .is_none(),
            "snoozed 5 minutes"
        );
        // Asked again once 61 s + 5 min of attention are reached.
        present_for(&mut t, 1, T0 + 123_000.0, 237);
        assert!(t
            .overlay_state(1, T0 + 360_000.0, &Z)
            .unwrap()
            .prompt
            .is_none());
        present_for(&mut t, 1, T0 + 361_000.0, 1);
        assert!(t
            .overlay_state(1, T0 + 362_000.0, &Z)
            .unwrap()
            .prompt
            .is_some());
        present_for(&mut t, 1, T0 + 363_000.0, 31);
        let state = t.overlay_state(1, T0 + 394_000.0, &Z).unwrap();
        assert!(state.prompt.is_none(), "gone by itself after 30 s");
        assert_eq!(state.useful, 0.0);
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
        assert!(matches!(
            t.import(&e),
            Err(ImportError::NewerSchema { found: 99 })
        ));
        assert_eq!(t.flush(), Flush::Idle);
    }

    #[test]
    fn turning_a_site_off_stops_its_pages_and_hiding_the_counter_tells_them() {
        let mut t = tracker();
        assert!(matches!(
            t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap(),
            Some(SensorCommand::Track { overlay: true, .. })
        ));
        t.sensor(2, hello("https://www.reddit.com/"), T0, &Z)
            .unwrap();
        present_for(&mut t, 2, T0, 10);
        let mut s = t.settings().clone();
        s.overlay_hidden.insert("x".into());
        s.paused_until.insert("reddit".into(), T0 + 3_600_000.0);
        let commands = t.set_settings(s.clone(), T0 + 10_000.0, &Z).unwrap();
        assert_eq!(
            commands,
            vec![
                (1, SensorCommand::Overlay { show: false }),
                (
                    2,
                    SensorCommand::Sleep {
                        until: Some(T0 + 3_600_000.0)
                    }
                )
            ]
        );
        assert!(!t.counting(), "the paused page's run ended");
        let counted = t
            .export(T0 + 20_000.0, &Z)
            .days
            .iter()
            .map(|r| r.attention_seconds)
            .sum::<f64>();
        assert!((counted - 10.0).abs() < 1e-9, "{counted}");
        // While paused, a new page sleeps too; the pause's end wakes both,
        // once; each says hello again and is tracked.
        assert_eq!(
            t.sensor(3, hello("https://www.reddit.com/"), T0 + 60_000.0, &Z)
                .unwrap(),
            Some(SensorCommand::Sleep {
                until: Some(T0 + 3_600_000.0)
            })
        );
        assert_eq!(t.next_wake_at(T0 + 60_000.0), Some(T0 + 3_600_000.0));
        assert_eq!(t.wake_due(T0 + 3_599_999.0), vec![]);
        assert_eq!(
            t.wake_due(T0 + 3_600_000.0),
            vec![(2, SensorCommand::Wake), (3, SensorCommand::Wake)]
        );
        assert_eq!(t.wake_due(T0 + 3_600_001.0), vec![], "told once");
        assert!(matches!(
            t.sensor(3, hello("https://www.reddit.com/"), T0 + 3_600_000.0, &Z)
                .unwrap(),
            Some(SensorCommand::Track { .. })
        ));
        assert!(matches!(
            t.sensor(4, hello("https://x.com/"), T0, &Z).unwrap(),
            Some(SensorCommand::Track { overlay: false, .. })
        ));
        // Turned off in the options, then on again: sleep, then wake.
        let mut off = t.settings().clone();
        off.sites_off.insert("x".into());
        assert_eq!(
            t.set_settings(off.clone(), T0 + 3_700_000.0, &Z).unwrap(),
            vec![
                (1, SensorCommand::Sleep { until: None }),
                (4, SensorCommand::Sleep { until: None })
            ]
        );
        t.closed(4, T0 + 3_700_000.0, &Z); // a closed tab is not woken
        off.sites_off.remove("x");
        assert_eq!(
            t.set_settings(off, T0 + 3_800_000.0, &Z).unwrap(),
            vec![(1, SensorCommand::Wake)]
        );
        // A bad setting is refused and changes nothing.
        s.daily_goal_minutes = 5000;
        assert!(t.set_settings(s, T0, &Z).is_err());
        assert_eq!(t.settings().daily_goal_minutes, 0);
    }

    #[test]
    fn delete_everything_forgets_records_and_settings() {
        let mut t = tracker();
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        present_for(&mut t, 1, T0, 30);
        let mut s = t.settings().clone();
        s.idle_threshold_seconds = 15;
        t.set_settings(s, T0 + 30_000.0, &Z).unwrap();
        t.delete_everything(T0 + 30_000.0);
        assert_eq!(t.settings(), &Settings::default());
        let left: f64 = t
            .export(T0 + 30_000.0, &Z)
            .days
            .iter()
            .map(|r| r.attention_seconds)
            .sum();
        assert_eq!(left, 0.0);
        // Counting goes on from now.
        present_for(&mut t, 1, T0 + 31_000.0, 4);
        let now: f64 = t
            .export(T0 + 35_000.0, &Z)
            .days
            .iter()
            .map(|r| r.attention_seconds)
            .sum();
        assert!((now - 5.0).abs() < 1e-9, "{now}");
    }

    #[test]
    fn popup_weekly_goal_and_the_week_to_tell() {
        let mut t = tracker();
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        present_for(&mut t, 1, T0, 120);
        let now = T0 + 120_000.0;
        let popup = t.popup(now, &Z, "en-GB");
        assert_eq!(popup.week_start, crate::calendar::Weekday::Monday);
        assert!(
            (popup.today.totals.attention_s - 120.0).abs() < 1e-9,
            "the open run counts"
        );
        assert!(!t.past_goal(now, &Z), "no goal set");
        let mut s = t.settings().clone();
        s.daily_goal_minutes = 1;
        t.set_settings(s, now, &Z).unwrap();
        assert!(t.past_goal(now, &Z));
        // A week later the week of T0 has ended: tell it once.
        let later = now + 7.0 * 86_400_000.0;
        let week = t.week_to_tell(None, later, &Z, "en-GB").unwrap();
        assert!(
            week.from <= t.settings().calendar().day_of(T0, &Z)
                && t.settings().calendar().day_of(T0, &Z) <= week.to
        );
        assert!(t
            .week_to_tell(Some(week.from), later, &Z, "en-GB")
            .is_none());
        let mut s = t.settings().clone();
        s.weekly_notification = false;
        t.set_settings(s, later, &Z).unwrap();
        assert!(t.week_to_tell(None, later, &Z, "en-GB").is_none());
        assert_eq!(
            t.weekly(later, &Z, "en-GB").last.totals.attention_s.round(),
            120.0
        );
    }

    #[test]
    fn marking_the_last_minutes_useful_never_passes_attention() {
        let mut t = tracker();
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        present_for(&mut t, 1, T0, 120);
        assert_eq!(t.mark_useful(1, 1, T0 + 120_000.0, &Z), 60.0);
        assert_eq!(
            t.mark_useful(1, 10, T0 + 120_000.0, &Z),
            60.0,
            "only what is left"
        );
        assert_eq!(t.mark_useful(1, 10, T0 + 120_000.0, &Z), 0.0);
        assert_eq!(
            t.mark_useful(9, 10, T0 + 120_000.0, &Z),
            0.0,
            "an unknown tab marks nothing"
        );
        let row = &t.export(T0 + 200_000.0, &Z).days[0];
        assert!(row.useful_seconds <= row.attention_seconds, "{row:?}");
        assert_eq!(row.useful_seconds, 120.0);
    }
}
