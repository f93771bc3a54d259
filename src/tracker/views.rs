//! What the person sees, computed from the tracker: the overlay's state
//! (and whether a new one is worth sending), the toolbar badge, the popup,
//! the weekly summary and the week's notification.

use std::collections::BTreeSet;

use super::finds::SAVED_SHOWN_MS;
use super::{Tracker, Upto};
use crate::attention::TabId;
use crate::calendar::{Date, Zone};
use crate::ledger::Ledger;
use crate::protocol::{OverlayState, PromptView, SavedView};
use crate::sites::ads_counted;
use crate::summary::{Period, Popup, Pricing, Weekly};
use crate::valuation::{self, Estimate, Region};

/// The badge is refreshed at most this often, unless counting started or
/// stopped.
const BADGE_EVERY_MS: f64 = 60_000.0;

/// The toolbar badge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Badge {
    /// Today's attention on tracked sites ([`crate::format::badge`]).
    pub text: String,
    /// Past the daily goal the badge turns from ink to alarm red.
    pub past_goal: bool,
}

impl Badge {
    /// Its background colour.
    ///
    /// ```text
    /// past_goal false -> "#102a2e" (ink)    true -> "#b3261e" (alarm red)
    /// ```
    pub fn colour(&self) -> &'static str {
        if self.past_goal {
            "#b3261e"
        } else {
            "#102a2e"
        }
    }
}

/// Whether the badge is due a refresh at `now`, last set at `last_set`:
/// once a minute, and at once when counting starts or stops (`at_once`).
///
/// ```text
/// last 0, now 59 999 -> no     last 0, now 60 000 -> yes    at once -> yes
/// ```
pub fn badge_due(last_set: f64, now: f64, at_once: bool) -> bool {
    at_once || now - last_set >= BADGE_EVERY_MS
}

/// Whether `new` differs from what the overlay shows since `old` was sent
/// at `at` (it ticks `seconds` itself while counting, until `stops_in`).
///
/// ```text
/// sent 10 s counting at 0; at 3 s, 13 s -> no    at 3 s, 15 s -> yes
/// ads 1 -> 2, or counting stops           -> yes
/// ```
pub fn worth_sending((old, at): &(OverlayState, f64), new: &OverlayState, now: f64) -> bool {
    let elapsed = (now - at) / 1000.0;
    let shown = old.seconds
        + if old.counting {
            elapsed.clamp(0.0, old.stops_in.unwrap_or(f64::INFINITY))
        } else {
            0.0
        };
    let moved = |a: Option<f64>, b: Option<f64>, by: f64| match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() > by,
        (a, b) => a.is_some() != b.is_some(),
    };
    let end = |left: Option<f64>, at: f64| left.map(|d| at / 1000.0 + d);
    let deadline_moved = moved(end(old.stops_in, *at), end(new.stops_in, now), 5.0);
    // A click refused again while the note is up keeps it up longer.
    let refused_again = moved(end(old.refused_s, *at), end(new.refused_s, now), 0.5);
    old.counting != new.counting
        || old.ads != new.ads
        || old.ads_counted != new.ads_counted
        || old.useful != new.useful
        || old.prompt != new.prompt
        || old.take != new.take
        || old.site != new.site
        || old.language != new.language
        || old.arabic_digits != new.arabic_digits
        || old.minimized != new.minimized
        || old.mark_minutes != new.mark_minutes
        || old.goal.as_ref().map(|g| g.take) != new.goal.as_ref().map(|g| g.take)
        || old.saved.as_ref().map(|s| (s.id, s.dropped))
            != new.saved.as_ref().map(|s| (s.id, s.dropped))
        || (shown - new.seconds).abs() > 1.0
        || deadline_moved
        || refused_again
        || old.decided != new.decided
}

/// The N of the panel's "mark the last N minutes useful": the prompt's
/// interval (10 when prompts are off), offered only once that much time
/// not yet marked useful was counted today; 0 offers nothing.
///
/// ```text
/// (10, 45 s)     -> 0       (10, 10 min) -> 10
/// (0, 12 min)    -> 10      (1, 1 min)   -> 1
/// ```
pub fn mark_offer(prompt_minutes: u32, unmarked_ms: f64) -> u32 {
    let n = if prompt_minutes > 0 {
        prompt_minutes
    } else {
        10
    };
    if unmarked_ms >= f64::from(n) * 60_000.0 {
        n
    } else {
        0
    }
}

impl Tracker {
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

