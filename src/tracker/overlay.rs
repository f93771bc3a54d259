//! What a page's overlay asks, decided: the card's answer, marking time or
//! a post useful, the site's choices, the frame's size and its closing.

use super::settings::OverlayChoice;
use super::Tracker;
use crate::attention::TabId;
use crate::calendar::Zone;
use crate::limits::{FRAME_MAX_HEIGHT, FRAME_MAX_WIDTH, FRAME_MIN_HEIGHT, FRAME_MIN_WIDTH};
use crate::protocol::{AskedBy, Click, OverlayRequest, Seen, SensorCommand};
use crate::settings::SettingsError;
use std::collections::BTreeMap;
use thiserror::Error;

/// What the background must do after an overlay's request.
#[derive(Debug, Clone, PartialEq)]
pub enum Reaction {
    /// Nothing changed.
    Nothing,
    /// The tracker changed: refresh the overlays (`Some`: that tab's only),
    /// write, re-arm the timers.
    Changed(Option<TabId>),
    /// The settings changed: tell each tab's sensor its command, refresh all.
    Settings(Vec<(TabId, SensorCommand)>),
    /// The request was refused (why, for the console).
    Refused(Refusal),
    /// Relay this to the tab's sensor.
    Sensor(SensorCommand),
    /// Open the options page.
    OpenOptions,
    /// Open the weekly summary (the goal card's "Open my week").
    OpenWeek,
    /// Close the tab (the goal card's "Leave").
    CloseTab,
}

/// Why an overlay's request was refused.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum Refusal {
    #[error("the counter was covered or hidden when clicked")]
    Covered,
    #[error("the look at the click came too late")]
    Late,
    #[error("the counter's setting was refused: {0}")]
    Setting(#[from] SettingsError),
}

/// How long a choice waits for the sensor's look at its click.
const LOOK_WAIT_MS: f64 = 3_000.0;

/// How long after the sensor raised the counter above a cover a choice is
/// refused: its click (300 ms to 2 s before the request) may have gone
/// through that cover.
const COVERED_SUSPECT_MS: f64 = 2_500.0;

/// How long the overlay tells the person their click was not taken.
pub const REFUSED_SHOWN_MS: f64 = 5_000.0;

/// What decides whether a click on the counter may count, per tab: choices
/// whose click the browser could not vouch for, each waiting for the
/// sensor to look at the click point (`check_click`), one a tab; when the
/// counter was last found covered (`covered`); when a choice was last
/// refused, for the note that says so; and how many choices were decided,
/// for the panel that waits for its own choice's answer.
#[derive(Debug, Default)]
pub struct ClickGuard {
    requests: BTreeMap<TabId, (OverlayRequest, f64)>,
    covered_at: BTreeMap<TabId, f64>,
    refused_at: BTreeMap<TabId, f64>,
    decided: BTreeMap<TabId, u32>,
}

impl ClickGuard {
    /// The sensor of `tab` raised its counter above a cover at `now`.
    pub fn covered(&mut self, tab: TabId, now: f64) {
        self.covered_at.insert(tab, now);
    }

    /// Seconds the note "your click was not taken" stays up in `tab` from
    /// `now`, while it does.
    ///
    /// ```text
    /// refused at 10 000, now 11 000 -> Some(4.0)     now 15 000 -> None
    /// never refused -> None
    /// ```
    pub fn refused_note_s(&self, tab: TabId, now: f64) -> Option<f64> {
        let left = REFUSED_SHOWN_MS - (now - self.refused_at.get(&tab)?);
        (left > 0.0).then_some(left / 1000.0)
    }

    /// How many choices in `tab` were decided, taken or refused.
    pub fn decided(&self, tab: TabId) -> u32 {
        self.decided.get(&tab).copied().unwrap_or(0)
    }

    /// A choice in `tab` was decided (`reaction`): counted, and when it was
    /// refused for its click, kept, to say so.
    fn decide(&mut self, tab: TabId, reaction: &Reaction, now: f64) {
        let count = self.decided.entry(tab).or_insert(0);
        *count = count.wrapping_add(1);
        if matches!(
            reaction,
            Reaction::Refused(Refusal::Covered | Refusal::Late)
        ) {
            self.refused_at.insert(tab, now);
        }
    }

    /// A choice in `tab` was taken: a note that an earlier one was not
    /// would now mislead.
    fn taken(&mut self, tab: TabId) {
        self.refused_at.remove(&tab);
    }

