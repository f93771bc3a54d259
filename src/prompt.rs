//! The prompt: after every N minutes of attention on a site, ask whether
//! those minutes were useful — at the right moment, never as a nuisance.
//!
//! ```text
//! attention on x   |---- 10 min ----|ask|---- 10 min ----|ask ...
//! answer Useful     -> those minutes become useful time (per day)
//! answer Not useful -> they stay sold; a new stretch starts
//! Ask me later      -> asked again after SNOOZE more minutes
//! no answer in 30 s -> the card goes away, unrated; a new stretch starts
//! ```
//! At most one card on screen across all tabs, a daily cap, never while
//! the person is typing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::calendar::Date;

/// How long a card stays up unanswered.
pub const CARD_MS: f64 = 30_000.0;
/// "Ask me later" asks again after this much more attention.
pub const SNOOZE_MS: f64 = 5.0 * 60_000.0;
/// Typing this recently defers the card.
pub const TYPING_QUIET_MS: f64 = 5_000.0;

/// What the person answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Useful,
    NotUseful,
    Later,
}

/// Why the time was useful (the source articles' four ways).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Learned,
    Work,
    People,
    Reach,
}

/// A card on screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Card {
    pub site: String,
    pub tab: i64,
    pub minutes: u32,
    pub shown_at: f64,
}

/// Per site: the stretch of attention not yet asked about.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stretch {
    /// The stretch started here: attention before it was asked about.
    pub since: f64,
    /// Booked attention in the stretch, per day (for useful time).
    pub by_day: BTreeMap<Date, f64>,
    /// After "Ask me later": ask once the stretch reaches this much
    /// attention. Otherwise the interval setting, as it is now, decides.
    pub snoozed_to_ms: Option<f64>,
}

impl Stretch {
    pub fn new(since: f64) -> Stretch {
        Stretch {
            since,
            by_day: BTreeMap::new(),
            snoozed_to_ms: None,
        }
    }

    /// Attention the stretch must reach before the card shows.
    pub fn ask_at_ms(&self, interval_min: u32) -> f64 {
        self.snoozed_to_ms
            .unwrap_or(f64::from(interval_min) * 60_000.0)
    }

    pub fn booked_ms(&self) -> f64 {
        self.by_day.values().sum()
    }
}

/// Why-useful counts of one day × site.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Reasons {
    pub learned: u32,
    pub work: u32,
    pub people: u32,
    pub reach: u32,
}

impl Reasons {
    pub fn add(&mut self, reason: Reason) {
        match reason {
            Reason::Learned => self.learned += 1,
            Reason::Work => self.work += 1,
            Reason::People => self.people += 1,
            Reason::Reach => self.reach += 1,
        }
    }
}

/// The schedule's decision for this moment.
#[derive(Debug, Clone, PartialEq)]
pub enum Due {
    Nothing,
    Show(Card),
    Expire(Card),
}

/// Whether to show a card now on `tab` (the counting tab, on `site`) with
/// `stretch_ms` of attention in the site's stretch.
///
/// ```text
/// interval 10 min, stretch 9:59 -> Nothing      stretch 10:00 -> Show
/// a card already up (any tab)  -> Nothing      shown 30 s ago -> Expire
/// typed 2 s ago                -> Nothing (it waits)
/// cap 6, 6 shown today         -> Nothing      interval 0 (off) -> Nothing
/// ```
#[allow(clippy::too_many_arguments)]
pub fn due(
    card: Option<&Card>,
    tab: Option<(i64, &str)>,
    stretch_ms: f64,
    ask_at_ms: f64,
    interval_min: u32,
    shown_today: u32,
    cap: u32,
    last_typing: f64,
    now: f64,
) -> Due {
    if let Some(card) = card {
        return if now - card.shown_at >= CARD_MS {
            Due::Expire(card.clone())
        } else {
            Due::Nothing
        };
    }
    let Some((tab, site)) = tab else {
        return Due::Nothing;
    };
    if interval_min == 0
        || shown_today >= cap
        || now - last_typing < TYPING_QUIET_MS
        || stretch_ms < ask_at_ms
    {
        return Due::Nothing;
    }
    Due::Show(Card {
        site: site.to_string(),
        tab,
        minutes: (stretch_ms / 60_000.0).round().max(1.0) as u32,
        shown_at: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: f64 = 60_000.0;

    fn at(stretch_min: f64, shown: u32, typed_ago_ms: f64) -> Due {
        due(
            None,
            Some((1, "x")),
            stretch_min * MIN,
            10.0 * MIN,
            10,
            shown,
            6,
            100_000.0 - typed_ago_ms,
            100_000.0,
        )
    }

    #[test]
    fn asks_once_the_stretch_reaches_the_interval() {
        assert_eq!(at(9.98, 0, 60_000.0), Due::Nothing);
        let Due::Show(card) = at(10.0, 0, 60_000.0) else {
            panic!()
        };
        assert_eq!((card.site.as_str(), card.tab, card.minutes), ("x", 1, 10));
    }

    #[test]
    fn waits_while_typing_and_respects_the_cap_and_off() {
        assert_eq!(at(12.0, 0, 2_000.0), Due::Nothing);
        assert_eq!(at(12.0, 6, 60_000.0), Due::Nothing);
        assert_eq!(
            due(
                None,
                Some((1, "x")),
                99.0 * MIN,
                10.0 * MIN,
                0,
                0,
                6,
                0.0,
                100_000.0
            ),
            Due::Nothing
        );
        assert_eq!(
            due(None, None, 99.0 * MIN, 10.0 * MIN, 10, 0, 6, 0.0, 100_000.0),
            Due::Nothing,
            "nothing counting"
        );
    }

    #[test]
    fn one_card_at_a_time_and_it_expires() {
        let card = Card {
            site: "reddit".into(),
            tab: 2,
            minutes: 10,
            shown_at: 0.0,
        };
        assert_eq!(
            due(
                Some(&card),
                Some((1, "x")),
                99.0 * MIN,
                10.0 * MIN,
                10,
                0,
                6,
                0.0,
                29_000.0
            ),
            Due::Nothing
        );
        assert_eq!(
            due(
                Some(&card),
                Some((1, "x")),
                99.0 * MIN,
                10.0 * MIN,
                10,
                0,
                6,
                0.0,
                30_000.0
            ),
            Due::Expire(card)
        );
    }
}
