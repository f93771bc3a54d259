//! The tracker's side of finds ("mark this post useful"): the asks sent to
//! sensors, the posts kept, the cap, and the overlay's confirmation.

use std::collections::BTreeMap;

use super::{Tracker, TrackerError};
use crate::attention::{Signal, TabId};
use crate::calendar::{iso_utc, Zone};
use crate::finds::{Draft, Finds};
use crate::prompt::Answer;
use crate::protocol::{AskedBy, SavedView, SensorCommand, Shortcut};
use crate::summary::Notice;

/// An ask unanswered this long is given up (the page went away).
const ASK_WAIT_MS: f64 = 2000.0;
/// The same post saved again within this long is the same find.
const SAME_FIND_MS: u64 = 10_000;
/// How long "Saved as useful — undo" stays in the overlay.
pub const SAVED_SHOWN_MS: f64 = 8000.0;

/// The last "mark this post useful", for its overlay's confirmation.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Saved {
    pub tab: TabId,
    pub at: f64,
    pub view: SavedView,
}

#[derive(Debug)]
pub(super) struct Keeper {
    pub finds: Finds,
    /// Per tab, the `find_post` ask its sensor has yet to answer, and when.
    asks: BTreeMap<TabId, (u32, f64)>,
    next_ask: u32,
    pub saved: Option<Saved>,
    /// The "mark this post useful" keys, for the sensors to watch.
    pub shortcut: Option<Shortcut>,
}

impl Default for Keeper {
    fn default() -> Self {
        Keeper {
            finds: Finds::default(),
            asks: BTreeMap::new(),
            next_ask: 1,
            saved: None,
            shortcut: Shortcut::parse("Alt+Shift+U"),
        }
    }
}

impl Keeper {
    pub fn asks(&self) -> usize {
        self.asks.len()
    }

    /// A new ask for `tab`'s sensor, unless one went out moments ago (one
    /// press seen twice, or pressed again before the answer).
    fn ask(&mut self, tab: TabId, now: f64) -> Option<u32> {
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
        Some(ask)
    }

    fn confirm(&mut self, tab: TabId, now: f64, id: Option<u64>) {
        self.saved = Some(Saved {
            tab,
            at: now,
            view: SavedView {
                id,
                dropped: 0,
                shown_s: 0.0,
                no_post: false,
            },
        });
    }
}

impl Tracker {
    /// The keys the person set for "mark this post useful" (none: unset).
    pub fn set_shortcut(&mut self, shortcut: Option<Shortcut>) {
        self.finds.shortcut = shortcut;
    }

    /// The useful finds the store held.
    pub fn with_finds(mut self, finds: Finds) -> Tracker {
        self.finds.finds = finds;
        self
    }

    /// Every useful find, oldest first.
    pub fn finds(&self) -> &Finds {
        &self.finds.finds
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
        let ask = self.finds.ask(tab, now)?;
        Some(SensorCommand::FindPost { ask, by })
    }

    /// The sensor of `tab` found no post in view for `ask`: nothing is
    /// kept, and its overlay says so.
    pub(super) fn no_post(&mut self, tab: TabId, ask: u32, now: f64) -> Result<(), TrackerError> {
        if self.finds.asks.get(&tab).map(|(a, _)| *a) != Some(ask) {
            return Err(TrackerError::UnaskedPost(tab));
        }
        self.finds.asks.remove(&tab);
        self.finds.confirm(tab, now, None);
        if let Some(saved) = self.finds.saved.as_mut() {
            saved.view.no_post = true;
        }
        Ok(())
    }

    /// The sensor of `tab` answered `ask` with its post: kept as a find
    /// (past the cap the oldest go). The person acted, so this is also
    /// presence, and answers a prompt card up in that tab as useful.
    /// A post nobody asked for is refused.
    pub(super) fn save_find(
        &mut self,
        tab: TabId,
        ask: u32,
        draft: Draft,
        now: f64,
        zone: &impl Zone,
    ) -> Result<(), TrackerError> {
        if self.finds.asks.get(&tab).map(|(a, _)| *a) != Some(ask) {
            return Err(TrackerError::UnaskedPost(tab));
        }
        self.finds.asks.remove(&tab);
        let site = self
            .attention
            .site_of(tab)
            .ok_or(TrackerError::UnknownTab(tab))?
            .to_string();
        self.signal(tab, Signal::Input, now, zone);
        let id = self.finds.finds.next_id(now);
        let date = self.settings.calendar().day_of(now, zone);
        let result = draft.into_find(&site, id, iso_utc(now), date);
        self.finds.confirm(tab, now, result.is_ok().then_some(id));
        let find = result.map_err(|error| TrackerError::Find { tab, error })?;
        // The same post again within moments is one find, confirmed again.
        if let Some(last) = self
            .finds
            .finds
            .all()
            .last()
            .filter(|l| l.url == find.url && l.site == find.site && (id - l.id) < SAME_FIND_MS)
        {
            let last = last.id;
            self.finds.confirm(tab, now, Some(last));
            return Ok(());
        }
        let dropped = self.finds.finds.add(find, self.settings.finds_cap as usize);
        if dropped > 0 {
            self.finds_dropped(dropped);
        }
        self.outbox.finds();
        self.outbox.urgent();
        if self.prompting.card.as_ref().is_some_and(|c| c.tab == tab) {
            self.answer(tab, Answer::Useful, &[], now, zone);
        }
        Ok(())
    }

    /// Tells the overlay and the popup that the oldest finds went.
    pub(super) fn finds_dropped(&mut self, count: usize) {
        if let Some(saved) = &mut self.finds.saved {
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

    /// "Undo" in `tab`'s overlay: only the find that overlay confirmed.
    pub fn undo_find(&mut self, tab: TabId, id: u64) -> bool {
        let confirmed = self
            .finds
            .saved
            .as_ref()
            .is_some_and(|s| s.tab == tab && s.view.id == Some(id));
        confirmed && self.delete_find(id)
    }

    /// Deletes find `id` (the person's delete button, or undo).
    pub fn delete_find(&mut self, id: u64) -> bool {
        let removed = self.finds.finds.remove(id);
        if removed {
            self.outbox.finds();
            self.outbox.urgent();
            self.finds.saved = self.finds.saved.take().filter(|s| s.view.id != Some(id));
        }
        removed
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::protocol::SensorEvent;

    fn post(ask: u32, url: &str) -> SensorEvent {
        SensorEvent::Post {
            ask,
            url: url.into(),
            author: "Layla".into(),
            text: "Finished the book".into(),
        }
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
    fn an_overlay_undoes_only_the_find_it_just_confirmed() {
        let mut t = tracker();
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        t.sensor(2, hello("https://x.com/home"), T0, &Z).unwrap();
        let save = |t: &mut Tracker, tab, n: u32, at: f64| {
            let Some(SensorCommand::FindPost { ask, .. }) = t.ask_post(tab, at) else {
                panic!()
            };
            t.sensor(
                tab,
                post(ask, &format!("https://x.com/a/status/{n}")),
                at,
                &Z,
            )
            .unwrap();
            t.finds().all().last().unwrap().id
        };
        let first = save(&mut t, 1, 1, T0);
        let second = save(&mut t, 1, 2, T0 + 20_000.0);
        assert!(!t.undo_find(1, first), "an older find");
        assert!(!t.undo_find(2, second), "another tab's");
        assert_eq!(t.finds().len(), 2);
        assert!(t.undo_find(1, second));
        assert!(!t.undo_find(1, second), "once");
        assert_eq!(t.finds().len(), 1);
        assert!(t.delete_find(first), "the person's delete button may");
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
}