    /// Whether `tab`'s counter was found covered lately.
    ///
    /// ```text
    /// covered at 10 000, now 11 000 -> true     now 13 000 -> false
    /// ```
    fn lately_covered(&self, tab: TabId, now: f64) -> bool {
        self.covered_at
            .get(&tab)
            .is_some_and(|at| now - at <= COVERED_SUSPECT_MS)
    }

    /// `tab` closed.
    pub fn forget(&mut self, tab: TabId) {
        self.requests.remove(&tab);
        self.covered_at.remove(&tab);
        self.refused_at.remove(&tab);
        self.decided.remove(&tab);
    }
}

/// What a person's choice may do, by what was seen of its click.
///
/// ```text
/// Visible -> Apply     Obscured -> Refuse     Unknown -> Look (the sensor's check)
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Apply,
    Refuse,
    Look,
}

pub fn verdict(click: &Click) -> Verdict {
    match click.seen {
        Seen::Visible => Verdict::Apply,
        Seen::Obscured => Verdict::Refuse,
        Seen::Unknown => Verdict::Look,
    }
}

/// The overlay frame's size, within what a card or panel may take.
///
/// ```text
/// 300 × 200 -> 300 × 200     9999 × 1 -> 480 × 32     NaN × NaN -> 40 × 32
/// ```
pub fn frame(width: f64, height: f64) -> SensorCommand {
    let clamp = |v: f64, lo: f64, hi: f64| {
        if v.is_finite() {
            v.clamp(lo, hi) as u32
        } else {
            lo as u32
        }
    };
    SensorCommand::Frame {
        width: clamp(width, FRAME_MIN_WIDTH.into(), FRAME_MAX_WIDTH.into()),
        height: clamp(height, FRAME_MIN_HEIGHT.into(), FRAME_MAX_HEIGHT.into()),
    }
}

impl Tracker {
    /// Keeps `request` until the sensor has looked at its click.
    fn look(&mut self, tab: TabId, request: OverlayRequest, click: Click, now: f64) -> Reaction {
        self.guard.requests.insert(tab, (request, now));
        Reaction::Sensor(SensorCommand::CheckClick {
            x: if click.x.is_finite() { click.x } else { 0.0 },
            y: if click.y.is_finite() { click.y } else { 0.0 },
        })
    }

    /// The sensor looked at a click (`click_seen`): the request waiting for
    /// it is carried out if the counter was clear there, and fresh, with
    /// the reaction it would have had at once; refused else, and the
    /// overlay says so.
    pub fn click_seen(&mut self, tab: TabId, clear: bool, now: f64, zone: &impl Zone) -> Reaction {
        let waiting = self.guard.requests.contains_key(&tab);
        let reaction = self.looked(tab, clear, now, zone);
        if waiting {
            self.guard.decide(tab, &reaction, now);
        }
        reaction
    }

    fn looked(&mut self, tab: TabId, clear: bool, now: f64, zone: &impl Zone) -> Reaction {
        match self.guard.requests.remove(&tab) {
            None => Reaction::Nothing,
            Some(_) if !clear || self.guard.lately_covered(tab, now) => {
                Reaction::Refused(Refusal::Covered)
            }
            Some((_, at)) if now - at > LOOK_WAIT_MS => Reaction::Refused(Refusal::Late),
            Some((request, _)) => self.apply(tab, request, now, zone),
        }
    }

    /// Applies a request from the overlay of `tab` (a port the background
    /// has checked is Thaman's own overlay page in that tab). A person's
    /// choice goes only with a click on a counter seen whole; when refused
    /// for its click, the overlay says so.
    pub fn overlay(
        &mut self,
        tab: TabId,
        request: OverlayRequest,
        now: f64,
        zone: &impl Zone,
    ) -> Reaction {
        let Some(click) = request.click() else {
            return self.apply(tab, request, now, zone);
        };
        let judged = if self.guard.lately_covered(tab, now) {
            Verdict::Refuse
        } else {
            verdict(&click)
        };
        let reaction = match judged {
            Verdict::Apply => self.apply(tab, request, now, zone),
            Verdict::Refuse => Reaction::Refused(Refusal::Covered),
            // Held for the sensor's look: decided when it answers.
            Verdict::Look => return self.look(tab, request, click, now),
        };
        self.guard.decide(tab, &reaction, now);
        reaction
    }

