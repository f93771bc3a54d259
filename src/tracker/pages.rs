//! Pages and their ad slots: which rules a page of a site gets, which
//! candidate slots are ads, how long each was in view; and the pages of
//! sites turned off or paused, asleep until the site is on again.

use std::collections::{BTreeMap, BTreeSet};

use super::outbox::Booked;
use super::{Tracker, TrackerError};
use crate::attention::{Signal, TabId};
use crate::calendar::Zone;
use crate::labels::Labels;
use crate::ledger::MAX_ADS_PER_PAGE;
// Most labels a slot may send, and their longest length (shared with the sensor).
use crate::limits::{MAX_LABELS, MAX_LABEL_CHARS};
use crate::protocol::{Batched, KnownAd, SensorCommand, SensorEvent};
use crate::rules::Rule;
use crate::settings::Settings;
use crate::sites::{host_of_url, ruled_sites, site_id_for_host};
use crate::viewability::Viewability;

/// How far back a batched event may be timed (ms): what waits is sent
/// within a second or so, and a stopped worker starts in a fraction of
/// one; the sensor's clock is not trusted further.
const MAX_AGO_MS: f64 = 10_000.0;

/// When a batched item happened, on the core's clock: `ago_ms` before the
/// batch left (`sent_at`, the sensor's wall clock; without it, `now`),
/// never after `now` and never more than [`MAX_AGO_MS`] before it (a
/// clock that is off, or a value that is not a number, is not believed
/// further).
///
/// ```text
/// now 10 000, sent_at 9 400, ago   300 -> 9 100   (it waited 600 ms on the way)
/// now 10 000, sent_at none,  ago   300 -> 9 700
/// now 10 000, sent_at 12 000, ago    0 -> 10 000  (a clock ahead)
/// now 20 000, sent_at 1 000,  ago    0 -> 10 000  (a clock behind)
/// now 10 000, sent_at NaN,   ago   NaN -> 10 000
/// ```
fn happened_at(sent_at: Option<f64>, ago_ms: f64, now: f64) -> f64 {
    let finite = |v: f64| v.is_finite().then_some(v);
    let left = sent_at.and_then(finite).unwrap_or(now);
    let ago = finite(ago_ms).unwrap_or(0.0).max(0.0);
    (left - ago).clamp(now - MAX_AGO_MS, now)
}

/// One page view's ad slots.
#[derive(Debug, Default)]
struct PageAds {
    site: String,
    /// The page's host, which the rules are chosen by.
    host: String,
    /// Indices into the rules (the built-in ones, then the person's own),
    /// in the order the page got them.
    rules: Vec<usize>,
    ads: BTreeSet<u32>,
    viewability: Viewability,
    /// The ads its sensor was told are viewable.
    told: BTreeSet<u32>,
    /// Renders and views booked since the last write took them.
    unsaved: Booked,
}

/// The page's state when its sensor says hello.
pub(super) struct Opened {
    pub visible: bool,
    pub focused: bool,
    pub media: bool,
    pub idle_ms: Option<f64>,
    pub reconnected: bool,
}

#[derive(Debug, Default)]
pub(super) struct Pages {
    rules: Vec<Rule>,
    /// The rules naming posts (for "mark this post useful").
    post_rules: Vec<Rule>,
    /// The person's own ad rules, after the built-in ones, and the text
    /// they were parsed from.
    own: Vec<Rule>,
    own_text: String,
    /// The added sites the own rules name (their ads are counted).
    ruled: BTreeSet<String>,
    labels: Labels,
    open: BTreeMap<TabId, PageAds>,
    /// Pages of sites the person turned off or paused, by site: their
    /// sensors sleep until the site is on again.
    asleep: BTreeMap<TabId, String>,
    /// Commands for sensors that no event of theirs asked for (an ad became
    /// viewable on the timer): the glue sends them.
    pending: Vec<(TabId, SensorCommand)>,
}

