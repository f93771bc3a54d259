//! The price card past the daily goal: once today's time sold on tracked
//! sites passes the person's goal, opening or returning to a tracked site
//! shows what the day has cost, and three choices.
//!
//! ```text
//! goal 60 min, sold 59 min, open x        -> nothing
//! goal 60 min, sold 61 min, open x        -> card: "You have sold 1 h 1 min today — ≈ $0.41"
//!   Continue 10 minutes -> no card anywhere until 10 min later, then again
//!   Open my week        -> the summary opens; no card for 10 min either
//!   Leave               -> the tab closes; another site asks again
//! ```
//! One card at a time: never beside the "useful?" card, never while a video
//! the person started plays, never on a paused site, off with one switch.

use serde::{Deserialize, Serialize};

use super::{Reaction, Tracker};
use crate::attention::TabId;
use crate::calendar::Zone;
use crate::protocol::GoalView;

/// "Continue 10 minutes" holds the card back this long, on every site.
pub const CONTINUE_MS: f64 = 10.0 * 60_000.0;

/// What the person chose on the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GoalChoice {
    /// "Continue 10 minutes".
    Continue,
    /// "Open my week".
    Week,
    /// "Leave": the tab closes.
    Leave,
}

/// The card on screen: in which tab, since when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoalCard {
    pub tab: TabId,
    pub shown_at: f64,
}

/// What a worker restart must not lose of the card: the card up, and the
/// snooze (kept with the prompt's stretches, in `storage.session`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Goaled {
    pub card: Option<GoalCard>,
    /// No card before this instant (ms since the epoch); 0: none.
    pub snoozed_until: f64,
}

/// Everything the card's decision looks at, at one moment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moment {
    /// The daily goal, minutes (0: none).
    pub goal_minutes: u32,
    /// The options' switch for the card.
    pub card_on: bool,
    /// Time sold today on tracked sites together (attention − useful).
    pub sold_ms: f64,
    pub snoozed_until: f64,
    pub now: f64,
    /// The page is tracked (its site neither off nor paused) and in view.
    pub tracked: bool,
    /// A video the person started plays on it.
    pub media: bool,
    /// The "useful?" card is up (on any tab).
    pub prompt_up: bool,
}

/// Whether opening or returning to a page shows the card.
///
/// ```text
/// goal 60, sold 59:59             -> false     sold 60:00 -> true
/// goal 0 (none), or switch off    -> false
/// snoozed until 10:00, now 9:59   -> false     now 10:00  -> true
/// paused or hidden page, video playing, "useful?" card up -> false
/// ```
pub fn due(m: &Moment) -> bool {
    m.goal_minutes > 0
        && m.card_on
        && m.sold_ms >= f64::from(m.goal_minutes) * 60_000.0
        && m.now >= m.snoozed_until
        && m.tracked
        && !m.media
        && !m.prompt_up
}

/// The snooze after `choice` made at `now`: "Continue" holds every card
/// back [`CONTINUE_MS`], and so does "Open my week" (coming back from the
/// week is not met by the card again at once); "Leave" closes the tab and
/// leaves it as it was: opening another site at once asks again.
///
/// ```text
/// Continue or Week at 1000 -> 601 000     Leave at 1000, snoozed 0 -> 0
/// ```
pub fn snooze_after(choice: GoalChoice, now: f64, snoozed_until: f64) -> f64 {
    match choice {
        GoalChoice::Continue | GoalChoice::Week => now + CONTINUE_MS,
        GoalChoice::Leave => snoozed_until,
    }
}

impl Tracker {
    /// Time sold today on every tracked site together, the open run
    /// included: what the card compares with the goal.
    pub fn sold_today_ms(&self, now: f64, zone: &impl Zone) -> f64 {
        let today = self.settings.calendar().day_of(now, zone);
        let useful: f64 = self
            .ledger
            .day(today)
            .map_or(0.0, |d| d.values().map(|r| r.useful_ms).sum());
        (self.today_total_ms(now, zone) - useful).max(0.0)
    }

