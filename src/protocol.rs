//! Messages between the page's sensor, the overlay and the background core.
//!
//! Everything from a page is decoded here into typed values; anything that
//! does not decode is refused before it reaches the core.

use serde::{Deserialize, Serialize};

/// What the content-script sensor reports (port name `sensor`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum SensorEvent {
    /// First message on a port: where the sensor is and what it sees.
    Hello { url: String, visible: bool },
    /// `visibilitychange`.
    Visibility { visible: bool },
    /// Sent while the page counts, so the worker stays awake and in sync.
    Heartbeat {},
}

/// The core's answer to a sensor's `hello`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SensorCommand {
    /// Track this page and show the overlay.
    Track { site: String },
    /// Not a tracked page: the sensor stops and removes itself.
    Ignore,
}

/// What the overlay shows; sent on every change, ticked locally between.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverlayState {
    pub site: String,
    /// Seconds counted on this page so far.
    pub seconds: f64,
    /// Whether `seconds` is advancing right now.
    pub counting: bool,
}

/// Messages from the core to an overlay (port name `overlay`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OverlayUpdate {
    State(OverlayState),
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decode(v: serde_json::Value) -> Result<SensorEvent, serde_json::Error> {
        serde_json::from_value(v)
    }

    #[test]
    fn sensor_events_decode() {
        assert_eq!(
            decode(json!({"type": "hello", "url": "https://x.com/", "visible": true})).unwrap(),
            SensorEvent::Hello { url: "https://x.com/".into(), visible: true }
        );
        assert_eq!(decode(json!({"type": "visibility", "visible": false})).unwrap(), SensorEvent::Visibility { visible: false });
        assert_eq!(decode(json!({"type": "heartbeat"})).unwrap(), SensorEvent::Heartbeat {});
    }

    #[test]
    fn malformed_events_are_refused() {
        assert!(decode(json!({"type": "visibility", "visible": "yes"})).is_err());
        assert!(decode(json!({"type": "visibility"})).is_err());
        assert!(decode(json!({"type": "launch_missiles"})).is_err());
        assert!(decode(json!({"type": "heartbeat", "extra": 1})).is_err());
        assert!(decode(json!(42)).is_err());
    }

    #[test]
    fn overlay_update_wire_shape() {
        let u = OverlayUpdate::State(OverlayState { site: "x".into(), seconds: 2.5, counting: true });
        assert_eq!(
            serde_json::to_value(&u).unwrap(),
            json!({"type": "state", "site": "x", "seconds": 2.5, "counting": true})
        );
        assert_eq!(serde_json::to_value(SensorCommand::Ignore).unwrap(), json!({"type": "ignore"}));
    }
}