impl Pages {
    /// What each page booked since the last write, handed to the write
    /// (pages with nothing booked left out).
    ///
    /// ```text
    /// tab 1 booked ad 7, tab 2 nothing -> [(1, ads {7})]; again -> []
    /// ```
    pub(super) fn take_booked(&mut self) -> Vec<(TabId, Booked)> {
        self.open
            .iter_mut()
            .filter(|(_, p)| !p.unsaved.is_empty())
            .map(|(tab, p)| (*tab, std::mem::take(&mut p.unsaved)))
            .collect()
    }

    /// A write failed: what it held is unsaved again (pages still open).
    pub(super) fn unsaved(&mut self, booked: Vec<(TabId, Booked)>) {
        for (tab, b) in booked {
            if let Some(page) = self.open.get_mut(&tab) {
                page.unsaved.extend(b);
            }
        }
    }

    /// A write succeeded: each page's sensor hears what of it is stored.
    pub(super) fn saved(&mut self, booked: Vec<(TabId, Booked)>) {
        for (tab, b) in booked {
            if self.open.contains_key(&tab) {
                let saved = SensorCommand::Saved {
                    ads: b.ads.into_iter().collect(),
                    viewable: b.viewable.into_iter().collect(),
                };
                self.pending.push((tab, saved));
            }
        }
    }

    pub fn set_rules(&mut self, rules: Vec<Rule>, labels: Labels) {
        (self.post_rules, self.rules) = rules.into_iter().partition(Rule::is_post);
        self.labels = labels;
    }

    pub fn len(&self) -> usize {
        self.open.len()
    }

    /// The text the person's own rules were parsed from.
    /// The sites the person added whose ads their own rules count.
    pub fn ruled(&self) -> &BTreeSet<String> {
        &self.ruled
    }

    pub fn own_text(&self) -> &str {
        &self.own_text
    }

    /// The person's own ad rules changed: every open page whose rules
    /// change is sent its site's rules again (its slots keep their ids).
    pub fn set_own(&mut self, text: &str, own: Vec<Rule>, custom: &BTreeSet<String>) {
        self.own_text = text.to_string();
        self.ruled = ruled_sites(&own, custom);
        self.own = own;
        for (tab, page) in &mut self.open {
            let rules = applying(&self.rules, &self.own, &page.host);
            if rules != page.rules {
                page.rules = rules;
                let rules = page
                    .rules
                    .iter()
                    .filter_map(|i| rule_at(&self.rules, &self.own, *i).cloned())
                    .collect();
                self.pending.push((*tab, SensorCommand::Rules { rules }));
            }
        }
    }

    /// The page in `tab` went. Returns whether it had renders or views
    /// not yet written: its sensor, gone with it, can no longer tell a
    /// restarted worker of them, so they must be written now.
    pub fn close(&mut self, tab: TabId) -> bool {
        self.asleep.remove(&tab);
        self.forget(tab)
    }

    /// Drops `tab`'s page view; whether it held unwritten bookings.
    fn forget(&mut self, tab: TabId) -> bool {
        self.open
            .remove(&tab)
            .is_some_and(|page| !page.unsaved.is_empty())
    }

    /// The open pages and their sites.
    pub fn sites(&self) -> Vec<(TabId, String)> {
        self.open
            .iter()
            .map(|(t, p)| (*t, p.site.clone()))
            .collect()
    }

    /// As [`Pages::close`], the page asleep until its site is on again.
    pub fn sleep(&mut self, tab: TabId, site: String) -> bool {
        self.asleep.insert(tab, site);
        self.forget(tab)
    }

    /// A new page view of `site` on `host`: its slots start over. Answers
    /// the ad rules and post rules it gets.
    fn open(&mut self, tab: TabId, host: &str, site: &str) -> (Vec<Rule>, Vec<Rule>) {
        self.asleep.remove(&tab);
        let rules = applying(&self.rules, &self.own, host);
        let sent = rules
            .iter()
            .filter_map(|i| rule_at(&self.rules, &self.own, *i).cloned())
            .collect();
        let posts = self
            .post_rules
            .iter()
            .filter(|r| r.applies_to(host))
            .cloned()
            .collect();
        self.open.insert(
            tab,
            PageAds {
                site: site.to_string(),
                host: host.to_string(),
                rules,
                ..PageAds::default()
            },
        );
        (sent, posts)
    }

