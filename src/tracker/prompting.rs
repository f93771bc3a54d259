//! Prompting: per site, the stretch of attention not yet asked about; the
//! one card on screen; and useful time, from the card's answer or from
//! "mark the last N minutes useful".

use std::collections::{BTreeMap, BTreeSet};

use super::{Tracker, Upto};
use crate::attention::{Span, TabId};
use crate::calendar::{Calendar, Date, Zone};
use serde::{Deserialize, Serialize};

use crate::prompt::{self, Answer, Card, Due, Reason, Stretch};

/// What of the prompt a worker restart must not lose: the stretches and
/// the card on screen. Kept in `storage.session` (gone with the browser).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Prompted {
    pub stretches: BTreeMap<String, Stretch>,
    pub card: Option<Card>,
    /// The price card past the daily goal, and its snooze.
    #[serde(default)]
    pub goal: super::goal::Goaled,
}

#[derive(Debug)]
pub(super) struct Prompting {
    /// Per site, the attention not yet asked about.
    stretches: BTreeMap<String, Stretch>,
    /// The one prompt card on screen, if any.
    pub card: Option<Card>,
    /// The price card past the daily goal: one card at a time with this one.
    pub goal: super::goal::Goaled,
    last_typing: f64,
}

impl Default for Prompting {
    fn default() -> Self {
        Prompting {
            stretches: BTreeMap::new(),
            card: None,
            goal: super::goal::Goaled::default(),
            last_typing: f64::NEG_INFINITY,
        }
    }
}

impl Prompting {
    /// Starts where a stopped worker left off.
    pub fn restored(saved: Prompted) -> Prompting {
        Prompting {
            stretches: saved.stretches,
            card: saved.card,
            goal: saved.goal,
            ..Prompting::default()
        }
    }

    /// What a restart must find again.
    pub fn saved(&self) -> Prompted {
        Prompted {
            stretches: self.stretches.clone(),
            card: self.card.clone(),
            goal: self.goal.clone(),
        }
    }

    pub fn len(&self) -> usize {
        self.stretches.len()
    }

    /// A page of `site` opened: its stretch starts, unless one is under way.
    pub fn page_of(&mut self, site: &str, now: f64) {
        self.stretches
            .entry(site.to_string())
            .or_insert_with(|| Stretch::new(now));
    }

    /// An input; typing holds the card back.
    pub fn input(&mut self, typing: bool, now: f64) {
        if typing {
            self.last_typing = now;
        }
    }

    /// A counted span joins its site's stretch (only what came after the
    /// stretch began).
    pub fn book(&mut self, span: &Span, calendar: &Calendar, zone: &impl Zone) {
        if let Some(stretch) = self.stretches.get_mut(&span.site) {
            for (date, ms) in calendar.split(span.start.max(stretch.since), span.end, zone) {
                *stretch.by_day.entry(date).or_default() += ms;
            }
        }
    }

    /// `site`'s stretch starts over at `now` (asked, answered, or marked).
    pub fn start_over(&mut self, site: String, now: f64) {
        self.stretches.insert(site, Stretch::new(now));
    }

    /// Every stretch starts over (everything was deleted).
    pub fn restart(&mut self, now: f64) {
        self.stretches
            .values_mut()
            .for_each(|s| *s = Stretch::new(now));
        self.card = None;
        self.goal = super::goal::Goaled::default();
    }
}

impl Tracker {
    /// The site's stretch not yet asked about, per day, the open run
    /// included up to `now`.
    fn stretch_by_day(
        &self,
        site: &str,
        upto: Upto,
        now: f64,
        zone: &impl Zone,
    ) -> BTreeMap<Date, f64> {
        let Some(stretch) = self.prompting.stretches.get(site) else {
            return BTreeMap::new();
        };
        let mut days = stretch.by_day.clone();
        add_days(
            &mut days,
            self.open_run(site, stretch.since, upto, now, zone),
        );
        days
    }

    /// Prompts shown today on every site together.
    pub(super) fn prompts_today(&self, today: Date) -> u32 {
        self.ledger
            .day(today)
            .map_or(0, |d| d.values().map(|r| r.prompts).sum())
    }