    /// A request whose click, if it needs one, was seen.
    fn apply(
        &mut self,
        tab: TabId,
        request: OverlayRequest,
        now: f64,
        zone: &impl Zone,
    ) -> Reaction {
        if request.click().is_some() {
            self.guard.taken(tab);
        }
        let choose = |t: &mut Tracker, choice| match t.choose(tab, choice, now, zone) {
            None => Reaction::Nothing,
            Some(Ok(commands)) => Reaction::Settings(commands),
            Some(Err(err)) => Reaction::Refused(err.into()),
        };
        match request {
            OverlayRequest::Answer {
                answer, reasons, ..
            } => {
                if self.answer(tab, answer, &reasons, now, zone) {
                    Reaction::Changed(None)
                } else {
                    Reaction::Nothing
                }
            }
            OverlayRequest::Size { width, height } => Reaction::Sensor(frame(width, height)),
            OverlayRequest::MarkUseful { minutes, .. } => {
                self.mark_useful(tab, minutes, now, zone);
                Reaction::Changed(None)
            }
            OverlayRequest::Pause { span, .. } => choose(self, OverlayChoice::Pause(span)),
            OverlayRequest::Hide { .. } => choose(self, OverlayChoice::Hide),
            OverlayRequest::Minimize { on } => choose(self, OverlayChoice::Minimize(on)),
            OverlayRequest::OpenOptions => Reaction::OpenOptions,
            OverlayRequest::MarkPost { .. } => self
                .ask_post_by(tab, AskedBy::Overlay, now)
                .map_or(Reaction::Nothing, Reaction::Sensor),
            OverlayRequest::Close { seen_card } => {
                Reaction::Sensor(SensorCommand::CloseFrame { seen_card })
            }
            OverlayRequest::Goal { choice, .. } => self.goal_choice(tab, choice, now, zone),
            OverlayRequest::UndoFind { id } => {
                if self.undo_find(tab, id) {
                    Reaction::Changed(Some(tab))
                } else {
                    Reaction::Nothing
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::protocol::{Click, OverlayState, PauseSpan, Seen, SensorEvent};
    use crate::tracker::worth_sending;

    #[test]
    fn the_frame_stays_within_bounds() {
        assert_eq!(
            frame(300.0, 200.0),
            SensorCommand::Frame {
                width: 300,
                height: 200
            }
        );
        assert_eq!(
            frame(9999.0, 1.0),
            SensorCommand::Frame {
                width: 480,
                height: 32
            }
        );
        assert_eq!(
            frame(f64::NAN, f64::INFINITY),
            SensorCommand::Frame {
                width: 40,
                height: 32
            }
        );
    }

    #[test]
    fn a_pause_or_hide_clicked_on_a_covered_counter_changes_nothing() {
        let mut t = tracker();
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        let before = t.settings().clone();
        let covered = Click {
            seen: Seen::Obscured,
            ..SEEN
        };
        let r = t.overlay(
            1,
            OverlayRequest::Pause {
                span: PauseSpan::Today,
                click: covered,
            },
            T0,
            &Z,
        );
        assert!(matches!(r, Reaction::Refused(_)), "{r:?}");
        let r = t.overlay(1, OverlayRequest::Hide { click: covered }, T0, &Z);
        assert!(matches!(r, Reaction::Refused(_)), "{r:?}");
        assert_eq!(t.settings(), &before);
    }

    #[test]
    fn a_refused_click_is_told_in_its_tab_for_a_few_seconds() {
        let mut t = tracker();
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        t.sensor(2, hello("https://x.com/explore"), T0, &Z).unwrap();
        let note = |t: &Tracker, tab, at| t.overlay_state(tab, at, &Z).unwrap().refused_s;
        assert_eq!(note(&t, 1, T0), None);
        let covered = Click {
            seen: Seen::Obscured,
            ..SEEN
        };
        t.overlay(1, OverlayRequest::Hide { click: covered }, T0, &Z);
        assert_eq!(note(&t, 1, T0 + 1_000.0), Some(4.0));
        assert!(t.overlay_state(1, T0, &Z).unwrap().needs_frame());
        assert_eq!(note(&t, 2, T0 + 1_000.0), None, "only where it was clicked");
        assert_eq!(note(&t, 1, T0 + REFUSED_SHOWN_MS), None);
        // Too late a look: told too.
        let unknown = Click {
            seen: Seen::Unknown,
            ..SEEN
        };
        t.overlay(2, OverlayRequest::Hide { click: unknown }, T0, &Z);
        assert_eq!(note(&t, 2, T0 + 1_000.0), None, "not while it waits");
        t.click_seen(2, true, T0 + 5_000.0, &Z);
        assert_eq!(note(&t, 2, T0 + 5_000.0), Some(5.0));
        // A choice taken says nothing of the kind.
        t.overlay(1, OverlayRequest::Hide { click: SEEN }, T0 + 9_000.0, &Z);
        assert_eq!(note(&t, 1, T0 + 9_000.0), None);
        // Tried again, and taken, while the note is up: the note goes.
        t.sensor(3, hello("https://www.facebook.com/"), T0, &Z)
            .unwrap();
        let pause = |click| OverlayRequest::Pause {
            span: PauseSpan::Hour,
            click,
        };
        t.overlay(3, pause(covered), T0 + 10_000.0, &Z);
        assert_eq!(note(&t, 3, T0 + 11_000.0), Some(4.0));
        let r = t.overlay(3, pause(SEEN), T0 + 11_000.0, &Z);
        assert!(matches!(r, Reaction::Settings(_)), "{r:?}");
        // (Paused, the tab shows no counter: the guard says what it would.)
        assert_eq!(
            t.guard.refused_note_s(3, T0 + 11_000.0),
            None,
            "taken: no note of a refusal"
        );
    }

    #[test]
    fn the_overlay_is_told_each_choice_decided_not_before() {
        let mut t = tracker();
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        let decided = |t: &Tracker| t.overlay_state(1, T0, &Z).unwrap().decided;
        let mark = |click| OverlayRequest::MarkUseful { minutes: 1, click };
        assert_eq!(decided(&t), 0);
        // Taken at once, refused at once: each counts.
        t.overlay(1, mark(SEEN), T0, &Z);
        assert_eq!(decided(&t), 1);
        let covered = Click {
            seen: Seen::Obscured,
            ..SEEN
        };
        t.overlay(1, mark(covered), T0, &Z);
        assert_eq!(decided(&t), 2);
        // Held for the sensor's look: decided when the look comes.
        let unknown = Click {
            seen: Seen::Unknown,
            ..SEEN
        };
        t.overlay(1, mark(unknown), T0, &Z);
        assert_eq!(decided(&t), 2, "not while it waits");
        t.click_seen(1, true, T0 + 300.0, &Z);
        assert_eq!(decided(&t), 3);
        // A look nobody waits for decides nothing; nor does a request
        // without a click.
        t.click_seen(1, true, T0 + 400.0, &Z);
        t.overlay(1, OverlayRequest::Minimize { on: true }, T0, &Z);
        assert_eq!(decided(&t), 3);
        // The frame is sent the count's move even when nothing else moved.
        let sent = (t.overlay_state(1, T0, &Z).unwrap(), T0);
        let moved = OverlayState {
            decided: 4,
            ..sent.0.clone()
        };
        assert!(!worth_sending(&sent, &sent.0, T0));
        assert!(worth_sending(&sent, &moved, T0));
    }

    #[test]
    fn where_the_browser_cannot_tell_the_sensor_looks_at_the_click() {
        let mut t = tracker();
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        let unknown = Click {
            seen: Seen::Unknown,
            x: 40.0,
            y: 12.0,
        };
        let hide = |t: &mut Tracker| t.overlay(1, OverlayRequest::Hide { click: unknown }, T0, &Z);
        assert_eq!(
            hide(&mut t),
            Reaction::Sensor(SensorCommand::CheckClick { x: 40.0, y: 12.0 })
        );
        // Covered at that point: nothing.
        assert_eq!(
            t.click_seen(1, false, T0 + 400.0, &Z),
            Reaction::Refused(Refusal::Covered)
        );
        assert!(t.settings().overlay_hidden.is_empty());
        // A look nobody asked for (a second answer) does nothing either.
        assert_eq!(t.click_seen(1, true, T0 + 400.0, &Z), Reaction::Nothing);
        assert!(t.settings().overlay_hidden.is_empty());
        // Clear, but too late: nothing.
        hide(&mut t);
        assert_eq!(
            t.click_seen(1, true, T0 + 5_000.0, &Z),
            Reaction::Refused(Refusal::Late)
        );
        assert!(t.settings().overlay_hidden.is_empty());
        // Clear, at once: hidden, and the site's sensors are told.
        hide(&mut t);
        assert_eq!(
            t.click_seen(1, true, T0 + 300.0, &Z),
            Reaction::Settings(vec![(1, SensorCommand::Overlay { show: false })])
        );
        assert!(t.settings().overlay_hidden.contains("x"));
        // The look is the overlay's to answer, not the sensor's stream.
        assert!(t
            .sensor(1, SensorEvent::ClickSeen { clear: true }, T0, &Z)
            .is_err());
    }

    #[test]
    fn every_choice_that_changes_what_is_kept_needs_a_counter_seen_whole() {
        let mut t = tracker();
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        present_for(&mut t, 1, T0, 600); // some minutes, to mark useful
        let now = T0 + 601_000.0;
        let useful = |t: &Tracker| t.ledger().rows().map(|(_, _, r)| r.useful_ms).sum::<f64>();
        let covered = Click {
            seen: Seen::Obscured,
            ..SEEN
        };
        let unknown = Click {
            seen: Seen::Unknown,
            ..SEEN
        };
        let mark = |click| OverlayRequest::MarkUseful { minutes: 5, click };
        assert_eq!(
            t.overlay(1, mark(covered), now, &Z),
            Reaction::Refused(Refusal::Covered)
        );
        assert_eq!(
            t.overlay(1, OverlayRequest::MarkPost { click: covered }, now, &Z),
            Reaction::Refused(Refusal::Covered)
        );
        assert_eq!(useful(&t), 0.0, "nothing marked through a cover");
        // Unknown: held for the sensor's look, then done with its reaction.
        assert!(matches!(
            t.overlay(1, mark(unknown), now, &Z),
            Reaction::Sensor(SensorCommand::CheckClick { .. })
        ));
        assert_eq!(useful(&t), 0.0, "not before the look");
        assert_eq!(
            t.click_seen(1, true, now + 300.0, &Z),
            Reaction::Changed(None)
        );
        assert!(useful(&t) > 0.0, "marked once the counter was seen clear");
        t.overlay(1, OverlayRequest::MarkPost { click: unknown }, now, &Z);
        assert!(matches!(
            t.click_seen(1, true, now + 300.0, &Z),
            Reaction::Sensor(SensorCommand::FindPost { .. })
        ));
        // The sensor raised the counter above a cover: a choice just after
        // is refused, though the frame saw itself whole; later, taken.
        // A held choice, the cover found while the sensor is asked: refused.
        t.overlay(1, mark(unknown), now, &Z);
        t.sensor(1, SensorEvent::Covered {}, now + 100.0, &Z)
            .unwrap();
        assert_eq!(
            t.click_seen(1, true, now + 300.0, &Z),
            Reaction::Refused(Refusal::Covered)
        );
        assert_eq!(
            t.overlay(1, mark(SEEN), now + 400.0, &Z),
            Reaction::Refused(Refusal::Covered)
        );
        assert_eq!(
            t.overlay(1, mark(SEEN), now + 3_000.0, &Z),
            Reaction::Changed(None)
        );
        // What needs no person's click goes at once, whatever its state.
        assert_eq!(
            t.overlay(1, OverlayRequest::OpenOptions, now, &Z),
            Reaction::OpenOptions
        );
    }

    #[test]
    fn a_fold_on_the_pill_is_kept_for_the_site() {
        let mut t = tracker();
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        let shown = |t: &Tracker| t.overlay_state(1, T0, &Z).unwrap().minimized;
        assert!(!shown(&t));
        t.sensor(1, SensorEvent::Fold { on: true }, T0, &Z).unwrap();
        assert!(shown(&t), "folded to a dot");
        assert!(t.settings().overlay_minimized.contains("x"));
        t.sensor(1, SensorEvent::Fold { on: false }, T0, &Z)
            .unwrap();
        assert!(!shown(&t), "unfolded");
    }

    #[test]
    fn each_request_gets_its_reaction() {
        let mut t = tracker();
        let ask = |t: &mut Tracker, r| t.overlay(1, r, T0, &Z);
        assert_eq!(
            ask(&mut t, OverlayRequest::Hide { click: SEEN }),
            Reaction::Nothing,
            "untracked"
        );
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        assert_eq!(
            ask(&mut t, OverlayRequest::OpenOptions),
            Reaction::OpenOptions
        );
        assert_eq!(
            ask(&mut t, OverlayRequest::Close { seen_card: true }),
            Reaction::Sensor(SensorCommand::CloseFrame { seen_card: true }),
            "the frame goes; the pill stays"
        );
        assert!(matches!(
            ask(&mut t, OverlayRequest::MarkPost { click: SEEN }),
            Reaction::Sensor(SensorCommand::FindPost { .. })
        ));
        assert_eq!(
            ask(
                &mut t,
                OverlayRequest::Pause {
                    span: PauseSpan::Hour,
                    click: SEEN,
                }
            ),
            Reaction::Settings(vec![(
                1,
                SensorCommand::Sleep {
                    until: Some(T0 + 3_600_000.0)
                }
            )])
        );
        assert_eq!(
            ask(
                &mut t,
                OverlayRequest::Answer {
                    answer: crate::prompt::Answer::Useful,
                    reasons: vec![],
                    click: SEEN,
                }
            ),
            Reaction::Nothing,
            "no card is up"
        );
    }
}