    /// Whether candidate slot `id` of `tab`, found by its page's `rule`
    /// with `labels`, is an ad seen for the first time: an ad if its rule
    /// needs no label, or one of its labels is in the dictionary.
    ///
    /// ```text
    /// rule x.com##div.ad, no labels          -> ad (once; again: no)
    /// rule x.com##article:label(span), "Ad"  -> ad;  "Just a post" -> no
    /// ```
    fn new_ad(&mut self, tab: TabId, id: u32, rule: u32, labels: Vec<String>) -> bool {
        self.judge(tab, id, rule, labels)
    }

    /// A slot the core called an ad before it restarted ([`Pages::new_ad`]'s
    /// judgement again, so a sensor cannot make a non-ad one): watched
    /// again; one `viewable` then stays so. Answers what to book again (the
    /// render, the view): what the old core had not yet written.
    ///
    /// ```text
    /// known 1 (rule div.ad), viewable, saved both -> watched, (false, false)
    /// known 1, viewable, render saved only         -> (false, true)
    /// known 2 (label rule, "A post")               -> not an ad: (false, false)
    /// ```
    fn restore(&mut self, tab: TabId, ad: KnownAd) -> Option<(bool, bool)> {
        let id = ad.id;
        if !self.judge(tab, id, ad.rule, ad.labels) {
            return None;
        }
        let page = self.open.get_mut(&tab)?;
        let again = (!ad.saved_ad, ad.viewable && !ad.saved_view);
        if again.0 {
            page.unsaved.ads.insert(id);
        }
        if ad.viewable {
            page.viewability.set_viewable(id);
            page.told.insert(id);
            if again.1 {
                page.unsaved.viewable.insert(id);
            }
        }
        Some(again)
    }

    /// Whether slot `id` is an ad not yet known; if so, it is known now.
    fn judge(&mut self, tab: TabId, id: u32, rule: u32, mut labels: Vec<String>) -> bool {
        let Some(page) = self.open.get_mut(&tab) else {
            return false;
        };
        let Some(rule) = page
            .rules
            .get(rule as usize)
            .and_then(|i| rule_at(&self.rules, &self.own, *i))
        else {
            return false;
        };
        // A page that floods slots books at most MAX_ADS_PER_PAGE of them.
        if page.ads.contains(&id) || page.ads.len() >= MAX_ADS_PER_PAGE {
            return false;
        }
        labels.truncate(MAX_LABELS);
        let is_ad = !rule.needs_label()
            || labels.iter().any(|l| {
                self.labels
                    .is_ad_label(&l.chars().take(MAX_LABEL_CHARS).collect::<String>())
            });
        if !is_ad || !page.viewability.add(id, rule.is_video()) {
            return false;
        }
        page.ads.insert(id);
        true
    }
}

/// The rules (built-in, then own, as one list of indices) that apply on
/// `host`.
///
/// ```text
/// built-in [x.com##a, reddit.com##b], own [x.com##c], "x.com" -> [0, 2]
/// ```
fn applying(rules: &[Rule], own: &[Rule], host: &str) -> Vec<usize> {
    rules
        .iter()
        .chain(own)
        .enumerate()
        .filter(|(_, r)| r.applies_to(host))
        .map(|(i, _)| i)
        .collect()
}

/// Rule `i` of the built-in ones followed by the person's own.
///
/// ```text
/// built-in [a, b], own [c]:  1 -> b    2 -> c    3 -> none
/// ```
fn rule_at<'a>(rules: &'a [Rule], own: &'a [Rule], i: usize) -> Option<&'a Rule> {
    rules
        .get(i)
        .or_else(|| own.get(i.checked_sub(rules.len())?))
}