    /// Shows or expires the prompt card (after every change).
    pub(super) fn check_prompt(&mut self, now: f64, zone: &impl Zone) {
        // One card at a time: the goal's card, while up, holds this one back.
        if self.prompting.card.is_none() && self.prompting.goal.card.is_some() {
            return;
        }
        let counting = self.attention.run().map(|r| (r.tab, r.site.clone()));
        let today = self.settings.calendar().day_of(now, zone);
        let shown_today = self.prompts_today(today);
        let (stretch_ms, ask_at) = match &counting {
            Some((_, site)) => (
                self.stretch_by_day(site, Upto::Live, now, zone)
                    .values()
                    .sum(),
                self.prompting
                    .stretches
                    .get(site)
                    .map_or(f64::INFINITY, |s| s.ask_at_ms(self.settings.prompt_minutes)),
            ),
            None => (0.0, f64::INFINITY),
        };
        let tab = counting.as_ref().map(|(tab, site)| (*tab, site.as_str()));
        let s = &self.settings;
        match prompt::due(
            self.prompting.card.as_ref(),
            tab,
            stretch_ms,
            ask_at,
            s.prompt_minutes,
            shown_today,
            s.prompt_daily_cap,
            self.prompting.last_typing,
            now,
        ) {
            Due::Nothing => {}
            Due::Show(card) => {
                self.ledger.record_mut(today, &card.site).prompts += 1;
                self.outbox.day(today);
                self.prompting.card = Some(card);
            }
            Due::Expire(card) => {
                // Unrated: the stretch stays sold; a new one starts.
                self.prompting.card = None;
                self.prompting.start_over(card.site, now);
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
        let Some(card) = self.prompting.card.take_if(|c| c.tab == tab) else {
            return false;
        };
        // The open run moves on to `now` first, so a later break cannot
        // cut it back before the answer.
        self.attend(zone, |a, limits| a.tick(now, limits));
        match answer {
            Answer::Useful => {
                for (date, ms) in self.stretch_by_day(&card.site, Upto::Certain, now, zone) {
                    self.ledger.record_mut(date, &card.site).useful_ms += ms;
                    self.outbox.day(date);
                }
                let today = self.settings.calendar().day_of(now, zone);
                let rec = self.ledger.record_mut(today, &card.site);
                let mut seen = BTreeSet::new();
                for reason in reasons.iter().filter(|r| seen.insert(**r)) {
                    rec.reasons.add(*reason);
                }
                self.outbox.day(today);
                self.prompting.start_over(card.site, now);
            }
            Answer::NotUseful => self.prompting.start_over(card.site, now),
            Answer::Later => {
                let so_far: f64 = self
                    .stretch_by_day(&card.site, Upto::Live, now, zone)
                    .values()
                    .sum();
                if let Some(stretch) = self.prompting.stretches.get_mut(&card.site) {
                    stretch.snoozed_to_ms = Some(so_far + prompt::SNOOZE_MS);
                }
            }
        }
        self.outbox.urgent();
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
        self.attend(zone, |a, limits| a.tick(now, limits));
        let today = self.settings.calendar().day_of(now, zone);
        let certain = self.open_run_today(&site, Upto::Certain, now, zone);
        let rec = self.ledger.record(today, &site);
        let open = (rec.attention_ms + certain - rec.useful_ms).max(0.0);
        let marked = open.min(f64::from(minutes.min(24 * 60)) * 60_000.0);
        if marked > 0.0 {
            self.ledger.record_mut(today, &site).useful_ms += marked;
            self.outbox.day(today);
            self.outbox.urgent();
        }
        self.prompting.start_over(site.clone(), now);
        if self.prompting.card.as_ref().is_some_and(|c| c.site == site) {
            self.prompting.card = None;
        }
        marked / 1000.0
    }
}

/// Per-day amounts added into `into`.
fn add_days(into: &mut BTreeMap<Date, f64>, days: Vec<(Date, f64)>) {
    for (date, ms) in days {
        *into.entry(date).or_default() += ms;
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

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