    /// Attention today on `site`, the open run included.
    pub fn today_ms(&self, site: &str, now: f64, zone: &impl Zone) -> f64 {
        let today = self.settings.calendar().day_of(now, zone);
        self.ledger.attention_ms(today, site) + self.open_run_today(site, Upto::Live, now, zone)
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

    /// The toolbar badge at `now`.
    pub fn badge(&self, now: f64, zone: &impl Zone) -> Badge {
        Badge {
            text: crate::format::badge(self.today_total_ms(now, zone) / 1000.0),
            past_goal: self.past_goal(now, zone),
        }
    }

    /// What the overlay in `tab` shows.
    pub fn overlay_state(&self, tab: TabId, now: f64, zone: &impl Zone) -> Option<OverlayState> {
        let site = self.attention.site_of(tab)?;
        let limits = self.settings.limits();
        let counting = self.attention.run().is_some_and(|r| r.site == site);
        let today = self.settings.calendar().day_of(now, zone);
        let ads = self.ledger.record(today, site).ads_viewable;
        let stops_in = counting
            .then(|| self.attention.stops_in(now, &limits))
            .flatten()
            .map(|ms| ms / 1000.0);
        Some(OverlayState {
            site: site.to_string(),
            seconds: self.today_ms(site, now, zone) / 1000.0,
            counting,
            ads,
            ads_counted: ads_counted(site) || self.pages.ruled().contains(site),
            take: self.take(ads, site),
            currency: self.settings.currency.clone(),
            usd_rate: self.settings.usd_rate,
            useful: self.ledger.record(today, site).useful_ms / 1000.0,
            prompt: self
                .prompting
                .card
                .as_ref()
                .filter(|c| c.tab == tab)
                .map(|c| PromptView {
                    minutes: c.minutes,
                    variant: self.prompts_today(today) % 3,
                }),
            stops_in,
            presence_s: stops_in.map(|_| limits.idle_ms / 1000.0),
            language: self.settings.language,
            arabic_digits: self.settings.arabic_digits,
            mark_minutes: mark_offer(
                self.settings.prompt_minutes,
                self.today_ms(site, now, zone) - self.ledger.record(today, site).useful_ms,
            ),
            minimized: self.settings.overlay_minimized.contains(site),
            saved: self
                .finds
                .saved
                .as_ref()
                .filter(|s| s.tab == tab && now - s.at < SAVED_SHOWN_MS)
                .map(|s| SavedView {
                    shown_s: (SAVED_SHOWN_MS - (now - s.at)) / 1000.0,
                    ..s.view.clone()
                }),
            goal: self.goal_view(tab, now, zone),
            refused_s: self.guard.refused_note_s(tab, now),
            decided: self.guard.decided(tab),
        })
    }

    /// The ledger with the open run counted up to `now`.
    pub(super) fn ledger_now(&self, now: f64, zone: &impl Zone) -> Ledger {
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
            ruled: self.pages.ruled(),
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
        popup.finds = self.finds.finds.newest(5);
        popup.finds_total = self.finds.finds.len();
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
        weekly.finds = self.finds.finds.newest(usize::MAX);
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

    /// When the week's alarm rings: a minute after the current week ends,
    /// so the week is over when its notification is decided.
    pub fn week_alarm_at(&self, now: f64, zone: &impl Zone, locale: &str) -> f64 {
        self.week_ends_at(now, zone, locale) + 60_000.0
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
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    /// The popup is answered from the days a starting worker reads
    /// (`store::recent_days`): in any zone, day start and week start, it
    /// shows what the whole history would.
    #[test]
    fn the_popup_needs_only_the_days_a_starting_worker_reads() {
        let day = 86_400_000.0;
        for offset in [-12 * 60, -5 * 60, 0, 5 * 60 + 30, 14 * 60] {
            let zone = FixedZone(offset);
            for day_start_hour in [0, 6] {
                for locale in ["en-US", "en-GB", "ar-EG"] {
                    for at in 0..7 {
                        let now = T0 + f64::from(at) * day + f64::from(at) * 3.3 * 3_600_000.0;
                        let settings = Settings {
                            day_start_hour,
                            ..Settings::default()
                        };
                        let calendar = settings.calendar();
                        let mut whole = Ledger::default();
                        let mut recent = Ledger::default();
                        let window = crate::store::recent_days(now);
                        for back in 0..60 {
                            let date = calendar.day_of(now, &zone).add_days(-back);
                            let rec = whole.record_mut(date, "x");
                            rec.attention_ms = 60_000.0 * (back + 1) as f64;
                            rec.ads_viewable = back as u64;
                            rec.ads_rendered = back as u64;
                            if window.contains(&date) {
                                *recent.record_mut(date, "x") = *rec;
                            }
                        }
                        let popup = |ledger: Ledger| {
                            Tracker::new(settings.clone(), ledger, None, &zone)
                                .popup(now, &zone, locale)
                        };
                        assert_eq!(
                            popup(recent),
                            popup(whole),
                            "zone {offset} min, day start {day_start_hour}, {locale}, day {at}"
                        );
                    }
                }
            }
        }
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
        // The alarm rings a minute into the next week (Monday, en-GB).
        let alarm = t.week_alarm_at(now, &Z, "en-GB");
        assert_eq!(alarm, t.week_ends_at(now, &Z, "en-GB") + 60_000.0);
        let next = t.settings().calendar().day_of(alarm, &Z);
        assert_eq!(next.weekday(), crate::calendar::Weekday::Monday);
    }

    #[test]
    fn the_badge_shows_todays_time_and_turns_red_past_the_goal() {
        let mut t = tracker();
        assert_eq!(
            t.badge(T0, &Z),
            Badge {
                text: String::new(),
                past_goal: false
            }
        );
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        present_for(&mut t, 1, T0, 120);
        let badge = t.badge(T0 + 120_000.0, &Z);
        assert_eq!((badge.text.as_str(), badge.colour()), ("2m", "#102a2e"));
        let mut s = t.settings().clone();
        s.daily_goal_minutes = 1;
        t.set_settings(s, T0 + 120_000.0, &Z).unwrap();
        let badge = t.badge(T0 + 120_000.0, &Z);
        assert!(badge.past_goal);
        assert_eq!(badge.colour(), "#b3261e");
        assert!(!badge_due(0.0, 59_999.0, false));
        assert!(badge_due(0.0, 60_000.0, false));
        assert!(badge_due(0.0, 1.0, true), "counting started or stopped");
    }

    #[test]
    fn the_panel_offers_the_last_n_minutes_only_once_n_were_counted() {
        assert_eq!(mark_offer(10, 45_000.0), 0);
        assert_eq!(mark_offer(10, 599_999.0), 0);
        assert_eq!(mark_offer(10, 600_000.0), 10);
        assert_eq!(mark_offer(0, 720_000.0), 10, "prompts off: ten minutes");
        assert_eq!(mark_offer(1, 60_000.0), 1);
        // Under a minute counted at the default interval: nothing offered;
        // ten minutes later, the last ten are.
        let mut t = tracker();
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        present_for(&mut t, 1, T0, 45);
        assert_eq!(
            t.overlay_state(1, T0 + 45_000.0, &Z).unwrap().mark_minutes,
            0
        );
        present_for(&mut t, 1, T0 + 45_000.0, 600);
        let state = t.overlay_state(1, T0 + 645_000.0, &Z).unwrap();
        assert_eq!(state.mark_minutes, 10);
        // Once marked, the offer waits for ten more.
        t.mark_useful(1, 10, T0 + 645_000.0, &Z);
        let marked = t.overlay_state(1, T0 + 645_000.0, &Z).unwrap();
        assert_eq!(marked.mark_minutes, 0);
        // The offer going or coming is news to the overlay.
        let mut withdrawn = state.clone();
        withdrawn.mark_minutes = 0;
        assert!(worth_sending(&(state, 0.0), &withdrawn, 0.0));
    }

    fn state(seconds: f64, counting: bool) -> OverlayState {
        let mut t = tracker();
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        let mut s = t.overlay_state(1, T0, &Z).unwrap();
        s.seconds = seconds;
        s.counting = counting;
        s.stops_in = counting.then_some(60.0);
        s
    }

    #[test]
    fn an_overlay_state_is_sent_only_when_it_differs_from_what_the_overlay_shows() {
        let sent = (state(10.0, true), 0.0);
        // A click refused: its note is news; the same note ticking down is
        // not; a second refusal while it is up is.
        let mut refused = state(10.0, true);
        refused.refused_s = Some(5.0);
        assert!(worth_sending(&sent, &refused, 0.0));
        let shown = (refused.clone(), 0.0);
        let mut later = state(12.0, true);
        later.refused_s = Some(3.0);
        assert!(!worth_sending(&shown, &later, 2000.0));
        later.refused_s = Some(5.0);
        assert!(worth_sending(&shown, &later, 2000.0));
        // The overlay ticks on its own while counting.
        assert!(!worth_sending(&sent, &state(13.0, true), 3000.0));
        assert!(worth_sending(&sent, &state(15.0, true), 3000.0));
        assert!(worth_sending(&sent, &state(13.0, false), 3000.0));
        let mut more_ads = state(13.0, true);
        more_ads.ads += 1;
        assert!(worth_sending(&sent, &more_ads, 3000.0));
        let mut ads_now_counted = state(13.0, true);
        ads_now_counted.ads_counted = !ads_now_counted.ads_counted;
        assert!(worth_sending(&sent, &ads_now_counted, 3000.0));
        // Stopped: its clock stands; a deadline that moves far is news.
        let stopped = (state(10.0, false), 0.0);
        assert!(!worth_sending(&stopped, &state(10.5, false), 3000.0));
        let mut later_stop = state(13.0, true);
        later_stop.stops_in = Some(70.0);
        assert!(worth_sending(&sent, &later_stop, 3000.0));
    }
}
