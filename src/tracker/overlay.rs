//! What a page's overlay asks, decided: the card's answer, marking time or
//! a post useful, the site's choices, the frame's size and its closing.

use super::settings::OverlayChoice;
use super::Tracker;
use crate::attention::TabId;
use crate::calendar::Zone;
use crate::limits::{FRAME_MAX_HEIGHT, FRAME_MAX_WIDTH, FRAME_MIN_HEIGHT, FRAME_MIN_WIDTH};
use crate::protocol::{AskedBy, OverlayRequest, SensorCommand};

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
    /// A setting was refused (why, for the console).
    Refused(String),
    /// Relay this to the tab's sensor.
    Sensor(SensorCommand),
    /// Open the options page.
    OpenOptions,
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
    /// Applies a request from the overlay of `tab` (a port the background
    /// has checked is Thaman's own overlay page in that tab).
    pub fn overlay(
        &mut self,
        tab: TabId,
        request: OverlayRequest,
        now: f64,
        zone: &impl Zone,
    ) -> Reaction {
        let choose = |t: &mut Tracker, choice| match t.choose(tab, choice, now, zone) {
            None => Reaction::Nothing,
            Some(Ok(commands)) => Reaction::Settings(commands),
            Some(Err(err)) => Reaction::Refused(err.to_string()),
        };
        match request {
            OverlayRequest::Answer { answer, reasons } => {
                if self.answer(tab, answer, &reasons, now, zone) {
                    Reaction::Changed(None)
                } else {
                    Reaction::Nothing
                }
            }
            OverlayRequest::Size { width, height } => Reaction::Sensor(frame(width, height)),
            OverlayRequest::MarkUseful { minutes } => {
                self.mark_useful(tab, minutes, now, zone);
                Reaction::Changed(None)
            }
            OverlayRequest::Pause { span } => choose(self, OverlayChoice::Pause(span)),
            OverlayRequest::Hide => choose(self, OverlayChoice::Hide),
            OverlayRequest::Minimize { on } => choose(self, OverlayChoice::Minimize(on)),
            OverlayRequest::OpenOptions => Reaction::OpenOptions,
            OverlayRequest::MarkPost => self
                .ask_post_by(tab, AskedBy::Overlay, now)
                .map_or(Reaction::Nothing, Reaction::Sensor),
            OverlayRequest::Close => Reaction::Sensor(SensorCommand::CloseFrame),
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
    use crate::protocol::{PauseSpan, SensorEvent};

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
            ask(&mut t, OverlayRequest::Hide),
            Reaction::Nothing,
            "untracked"
        );
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        assert_eq!(
            ask(&mut t, OverlayRequest::OpenOptions),
            Reaction::OpenOptions
        );
        assert_eq!(
            ask(&mut t, OverlayRequest::Close),
            Reaction::Sensor(SensorCommand::CloseFrame),
            "the frame goes; the pill stays"
        );
        assert!(matches!(
            ask(&mut t, OverlayRequest::MarkPost),
            Reaction::Sensor(SensorCommand::FindPost { .. })
        ));
        assert_eq!(
            ask(
                &mut t,
                OverlayRequest::Pause {
                    span: PauseSpan::Hour
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
                    reasons: vec![]
                }
            ),
            Reaction::Nothing,
            "no card is up"
        );
    }
}
