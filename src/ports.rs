//! Who is at the other end of a port, from what the browser says about it
//! (`chrome.runtime.Port.sender`), never from what the page says: a social
//! page (or its compromised renderer) can run code in the content script's
//! world and open any port by any name.

use serde::Deserialize;

use crate::attention::TabId;

/// `chrome.runtime.MessageSender`, as much as is needed (the browser adds
/// more fields as it likes: they are ignored).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct PortSender {
    pub url: Option<String>,
    pub origin: Option<String>,
    #[serde(rename = "frameId")]
    pub frame_id: Option<i64>,
    pub tab: Option<SenderTab>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct SenderTab {
    pub id: Option<TabId>,
    pub url: Option<String>,
}

/// Who a port is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// The sensor in a tab's top frame, on the page at `url`.
    Sensor { tab: TabId, url: String },
    /// Thaman's own overlay page, framed in a tab.
    Overlay { tab: TabId },
}

/// The port named `name` from `sender`, `extension` being the extension's
/// base URL (`chrome.runtime.getURL("")`); `None`: refused.
///
/// ```text
/// "sensor",  top frame of https://x.com/home          -> Sensor(x.com/home)
/// "overlay", frame 7, chrome-extension://id/overlay.html?edge=end
///                                                      -> Overlay
/// "overlay", top frame of https://x.com/home          -> None (a content script)
/// ```
pub fn caller(name: &str, sender: &PortSender, extension: &str) -> Option<Caller> {
    let tab = sender.tab.as_ref()?.id?;
    match name {
        "sensor" => {
            let url = sender
                .url
                .clone()
                .or_else(|| sender.tab.as_ref()?.url.clone())?;
            (sender.frame_id == Some(0)).then_some(Caller::Sensor { tab, url })
        }
        "overlay" => {
            let page = sender
                .url
                .as_deref()?
                .strip_prefix(extension)
                .filter(|_| extension.ends_with('/'))?;
            let origin = extension.trim_end_matches('/');
            let ours = page.split(['?', '#']).next() == Some("overlay.html")
                && sender.origin.as_deref().is_none_or(|o| o == origin)
                && sender.frame_id.is_some_and(|f| f != 0);
            ours.then_some(Caller::Overlay { tab })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXT: &str = "chrome-extension://ohnaalgachifdjhbceagihidhpnjnlib/";

    fn sender(url: &str, origin: Option<&str>, frame: i64) -> PortSender {
        PortSender {
            url: Some(url.into()),
            origin: origin.map(String::from),
            frame_id: Some(frame),
            tab: Some(SenderTab {
                id: Some(4),
                url: Some("https://x.com/home".into()),
            }),
        }
    }

    #[test]
    fn the_sensor_is_a_tabs_top_frame_and_its_page_is_the_browsers_url() {
        assert_eq!(
            caller("sensor", &sender("https://x.com/home", None, 0), EXT),
            Some(Caller::Sensor {
                tab: 4,
                url: "https://x.com/home".into()
            })
        );
        assert_eq!(
            caller("sensor", &sender("https://ads.example/", None, 3), EXT),
            None,
            "a subframe"
        );
        let mut no_url = sender("", None, 0);
        no_url.url = None;
        assert_eq!(
            caller("sensor", &no_url, EXT),
            Some(Caller::Sensor {
                tab: 4,
                url: "https://x.com/home".into()
            }),
            "the tab's URL when the frame's is not given"
        );
        let mut no_tab = sender("https://x.com/", None, 0);
        no_tab.tab = None;
        assert_eq!(caller("sensor", &no_tab, EXT), None);
        assert_eq!(
            caller("other", &sender("https://x.com/", None, 0), EXT),
            None
        );
    }

    #[test]
    fn only_thamans_own_overlay_page_in_a_frame_is_the_overlay() {
        let overlay = format!("{EXT}overlay.html?edge=end");
        let origin = EXT.trim_end_matches('/');
        assert_eq!(
            caller("overlay", &sender(&overlay, Some(origin), 7), EXT),
            Some(Caller::Overlay { tab: 4 })
        );
        assert_eq!(
            caller("overlay", &sender(&overlay, None, 7), EXT),
            Some(Caller::Overlay { tab: 4 }),
            "Firefox gives no origin"
        );
        // A content script on the page: the page's URL, the top frame.
        assert_eq!(
            caller(
                "overlay",
                &sender("https://x.com/home", Some("https://x.com"), 0),
                EXT
            ),
            None
        );
        // Another page of Thaman's, another extension, a look-alike path,
        // a mismatched origin, the top frame, an unknown base.
        for (url, origin, frame, ext) in [
            (format!("{EXT}popup.html"), None, 7, EXT),
            (
                "chrome-extension://other/overlay.html".to_string(),
                None,
                7,
                EXT,
            ),
            (format!("{EXT}overlay.html/../popup.html"), None, 7, EXT),
            (format!("{EXT}xoverlay.html"), None, 7, EXT),
            (overlay.clone(), Some("https://x.com"), 7, EXT),
            (overlay.clone(), Some(origin), 0, EXT),
            (overlay.clone(), None, 7, ""),
        ] {
            assert_eq!(
                caller("overlay", &sender(&url, origin, frame), ext),
                None,
                "{url} {origin:?} {frame} {ext:?}"
            );
        }
    }
}
