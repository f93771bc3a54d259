//! Attention: when one page's time counts, and how much has counted.
//!
//! The foundation rule is "the page is visible"; the full rule (focused
//! window, presence by input or media, idle threshold) grows here.

/// What the sensor last said about a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PageSignals {
    /// `document.visibilityState == "visible"`.
    pub visible: bool,
}

impl PageSignals {
    /// Whether time on this page counts right now.
    pub fn counts(&self) -> bool {
        self.visible
    }
}

/// A running total of counted milliseconds for one page.
///
/// ```text
/// start(0) .. stop(4000) .. start(10000) .. total_ms(12500) = 6500
/// ```
/// A clock that jumps back never makes the total shrink or go negative.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Stopwatch {
    banked_ms: f64,
    since_ms: Option<f64>,
}

impl Stopwatch {
    /// Starts or stops counting at `now_ms`; repeating a state is a no-op.
    pub fn set_running(&mut self, running: bool, now_ms: f64) {
        match (self.since_ms, running) {
            (None, true) => self.since_ms = Some(now_ms),
            (Some(since), false) => {
                self.banked_ms += elapsed(since, now_ms);
                self.since_ms = None;
            }
            _ => {}
        }
    }

    /// Whether the stopwatch is counting.
    pub fn running(&self) -> bool {
        self.since_ms.is_some()
    }

    /// Total counted up to `now_ms`.
    pub fn total_ms(&self, now_ms: f64) -> f64 {
        self.banked_ms + self.since_ms.map_or(0.0, |since| elapsed(since, now_ms))
    }
}

/// Milliseconds from `from` to `to`; zero when the clock went back.
fn elapsed(from: f64, to: f64) -> f64 {
    let d = to - from;
    if d.is_finite() && d > 0.0 {
        d
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_only_while_running() {
        let mut sw = Stopwatch::default();
        sw.set_running(true, 0.0);
        sw.set_running(false, 4000.0);
        assert_eq!(sw.total_ms(9000.0), 4000.0);
        sw.set_running(true, 10_000.0);
        assert_eq!(sw.total_ms(12_500.0), 6500.0);
    }

    #[test]
    fn repeated_start_does_not_restart() {
        let mut sw = Stopwatch::default();
        sw.set_running(true, 0.0);
        sw.set_running(true, 3000.0);
        assert_eq!(sw.total_ms(5000.0), 5000.0);
    }

    #[test]
    fn clock_going_back_adds_nothing() {
        let mut sw = Stopwatch::default();
        sw.set_running(true, 10_000.0);
        assert_eq!(sw.total_ms(5000.0), 0.0);
        sw.set_running(false, 2000.0);
        assert_eq!(sw.total_ms(20_000.0), 0.0);
        sw.set_running(true, f64::NAN);
        assert_eq!(sw.total_ms(30_000.0), 0.0);
    }

    #[test]
    fn hidden_pages_do_not_count() {
        assert!(PageSignals { visible: true }.counts());
        assert!(!PageSignals { visible: false }.counts());
    }
}