/// What a page of `site` (not tracked at `now`) is told: sleep, until
/// its pause runs out, if a pause is why.
///
/// ```text
/// sites_off {x}                  -> x: sleep until none
/// paused_until {reddit: 10:00}   -> reddit: sleep until 10:00
/// ```
pub(super) fn sleep(settings: &Settings, site: &str, now: f64) -> SensorCommand {
    let off = settings.sites_off.contains(site)
        || site
            .strip_prefix("custom:")
            .is_some_and(|h| !settings.custom_sites.contains(h));
    let until = if off {
        None
    } else {
        settings
            .paused_until
            .get(site)
            .copied()
            .filter(|u| *u > now)
    };
    SensorCommand::Sleep { until }
}

impl Tracker {
    /// Applies one decoded sensor event from `tab`, whose page the browser
    /// says is at `page_url` (`sender.url`): a `hello` is for that page,
    /// whatever URL the page put in it.
    pub fn sensor_at(
        &mut self,
        tab: TabId,
        page_url: &str,
        event: SensorEvent,
        now: f64,
        zone: &impl Zone,
    ) -> Result<Option<SensorCommand>, TrackerError> {
        let event = match event {
            SensorEvent::Hello {
                visible,
                focused,
                media,
                idle_ms,
                reconnected,
                ..
            } => SensorEvent::Hello {
                url: page_url.to_string(),
                visible,
                focused,
                media,
                idle_ms,
                reconnected,
            },
            other => other,
        };
        self.sensor(tab, event, now, zone)
    }

    /// A sensor's `batch`: each item applied in order at the time it
    /// happened ([`happened_at`]), but never before the attention clock
    /// already stands (a clock that went back would end the run); their
    /// answers together. An item refused stops the rest (the only refusal
    /// a batch's kinds meet, an unknown tab, is every item's).
    ///
    /// ```text
    /// now 10 000: [input 600 ms ago, slot 7 now] -> input at 9 400, slot at 10 000 -> ad 7
    /// ```
    pub(super) fn batch(
        &mut self,
        tab: TabId,
        items: Vec<Batched>,
        sent_at: Option<f64>,
        now: f64,
        zone: &impl Zone,
    ) -> Result<Option<SensorCommand>, TrackerError> {
        let mut floor = self
            .attention
            .run()
            .map_or(f64::NEG_INFINITY, |r| r.last_tick);
        let mut answers = Vec::new();
        for Batched { ago_ms, event } in items {
            let at = happened_at(sent_at, ago_ms, now).max(floor).min(now);
            floor = at;
            answers.extend(self.sensor(tab, event.into_event(), at, zone)?);
        }
        Ok(match answers.len() {
            0 | 1 => answers.pop(),
            _ => Some(SensorCommand::Batch { commands: answers }),
        })
    }

    /// A sensor's `hello` from a page at `url`: tracked (its rules and
    /// overlay), asleep (its site off or paused), or ignored.
    pub(super) fn hello(
        &mut self,
        tab: TabId,
        url: &str,
        page: Opened,
        now: f64,
        zone: &impl Zone,
    ) -> SensorCommand {
        let Some((host, site)) = host_of_url(url)
            .and_then(|h| Some((h, site_id_for_host(h, &self.settings.custom_sites)?)))
        else {
            self.page_went(tab);
            self.signal(tab, Signal::Closed, now, zone);
            return SensorCommand::Ignore;
        };
        if !self.settings.tracks(&site, now) {
            self.page_went(tab);
            self.signal(tab, Signal::Closed, now, zone);
            let sleep = sleep(&self.settings, &site, now);
            self.pages.asleep.insert(tab, site);
            return sleep;
        }
        self.sync_own_rules();
        self.page_went(tab); // the tab's last page view, if any
        let (rules, posts) = self.pages.open(tab, host, &site);
        self.prompting.page_of(&site, now);
        let open = Signal::Open {
            site: site.clone(),
            visible: page.visible,
            focused: page.focused,
            media: page.media,
            idle_ms: page.idle_ms,
            reconnected: page.reconnected,
        };
        let track = SensorCommand::Track {
            overlay: !self.settings.overlay_hidden.contains(&site),
            position: self.settings.overlay_positions.get(&site).copied(),
            site,
            rules,
            posts,
            shortcut: self.finds.shortcut.clone(),
        };
        self.signal(tab, open, now, zone);
        track
    }

