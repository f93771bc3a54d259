//! The pill's words, formatted in the worker (the core's language, digits
//! and `Intl`) for the page's sensor, which only draws them and ticks the
//! clock between two states.

use super::{i18n, intl};
use crate::format::with_digits;
use crate::protocol::{OverlayState, PillView};
use crate::summary::OWN_CPM_MARK;

/// What the pill in a page shows for `state`.
pub fn view(state: &OverlayState) -> PillView {
    let ads = if state.ads_counted {
        intl::counted("overlayAds", state.ads, &[])
    } else {
        String::new()
    };
    let (take, take_detail) = match &state.take {
        Some(t) => {
            let money = |usd: f64| intl::cash(usd, &state.currency, state.usd_rate);
            let source = if t.override_used {
                i18n::message("takeOwnCpm")
            } else {
                t.source.clone()
            };
            let mut short = i18n::message_with(
                "takeShort",
                &[&intl::cash_short(
                    t.typical,
                    &state.currency,
                    state.usd_rate,
                )],
            );
            // The person's own price, marked as theirs (the title says so).
            if t.override_used {
                short.push_str(OWN_CPM_MARK);
            }
            (
                short,
                i18n::message_with("takeDetail", &[&money(t.low), &money(t.high), &source]),
            )
        }
        None => (String::new(), String::new()),
    };
    PillView {
        lang: i18n::locale(),
        rtl: i18n::rtl(),
        site: i18n::site_name(&state.site),
        label: i18n::message("overlaySoldToday"),
        ads,
        take,
        take_detail,
        sold_s: state.sold(),
        counting: state.counting,
        stops_in: state.stops_in,
        presence_s: state.presence_s,
        digits: with_digits("0123456789", i18n::digits()),
        minimized: state.minimized,
        name: i18n::message(if state.minimized {
            "overlayUnfold"
        } else {
            "overlayLabel"
        }),
        fold: i18n::message("overlayFold"),
        frame_title: i18n::message("overlayFrameTitle"),
        card: state.needs_frame(),
    }
}