    /// `tab` was opened or came back into view (a new page, shown,
    /// focused): the card comes up there if it is due, or follows the
    /// person from another tab if it was left unanswered.
    pub(super) fn returned(&mut self, tab: TabId, now: f64, zone: &impl Zone) {
        let Some(site) = self.attention.site_of(tab) else {
            return;
        };
        let in_view = self.attention.in_view(tab);
        let media = self
            .attention
            .run()
            .is_some_and(|r| r.tab == tab && r.media);
        if let Some(card) = self.prompting.goal.card.as_mut() {
            if in_view && !media && card.tab != tab {
                card.tab = tab;
                self.outbox.urgent();
            }
            return;
        }
        let moment = Moment {
            goal_minutes: self.settings.daily_goal_minutes,
            card_on: self.settings.goal_card,
            sold_ms: self.sold_today_ms(now, zone),
            snoozed_until: self.prompting.goal.snoozed_until,
            now,
            tracked: in_view && self.settings.tracks(site, now),
            media,
            prompt_up: self.prompting.card.is_some(),
        };
        if due(&moment) {
            self.prompting.goal.card = Some(GoalCard { tab, shown_at: now });
            self.outbox.urgent();
        }
    }

    /// The tab of the card closed, or everything was deleted: the card goes
    /// unanswered (returning asks again).
    pub(super) fn goal_tab_closed(&mut self, tab: TabId) {
        if self
            .prompting
            .goal
            .card
            .as_ref()
            .is_some_and(|c| c.tab == tab)
        {
            self.prompting.goal.card = None;
            self.outbox.urgent();
        }
    }

    /// The card as `tab`'s overlay shows it, if it is up there.
    pub(super) fn goal_view(&self, tab: TabId, now: f64, zone: &impl Zone) -> Option<GoalView> {
        self.prompting.goal.card.as_ref().filter(|c| c.tab == tab)?;
        let today = self.settings.calendar().day_of(now, zone);
        // Ads are booked as they are seen: the ledger has today's already.
        let takes: Vec<_> = self
            .ledger
            .day(today)
            .into_iter()
            .flatten()
            .filter_map(|(site, rec)| self.take(rec.ads_viewable, site))
            .collect();
        Some(GoalView {
            sold_s: self.sold_today_ms(now, zone) / 1000.0,
            take: (!takes.is_empty()).then(|| takes.iter().map(|t| t.typical).sum()),
            own_cpm: takes.iter().any(|t| t.override_used),
        })
    }

