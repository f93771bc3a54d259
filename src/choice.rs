//! A choice made in the overlay's panel, waiting for the core's answer.
//! The panel stays open until the answer comes, in one change of the
//! frame's size (not a frame closed and opened again); then it closes if
//! the choice was taken, or stays open beside the note that it was not,
//! for another try.

use crate::protocol::OverlayState;

/// How long the panel waits at most for the answer to its choice (the
/// sensor may be asked to look at the click first).
pub const ANSWER_WAIT_MS: f64 = 3_000.0;

/// A choice sent from the panel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Awaited {
    /// `performance.now()` when it was sent.
    pub sent_at: f64,
    /// Its answer is a note ("This post was useful": saved, or not).
    pub note: bool,
    /// The core's count of the tab's choices decided before the first of
    /// the choices still waiting was sent (`OverlayState::decided`).
    pub decided: u32,
    /// How many choices wait, this one the last: its answer is the count
    /// moved by as many.
    pub pending: u32,
}

/// What the panel does while a choice waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Panel {
    /// No answer yet: the panel stays as it is.
    Wait,
    /// Taken (or no answer in time): the panel closes.
    Close,
    /// Refused: the panel stays open beside the note, for another try.
    Stay,
}

/// Whether `state`, `elapsed_s` after it came, still tells of a click
/// refused.
///
/// ```text
/// refused_s 5, 1 s after it came -> true     6 s after -> false
/// ```
pub fn refusal_shown(state: &OverlayState, elapsed_s: f64) -> bool {
    state.refused_s.is_some_and(|s| elapsed_s < s)
}

impl Awaited {
    /// A choice sent at `sent_at`, the core's latest count of decided
    /// choices being `decided`, while `waiting` (an earlier choice) may
    /// still wait for its answer.
    ///
    /// ```text
    /// decided 4, none waiting                  -> decided 4, pending 1
    /// decided 4, one waiting (decided 4, 1)    -> decided 4, pending 2
    /// ```
    pub fn sent(sent_at: f64, note: bool, decided: u32, waiting: Option<Awaited>) -> Awaited {
        let (decided, pending) = waiting.map_or((decided, 1), |w| (w.decided, w.pending + 1));
        Awaited {
            sent_at,
            note,
            decided,
            pending,
        }
    }

    /// What the panel does at `now`, given the core's latest `state`
    /// (received at `received_at`) and whether the frame shows a note. The
    /// answer is the state whose count of decided choices moved; any other
    /// state (the ad count moved while the sensor looked at the click) is
    /// not.
    ///
    /// ```text
    /// sent with decided 0; state decided 0                 -> Wait
    /// state decided 1, nothing refused                     -> Close
    /// state decided 1, refused_s 5                         -> Stay
    /// two sent (pending 2); state decided 1                -> Wait
    /// no answer, 3 100 ms after it was sent                -> Close
    /// ```
    pub fn panel(
        &self,
        state: &OverlayState,
        received_at: f64,
        note_shown: bool,
        now: f64,
    ) -> Panel {
        // The count moved past the choices before this one; or back: a
        // restarted worker counts from 0 again.
        let moved = state.decided < self.decided || state.decided - self.decided >= self.pending;
        let answered = moved && (!self.note || note_shown);
        if !answered && now - self.sent_at <= ANSWER_WAIT_MS {
            Panel::Wait
        } else if refusal_shown(state, (now - received_at) / 1000.0) {
            Panel::Stay
        } else {
            Panel::Close
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> OverlayState {
        serde_json::from_str(r#"{"site": "x.com", "seconds": 60, "counting": true}"#).unwrap()
    }

    fn refused() -> OverlayState {
        OverlayState {
            refused_s: Some(5.0),
            ..state()
        }
    }

    const CHOICE: Awaited = Awaited {
        sent_at: 100.0,
        note: false,
        decided: 0,
        pending: 1,
    };

    fn decided(state: OverlayState) -> OverlayState {
        OverlayState {
            decided: 1,
            ..state
        }
    }

    #[test]
    fn the_panel_waits_for_the_answer_to_its_choice() {
        assert_eq!(CHOICE.panel(&state(), 50.0, false, 120.0), Panel::Wait);
    }

    #[test]
    fn a_choice_taken_closes_the_panel_and_one_refused_keeps_it_open() {
        let (taken, refused) = (decided(state()), decided(refused()));
        assert_eq!(CHOICE.panel(&taken, 150.0, false, 160.0), Panel::Close);
        assert_eq!(CHOICE.panel(&refused, 150.0, true, 160.0), Panel::Stay);
        // The note gone, the panel closes after all.
        assert_eq!(CHOICE.panel(&refused, 150.0, false, 6_000.0), Panel::Close);
    }

    #[test]
    fn a_post_marked_useful_waits_for_its_note() {
        let post = Awaited {
            note: true,
            ..CHOICE
        };
        let asked = decided(state());
        assert_eq!(post.panel(&asked, 150.0, false, 160.0), Panel::Wait);
        assert_eq!(post.panel(&asked, 150.0, true, 160.0), Panel::Close);
    }

    #[test]
    fn a_restarted_worker_counting_again_answers_too() {
        let sent = Awaited {
            decided: 7,
            ..CHOICE
        };
        assert_eq!(
            sent.panel(&decided(state()), 150.0, false, 160.0),
            Panel::Close
        );
    }

    #[test]
    fn a_state_sent_for_something_else_does_not_answer_the_choice() {
        // Firefox: the sensor looks at the click before the core decides;
        // meanwhile the ad count moves and the core sends a state.
        let sent = Awaited {
            decided: state().decided,
            ..CHOICE
        };
        let other = OverlayState { ads: 3, ..state() };
        assert_eq!(sent.panel(&other, 150.0, false, 160.0), Panel::Wait);
        // Then the look finds the counter covered: the choice is refused.
        let decided = OverlayState {
            decided: 1,
            ..refused()
        };
        assert_eq!(sent.panel(&decided, 250.0, true, 260.0), Panel::Stay);
    }

    #[test]
    fn a_second_choice_before_the_first_answer_waits_for_its_own() {
        let first = Awaited::sent(100.0, false, 0, None);
        let second = Awaited::sent(150.0, false, 0, Some(first));
        // The first choice's answer comes.
        assert_eq!(
            second.panel(&decided(state()), 160.0, false, 170.0),
            Panel::Wait
        );
        let both = OverlayState {
            decided: 2,
            ..refused()
        };
        assert_eq!(second.panel(&both, 180.0, true, 190.0), Panel::Stay);
    }

    #[test]
    fn without_an_answer_the_panel_closes_after_a_while() {
        assert_eq!(CHOICE.panel(&state(), 50.0, false, 3_000.0), Panel::Wait);
        assert_eq!(CHOICE.panel(&state(), 50.0, false, 3_200.0), Panel::Close);
    }
}