    /// The page view in `tab` went (closed, navigated, or not tracked
    /// now): what it booked and storage does not have yet is written at
    /// once, since its sensor can no longer tell a restarted worker.
    pub(super) fn page_went(&mut self, tab: TabId) {
        if self.pages.forget(tab) {
            self.outbox.urgent();
        }
    }

    /// A slot the old core had called an ad, announced after a restart
    /// with what its sensor saw of it: what storage may not have is booked
    /// again, and its clock resumes from what the sensor saw.
    pub(super) fn known(&mut self, tab: TabId, ad: KnownAd, now: f64, zone: &impl Zone) {
        let (id, seen) = (ad.id, ad.seen());
        let Some((render, view)) = self.pages.restore(tab, ad) else {
            return;
        };
        let in_view = self.attention.in_view(tab);
        let newly = self.pages.open.get_mut(&tab).map_or(0, |page| {
            page.viewability.set_in_view(in_view, now) + page.viewability.resume(id, seen, now)
        });
        self.book_ads(tab, u64::from(render), newly + u32::from(view), now, zone);
    }

    /// Video ad `id` of `tab` started or stopped playing.
    pub(super) fn playing(
        &mut self,
        tab: TabId,
        id: u32,
        playing: bool,
        now: f64,
        zone: &impl Zone,
    ) {
        let newly = self
            .pages
            .open
            .get_mut(&tab)
            .map_or(0, |p| p.viewability.set_playing(id, playing, now));
        self.book_ads(tab, 0, newly, now, zone);
    }

    /// Commands for sensors that none of their events asked for.
    pub fn take_commands(&mut self) -> Vec<(TabId, SensorCommand)> {
        self.sync_own_rules();
        std::mem::take(&mut self.pages.pending)
    }

    /// A candidate slot: answers `Ad` the first time it is one.
    pub(super) fn slot(
        &mut self,
        tab: TabId,
        id: u32,
        rule: u32,
        labels: Vec<String>,
        now: f64,
        zone: &impl Zone,
    ) -> Option<SensorCommand> {
        if !self.pages.new_ad(tab, id, rule, labels) {
            return None;
        }
        let in_view = self.attention.in_view(tab);
        if let Some(page) = self.pages.open.get_mut(&tab) {
            page.viewability.set_in_view(in_view, now);
        }
        self.book_ads(tab, 1, 0, now, zone);
        if let Some(page) = self.pages.open.get_mut(&tab) {
            page.unsaved.ads.insert(id);
        }
        Some(SensorCommand::Ad { id })
    }

    /// Slot `id` of `tab` is in view by `ratio` of its `area` (`None`: gone).
    pub(super) fn view(
        &mut self,
        tab: TabId,
        id: u32,
        seen: Option<(f64, f64)>,
        now: f64,
        zone: &impl Zone,
    ) {
        let newly = self.pages.open.get_mut(&tab).map_or(0, |p| match seen {
            Some((ratio, area)) => p.viewability.update(id, ratio, area, now),
            None => p.viewability.remove(id, now),
        });
        self.book_ads(tab, 0, newly, now, zone);
    }

    /// Counts ads on `tab`'s site for the day of `now`.
    fn book_ads(&mut self, tab: TabId, rendered: u64, viewable: u32, now: f64, zone: &impl Zone) {
        if rendered == 0 && viewable == 0 {
            return;
        }
        let Some(page) = self.pages.open.get_mut(&tab) else {
            return;
        };
        // Written with the next batch, not at once (a page with many ads
        // would write every few seconds); the sensor keeps what is not
        // yet written and a restarted core books it again (`known`).
        if viewable > 0 {
            let newly: Vec<u32> = page
                .ads
                .iter()
                .copied()
                .filter(|id| page.viewability.is_viewable(*id) && !page.told.contains(id))
                .collect();
            for id in newly {
                page.told.insert(id);
                page.unsaved.viewable.insert(id);
                self.pages
                    .pending
                    .push((tab, SensorCommand::Viewable { id }));
            }
        }
        let Some(page) = self.pages.open.get(&tab) else {
            return;
        };
        let date = self.settings.calendar().day_of(now, zone);
        // A render moved from an earlier day changes that day too.
        for day in self
            .ledger
            .add_ads(date, &page.site, rendered, u64::from(viewable))
        {
            self.outbox.day(day);
        }
    }