    /// The person chose on the card in `tab`: counted on today's record of
    /// the tab's site, and the snooze set. A choice with no card up in that
    /// tab (stale, forged) changes nothing.
    pub fn goal_choice(
        &mut self,
        tab: TabId,
        choice: GoalChoice,
        now: f64,
        zone: &impl Zone,
    ) -> Reaction {
        if self.prompting.goal.card.take_if(|c| c.tab == tab).is_none() {
            return Reaction::Nothing;
        }
        self.prompting.goal.snoozed_until =
            snooze_after(choice, now, self.prompting.goal.snoozed_until);
        if let Some(site) = self.attention.site_of(tab).map(String::from) {
            let today = self.settings.calendar().day_of(now, zone);
            self.ledger.record_mut(today, &site).goal.add(choice);
            self.outbox.day(today);
        }
        self.outbox.urgent();
        match choice {
            GoalChoice::Continue => Reaction::Changed(None),
            GoalChoice::Week => Reaction::OpenWeek,
            GoalChoice::Leave => Reaction::CloseTab,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::protocol::OverlayRequest;

    const MIN: f64 = 60_000.0;

    fn moment() -> Moment {
        Moment {
            goal_minutes: 60,
            card_on: true,
            sold_ms: 60.0 * MIN,
            snoozed_until: 0.0,
            now: 1_000.0,
            tracked: true,
            media: false,
            prompt_up: false,
        }
    }

    #[test]
    fn the_card_is_due_once_time_sold_reaches_the_goal() {
        assert!(due(&moment()));
        assert!(!due(&Moment {
            sold_ms: 60.0 * MIN - 1.0,
            ..moment()
        }));
        assert!(!due(&Moment {
            goal_minutes: 0,
            ..moment()
        }));
        assert!(!due(&Moment {
            card_on: false,
            ..moment()
        }));
    }

    #[test]
    fn never_snoozed_paused_playing_or_beside_the_prompt() {
        assert!(!due(&Moment {
            snoozed_until: 1_001.0,
            ..moment()
        }));
        assert!(due(&Moment {
            snoozed_until: 1_000.0,
            ..moment()
        }));
        for m in [
            Moment {
                tracked: false,
                ..moment()
            },
            Moment {
                media: true,
                ..moment()
            },
            Moment {
                prompt_up: true,
                ..moment()
            },
        ] {
            assert!(!due(&m), "{m:?}");
        }
    }

    #[test]
    fn leave_alone_does_not_snooze() {
        assert_eq!(snooze_after(GoalChoice::Continue, 1_000.0, 0.0), 601_000.0);
        assert_eq!(snooze_after(GoalChoice::Week, 1_000.0, 5.0), 601_000.0);
        assert_eq!(snooze_after(GoalChoice::Leave, 1_000.0, 5.0), 5.0);
    }

    fn with_goal(minutes: u32) -> Tracker {
        let mut t = tracker();
        let mut s = t.settings().clone();
        s.daily_goal_minutes = minutes;
        s.prompt_minutes = 0;
        t.set_settings(s, T0, &Z).unwrap();
        t
    }

    fn card(t: &Tracker, tab: TabId, now: f64) -> Option<GoalView> {
        t.overlay_state(tab, now, &Z).unwrap().goal
    }

    #[test]
    fn past_the_goal_a_new_page_shows_the_card_and_continue_snoozes_it() {
        let mut t = with_goal(1);
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        present_for(&mut t, 1, T0, 70);
        assert!(card(&t, 1, T0 + 70_000.0).is_none(), "only on opening");
        let now = T0 + 71_000.0;
        t.sensor(2, hello("https://www.reddit.com/"), now, &Z)
            .unwrap();
        let shown = card(&t, 2, now).expect("the card on the new page");
        assert!((shown.sold_s - 71.0).abs() < 1.5, "{shown:?}");
        assert_eq!(shown.take, Some(0.0), "no ads yet: nothing taken");
        assert!(card(&t, 1, now).is_none(), "one card, in one tab");
        assert!(t.overlay_state(2, now, &Z).unwrap().needs_frame());
        // A forged or stale choice from another tab changes nothing.
        assert_eq!(
            t.goal_choice(1, GoalChoice::Leave, now, &Z),
            Reaction::Nothing
        );
        assert_eq!(
            t.overlay(
                2,
                OverlayRequest::Goal {
                    choice: GoalChoice::Continue,
                    click: SEEN,
                },
                now,
                &Z
            ),
            Reaction::Changed(None)
        );
        assert_eq!(t.prompting.goal.snoozed_until, now + CONTINUE_MS);
        assert!(card(&t, 2, now).is_none());
        // Returning within the snooze: no card, on any site.
        let back = |t: &mut Tracker, at: f64| {
            t.sensor(1, SensorEvent::Visibility { visible: true }, at, &Z)
                .unwrap();
            t.sensor(1, SensorEvent::Focus { focused: true }, at, &Z)
                .unwrap();
        };
        back(&mut t, now + CONTINUE_MS - 1.0);
        assert!(card(&t, 1, now + CONTINUE_MS - 1.0).is_none());
        back(&mut t, now + CONTINUE_MS);
        assert!(card(&t, 1, now + CONTINUE_MS).is_some(), "asked again");
        let row = t
            .export(now + CONTINUE_MS, &Z)
            .days
            .into_iter()
            .find(|r| r.site == "reddit")
            .unwrap();
        assert_eq!(row.goal.continued, 1);
    }

    #[test]
    fn the_choices_are_counted_and_say_what_the_background_does() {
        let mut t = with_goal(1);
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        present_for(&mut t, 1, T0, 65);
        let now = T0 + 66_000.0;
        t.sensor(1, hello("https://x.com/explore"), now, &Z)
            .unwrap();
        assert_eq!(
            t.goal_choice(1, GoalChoice::Leave, now, &Z),
            Reaction::CloseTab
        );
        assert_eq!(t.prompting.goal.snoozed_until, 0.0, "no snooze");
        t.sensor(2, hello("https://x.com/home"), now + 1.0, &Z)
            .unwrap();
        assert_eq!(
            t.goal_choice(2, GoalChoice::Week, now + 1.0, &Z),
            Reaction::OpenWeek
        );
        assert_eq!(t.prompting.goal.snoozed_until, now + 1.0 + CONTINUE_MS);
        let today = t.settings().calendar().day_of(now, &Z);
        let counts = t.ledger().record(today, "x").goal;
        assert_eq!((counts.continued, counts.week, counts.left), (0, 1, 1));
    }

    #[test]
    fn time_marked_useful_is_not_sold() {
        let mut t = with_goal(1);
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        present_for(&mut t, 1, T0, 90);
        t.mark_useful(1, 1, T0 + 90_000.0, &Z);
        let now = T0 + 91_000.0;
        assert!(t.sold_today_ms(now, &Z) < 60_000.0);
        t.sensor(1, hello("https://x.com/explore"), now, &Z)
            .unwrap();
        assert!(
            card(&t, 1, now).is_none(),
            "under the goal once useful is out"
        );
        assert!(t.past_goal(now, &Z), "the badge still counts attention");
    }

    #[test]
    fn no_card_while_a_video_plays_beside_the_prompt_or_switched_off() {
        let mut t = with_goal(1);
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        present_for(&mut t, 1, T0, 70);
        let now = T0 + 71_000.0;
        t.sensor(1, SensorEvent::Media { playing: true }, now, &Z)
            .unwrap();
        t.sensor(1, SensorEvent::Focus { focused: true }, now, &Z)
            .unwrap();
        assert!(card(&t, 1, now).is_none(), "a video plays");
        t.sensor(1, SensorEvent::Media { playing: false }, now, &Z)
            .unwrap();
        let mut s = t.settings().clone();
        s.goal_card = false;
        t.set_settings(s, now, &Z).unwrap();
        t.sensor(1, SensorEvent::Focus { focused: true }, now, &Z)
            .unwrap();
        assert!(card(&t, 1, now).is_none(), "switched off");
        let mut s = t.settings().clone();
        s.goal_card = true;
        t.set_settings(s, now, &Z).unwrap();
        t.sensor(1, SensorEvent::Focus { focused: true }, now, &Z)
            .unwrap();
        assert!(card(&t, 1, now).is_some());
        // While it is up, the "useful?" card waits.
        let mut s = t.settings().clone();
        s.prompt_minutes = 1;
        t.set_settings(s, now, &Z).unwrap();
        present_for(&mut t, 1, now, 70);
        let state = t.overlay_state(1, now + 70_000.0, &Z).unwrap();
        assert!(state.prompt.is_none() && state.goal.is_some());
    }

    #[test]
    fn the_card_and_its_snooze_survive_a_worker_restart() {
        let mut t = with_goal(1);
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        present_for(&mut t, 1, T0, 70);
        let now = T0 + 71_000.0;
        t.sensor(1, hello("https://x.com/explore"), now, &Z)
            .unwrap();
        t.goal_choice(1, GoalChoice::Continue, now, &Z);
        let saved = t.take_writes().prompted.expect("written");
        assert_eq!(saved.goal.snoozed_until, now + CONTINUE_MS);
        let again = Tracker::restored(t.settings().clone(), t.ledger().clone(), None, saved, &Z);
        assert_eq!(again.prompting.goal.snoozed_until, now + CONTINUE_MS);
    }
}