    /// Brings every page's ad clocks in line with which page is in view,
    /// and counts the dwells completed by `now`.
    pub(super) fn sync_views(&mut self, now: f64, zone: &impl Zone) {
        let tabs: Vec<TabId> = self.pages.open.keys().copied().collect();
        for tab in tabs {
            let in_view = self.attention.in_view(tab);
            let newly = self.pages.open.get_mut(&tab).map_or(0, |p| {
                p.viewability.tick(now) + p.viewability.set_in_view(in_view, now)
            });
            self.book_ads(tab, 0, newly, now, zone);
        }
    }

    /// When the next ad may become viewable, for the timer.
    pub fn next_view_deadline(&self) -> Option<f64> {
        self.pages
            .open
            .values()
            .filter_map(|p| p.viewability.next_deadline())
            .min_by(f64::total_cmp)
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
            .pages
            .asleep
            .iter()
            .filter(|(_, site)| self.settings.tracks(site, now))
            .map(|(t, _)| *t)
            .collect();
        for tab in &due {
            self.pages.asleep.remove(tab);
        }
        due.into_iter()
            .map(|tab| (tab, SensorCommand::Wake))
            .collect()
    }

    /// When the earliest pause over a sleeping page runs out, if any.
    pub fn next_wake_at(&self, now: f64) -> Option<f64> {
        self.pages
            .asleep
            .values()
            .filter_map(|site| self.settings.paused_until.get(site))
            .copied()
            .filter(|until| *until > now)
            .reduce(f64::min)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::protocol::{SensorEvent, Shortcut};
    use crate::tracker::TrackerError;

    #[test]
    fn a_batched_item_is_timed_from_when_its_batch_left() {
        let at = |sent_at, ago| happened_at(sent_at, ago, 10_000.0);
        assert_eq!(at(Some(9_400.0), 300.0), 9_100.0, "it waited on the way");
        assert_eq!(at(None, 300.0), 9_700.0, "no sent_at: from arrival");
        assert_eq!(at(Some(12_000.0), 0.0), 10_000.0, "a clock ahead");
        assert_eq!(at(Some(-1e12), 0.0), 0.0, "a clock behind: 10 s at most");
        assert_eq!(at(Some(9_000.0), 20_000.0), 0.0, "ago: 10 s at most");
        assert_eq!(at(Some(9_400.0), -50.0), 9_400.0, "ago never ahead");
        assert_eq!(at(Some(f64::NAN), f64::NAN), 10_000.0);
        assert_eq!(at(Some(f64::INFINITY), 0.0), 10_000.0);
    }

    /// A page that goes with renders not yet written (no run of presence
    /// closed to force a write) takes its sensor's memory of them along:
    /// a worker killed before the next write would lose them. So they are
    /// written at once.
    ///
    /// ```text
    /// x.com: ad 1 rendered, no input -> Soon; tab closed -> Now
    /// ```
    #[test]
    fn a_page_going_with_unwritten_ads_is_written_at_once() {
        use crate::tracker::Flush;
        for end in ["closed", "navigated"] {
            let mut t = with_ads();
            t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
            t.take_writes();
            t.sensor(1, slot(1, 0), T0 + 100.0, &Z).unwrap();
            assert_eq!(
                t.flush(),
                Flush::Soon,
                "{end}: a render waits for the batch"
            );
            match end {
                "closed" => t.closed(1, T0 + 200.0, &Z),
                _ => {
                    t.sensor(1, hello("https://x.com/explore"), T0 + 200.0, &Z)
                        .unwrap();
                }
            }
            assert_eq!(t.flush(), Flush::Now, "{end}: its page went");
        }
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
        // No ads shown for it ("0" would be a number without rules), until
        // a rule of the person's own names it.
        let shown = |t: &Tracker| t.overlay_state(1, T0 + 10_000.0, &Z).unwrap().ads_counted;
        assert!(!shown(&t));
        let mut ruled = t.settings().clone();
        ruled.ad_rules = "example.org##div.sponsored".into();
        t.set_settings(ruled, T0 + 10_000.0, &Z).unwrap();
        assert!(shown(&t));
        let mut s = Settings::default();
        s.custom_sites.insert("example.org".into());
        t.set_settings(s, T0 + 10_000.0, &Z).unwrap();
        assert!(!shown(&t));
        // Removed from the list: its open page sleeps; its days stay.
        assert_eq!(
            t.set_settings(Settings::default(), T0 + 10_000.0, &Z)
                .unwrap(),
            vec![(1, SensorCommand::Sleep { until: None })]
        );
        assert_eq!(t.export(T0 + 20_000.0, &Z).days[0].attention_seconds, 10.0);
    }

    #[test]
    fn the_site_is_the_page_the_browser_names_not_the_one_the_hello_claims() {
        let mut t = tracker();
        assert_eq!(
            t.sensor_at(
                1,
                "https://www.example.com/",
                hello("https://x.com/home"),
                T0,
                &Z
            )
            .unwrap(),
            Some(SensorCommand::Ignore),
            "a page elsewhere claiming to be X"
        );
        assert!(matches!(
            t.sensor_at(2, "https://x.com/home", hello("https://www.example.com/"), T0, &Z)
                .unwrap(),
            Some(SensorCommand::Track { site, .. }) if site == "x"
        ));
        // Its other events are the page's own, as before.
        assert_eq!(
            t.sensor_at(2, "https://x.com/home", SensorEvent::Heartbeat {}, T0, &Z),
            Ok(None)
        );
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
    fn a_page_that_floods_slots_books_at_most_the_per_page_cap() {
        let mut t = with_ads();
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        let flood = MAX_ADS_PER_PAGE as u32 + 200;
        let ads = (0..flood)
            .filter(|&id| t.sensor(1, slot(id, 0), T0, &Z).unwrap().is_some())
            .count();
        assert_eq!(ads, MAX_ADS_PER_PAGE);
        let day = t.export(T0 + 1000.0, &Z).days;
        assert!(day[0].ads_rendered <= MAX_ADS_PER_PAGE as u64);
    }

    #[test]
    fn slots_become_ads_by_structure_or_label_and_count_once() {
        let mut t = with_ads();
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        let labelled = |id, label: &str| SensorEvent::Slot {
            id,
            rule: 1,
            labels: vec![label.to_string()],
        };
        assert_eq!(
            t.sensor(1, slot(1, 0), T0, &Z).unwrap(),
            Some(SensorCommand::Ad { id: 1 })
        );
        assert_eq!(t.sensor(1, slot(1, 0), T0, &Z).unwrap(), None, "once");
        assert_eq!(
            t.sensor(1, labelled(2, "Just a post"), T0, &Z).unwrap(),
            None
        );
        assert_eq!(
            t.sensor(1, labelled(3, "إعلان"), T0, &Z).unwrap(),
            Some(SensorCommand::Ad { id: 3 })
        );
        assert_eq!(
            t.sensor(1, slot(4, 9), T0, &Z).unwrap(),
            None,
            "unknown rule index"
        );
        // Slot 1 in view 1.2 s: viewable; slot 3 only 0.5 s.
        t.sensor(1, view(1, 1.0, 90_000.0), T0, &Z).unwrap();
        t.sensor(1, view(3, 1.0, 90_000.0), T0 + 100.0, &Z).unwrap();
        t.sensor(1, view(3, 0.0, 90_000.0), T0 + 600.0, &Z).unwrap();
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

    /// A YouTube player's area, px².
    const PLAYER: f64 = 640.0 * 360.0;

    /// A tracker with YouTube's video-ad rule, on `ledger`.
    fn with_player(ledger: Ledger) -> Tracker {
        let rules = crate::rules::parse_rules(
            "youtube.com##.html5-video-player:while-class(ad-showing):video\n",
        )
        .unwrap();
        Tracker::new(Settings::default(), ledger, None, &Z).with_rules(rules, Labels::default())
    }

    /// (rendered, viewable) on YouTube, all days.
    fn youtube_ads(t: &Tracker, now: f64) -> (u64, u64) {
        t.export(now, &Z)
            .days
            .iter()
            .filter(|d| d.site == "youtube")
            .fold((0, 0), |(r, v), d| (r + d.ads_rendered, v + d.ads_viewable))
    }

    #[test]
    fn a_video_ads_dwell_begun_before_a_restart_is_kept_and_counted_once() {
        for (after_ms, viewable) in [(900.0, 1), (500.0, 0)] {
            // The old core: the ad plays in full view for 1.2 s, then the
            // worker stops.
            let mut old = with_player(Ledger::default());
            let url = "https://www.youtube.com/watch?v=1";
            old.sensor(1, hello(url), T0, &Z).unwrap();
            assert_eq!(
                old.sensor(1, slot(1, 0), T0, &Z).unwrap(),
                Some(SensorCommand::Ad { id: 1 })
            );
            old.sensor(1, playing(1, true), T0, &Z).unwrap();
            old.sensor(1, view(1, 1.0, PLAYER), T0, &Z).unwrap();
            old.tick(T0 + 1200.0, &Z);
            assert_eq!(youtube_ads(&old, T0 + 1200.0), (1, 0));
            // The new core (from what the old one wrote), at the sensor's
            // next event: it re-announces the ad as it saw it, in view and
            // playing for 1.2 s + `after_ms`.
            let mut new = with_player(old.ledger().clone());
            let now = T0 + 1200.0 + after_ms;
            new.sensor(1, hello(url), now, &Z).unwrap();
            let known = SensorEvent::Known(KnownAd {
                id: 1,
                rule: 0,
                labels: vec![],
                viewable: false,
                saved_ad: true,
                saved_view: false,
                ratio: 1.0,
                area: PLAYER,
                playing: Some(true),
                seen_ms: 1200.0 + after_ms,
            });
            assert_eq!(new.sensor(1, known, now, &Z).unwrap(), None);
            // It leaves view at once (the event that woke the worker).
            new.sensor(1, view(1, 0.0, PLAYER), now, &Z).unwrap();
            new.tick(now + 5000.0, &Z);
            assert_eq!(
                youtube_ads(&new, now + 5000.0),
                (1, viewable),
                "1.2 s + {after_ms} ms"
            );
            let told = new.take_commands();
            assert_eq!(
                told.contains(&(1, SensorCommand::Viewable { id: 1 })),
                viewable == 1,
                "the sensor hears it was counted, so a third core never counts it again"
            );
        }
    }

    #[test]
    fn a_paused_video_ad_is_not_viewable() {
        let mut t = with_player(Ledger::default());
        t.sensor(1, hello("https://www.youtube.com/watch?v=2"), T0, &Z)
            .unwrap();
        t.sensor(1, slot(1, 0), T0, &Z).unwrap();
        t.sensor(1, view(1, 1.0, PLAYER), T0, &Z).unwrap();
        // Playing 1.2 s, paused 2 s in full view, playing 1.2 s.
        for (at, on) in [(0.0, true), (1200.0, false), (3200.0, true)] {
            t.sensor(1, playing(1, on), T0 + at, &Z).unwrap();
        }
        t.sensor(1, SensorEvent::Gone { id: 1 }, T0 + 4400.0, &Z)
            .unwrap();
        t.tick(T0 + 9000.0, &Z);
        assert_eq!(youtube_ads(&t, T0 + 9000.0), (1, 0));
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
            reconnected: false,
        };
        t.sensor(1, hidden, T0, &Z).unwrap();
        t.sensor(1, slot(1, 0), T0, &Z).unwrap();
        t.sensor(1, view(1, 1.0, 90_000.0), T0, &Z).unwrap();
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
}
