//! report.html in a real browser: headless Chromium opens the report of two shipped
//! scenarios and the test reads, through the DevTools protocol, every request the page
//! makes, its console, and from the DOM every chart's size and caption; and takes a
//! screenshot of the whole page into the test's folder.
//!
//! Skipped, saying why, when no Chromium can be found (set `ENISIM_CHROMIUM` to a browser
//! binary). `.ci/run` installs Debian's chromium when missing and sets
//! `ENISIM_BROWSER_TEST=required`, so on CI a missing browser fails the test instead.

mod binary;

use binary::enisim;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// The longest any one exchange with the browser may take.
const PATIENCE: Duration = Duration::from_secs(20);

/// The browser to drive: `ENISIM_CHROMIUM`, else the first Chromium or Chrome on the PATH.
fn find_browser() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("ENISIM_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let names = [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ];
    let dirs = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&dirs)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// A headless Chromium driven over `--remote-debugging-pipe`: commands go in on its fd 3,
/// answers and events come out of its fd 4, one JSON message per NUL-terminated chunk.
struct Browser {
    child: Child,
    commands: io::PipeWriter,
    messages: Receiver<Value>,
    next_id: u64,
    /// Events received while waiting for answers, in order.
    events: Vec<Value>,
}

impl Browser {
    fn launch(binary: &Path, profile: &Path) -> io::Result<Browser> {
        let (to_browser, commands) = io::pipe()?;
        let (answers, from_browser) = io::pipe()?;
        let (inn, out) = (to_browser.as_raw_fd(), from_browser.as_raw_fd());
        let mut cmd = Command::new(binary);
        cmd.args([
            "--headless",
            "--remote-debugging-pipe",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--mute-audio",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        // SAFETY: between fork and exec only async-signal-safe calls (fcntl, dup2). The pipe
        // ends are first copied above fd 10, so that putting one at 3 cannot close the other.
        unsafe {
            cmd.pre_exec(move || {
                let a = libc::fcntl(inn, libc::F_DUPFD_CLOEXEC, 10);
                let b = libc::fcntl(out, libc::F_DUPFD_CLOEXEC, 10);
                if a < 0 || b < 0 || libc::dup2(a, 3) < 0 || libc::dup2(b, 4) < 0 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn()?;
        drop((to_browser, from_browser));
        let (tx, messages) = mpsc::channel();
        std::thread::spawn(move || read_messages(answers, tx));
        Ok(Browser {
            child,
            commands,
            messages,
            next_id: 0,
            events: Vec::new(),
        })
    }

    /// Sends `method` (to the page of `session`, if given) and waits for its answer.
    fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = session {
            message["sessionId"] = json!(s);
        }
        let mut bytes = message.to_string().into_bytes();
        bytes.push(0);
        self.commands
            .write_all(&bytes)
            .unwrap_or_else(|e| panic!("{method}: the browser is gone: {e}"));
        let deadline = Instant::now() + PATIENCE;
        loop {
            let m = self.next_message(deadline, method);
            if m["id"] == json!(id) {
                if let Some(error) = m.get("error") {
                    panic!("{method} failed: {error}");
                }
                return m["result"].clone();
            }
            self.events.push(m);
        }
    }

    /// Waits for the event `method` of `session`.
    fn wait_for(&mut self, session: &str, method: &str) -> Value {
        if let Some(i) = self
            .events
            .iter()
            .position(|e| e["method"] == method && e["sessionId"] == session)
        {
            return self.events[i].clone();
        }
        let deadline = Instant::now() + PATIENCE;
        loop {
            let m = self.next_message(deadline, method);
            self.events.push(m.clone());
            if m["method"] == method && m["sessionId"] == session {
                return m;
            }
        }
    }

    fn next_message(&mut self, deadline: Instant, waiting_for: &str) -> Value {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.messages.recv_timeout(left) {
            Ok(m) => m,
            Err(RecvTimeoutError::Timeout) => panic!("no answer to {waiting_for} in {PATIENCE:?}"),
            Err(RecvTimeoutError::Disconnected) => panic!("the browser closed its pipe"),
        }
    }

    /// Opens `url` in a new page of `width` CSS pixels and waits for its load event: the
    /// page's session and how long the load took.
    fn open(&mut self, url: &str, width: u32) -> (String, Duration) {
        let target = self.call(None, "Target.createTarget", json!({ "url": "about:blank" }));
        let attached = self.call(
            None,
            "Target.attachToTarget",
            json!({ "targetId": target["targetId"], "flatten": true }),
        );
        let session = attached["sessionId"].as_str().unwrap().to_string();
        let s = Some(session.as_str());
        for domain in ["Page", "Network", "Runtime", "Log"] {
            self.call(s, &format!("{domain}.enable"), json!({}));
        }
        self.call(
            s,
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": 900, "deviceScaleFactor": 1, "mobile": false }),
        );
        let start = Instant::now();
        self.call(s, "Page.navigate", json!({ "url": url }));
        self.wait_for(&session, "Page.loadEventFired");
        (session, start.elapsed())
    }

    /// The URL of every request the page of `session` made so far.
    fn requests(&self, session: &str) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| e["sessionId"] == session && e["method"] == "Network.requestWillBeSent")
            .map(|e| {
                e["params"]["request"]["url"]
                    .as_str()
                    .unwrap_or("")
                    .to_string()
            })
            .collect()
    }

    /// Errors the page of `session` reported: console and log errors, uncaught exceptions,
    /// resources that failed (a blocked request included).
    fn errors(&self, session: &str) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| e["sessionId"] == session)
            .filter_map(|e| match e["method"].as_str()? {
                "Log.entryAdded" if e["params"]["entry"]["level"] == "error" => {
                    Some(e["params"]["entry"]["text"].to_string())
                }
                "Runtime.exceptionThrown" => Some(e["params"]["exceptionDetails"].to_string()),
                "Runtime.consoleAPICalled" if e["params"]["type"] == "error" => {
                    Some(e["params"]["args"].to_string())
                }
                "Network.loadingFailed" => Some(e["params"].to_string()),
                _ => None,
            })
            .collect()
    }

    /// Evaluates `expression` in the page of `session`; it returns a JSON string.
    fn evaluate(&mut self, session: &str, expression: &str) -> Value {
        let r = self.call(
            Some(session),
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true }),
        );
        let text = r["result"]["value"]
            .as_str()
            .unwrap_or_else(|| panic!("not a string: {r}"));
        serde_json::from_str(text).unwrap()
    }

    /// A PNG of the whole page of `session`, written to `path`.
    fn screenshot(&mut self, session: &str, path: &Path) -> Vec<u8> {
        let r = self.call(
            Some(session),
            "Page.captureScreenshot",
            json!({ "format": "png", "captureBeyondViewport": true }),
        );
        let png = base64(r["data"].as_str().unwrap());
        fs::write(path, &png).unwrap();
        png
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self
            .commands
            .write_all(b"{\"id\":0,\"method\":\"Browser.close\"}\0");
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads NUL-terminated JSON messages until the browser closes its end.
fn read_messages(mut from: io::PipeReader, to: mpsc::Sender<Value>) {
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = [0u8; 1 << 16];
    while let Ok(n) = from.read(&mut buf) {
        if n == 0 {
            return;
        }
        pending.extend_from_slice(&buf[..n]);
        while let Some(end) = pending.iter().position(|&b| b == 0) {
            let message: Vec<u8> = pending.drain(..=end).collect();
            if let Ok(v) = serde_json::from_slice(&message[..end]) {
                if to.send(v).is_err() {
                    return;
                }
            }
        }
    }
}

/// Decodes standard base64.
fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let digits: Vec<u8> = text.bytes().filter(|&c| c != b'=').map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let mut n = 0u32;
        for (i, &d) in chunk.iter().enumerate() {
            n |= u32::from(d) << (18 - 6 * i);
        }
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

/// What the test reads from a report's DOM.
const INSPECT: &str = r#"JSON.stringify({
  viewport: document.documentElement.clientWidth,
  page_width: document.documentElement.scrollWidth,
  scripts: document.scripts.length,
  resources: performance.getEntriesByType('resource').map(e => e.name),
  figures: [...document.querySelectorAll('figure')].map(f => {
    const svg = f.querySelector('svg');
    const r = svg ? svg.getBoundingClientRect() : { width: 0, height: 0, right: 0 };
    const caption = f.querySelector('figcaption');
    return { id: f.id, width: r.width, height: r.height, right: r.right,
             caption: caption ? caption.textContent.trim() : '',
             texts: svg ? svg.querySelectorAll('text').length : 0 };
  }),
  sections: [...document.querySelectorAll('section.charts')].map(s => ({
    id: s.id, look: (s.querySelector('p.look') || { textContent: '' }).textContent.trim() })),
})"#;

#[test]
fn reports_open_in_a_real_browser_with_every_chart_and_nothing_fetched() {
    let Some(binary) = find_browser() else {
        let why = "no Chromium found (looked for chromium, chromium-browser, google-chrome \
                   on the PATH; set ENISIM_CHROMIUM to a browser binary, or run .ci/run as \
                   root on Debian to have chromium installed)";
        if std::env::var("ENISIM_BROWSER_TEST").as_deref() == Ok("required") {
            panic!("the browser test is required here, but {why}");
        }
        eprintln!("SKIPPED reports_open_in_a_real_browser: {why}");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut browser = Browser::launch(&binary, &tmp.path().join("profile"))
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));

    // The harness sees requests: a page that fetches a remote image and a local file, and one
    // whose content security policy blocks its image, are both caught.
    let control = tmp.path().join("control.html");
    fs::write(
        &control,
        "<html><body><img src=\"http://127.0.0.1:9/remote.png\">\
         <link rel=\"stylesheet\" href=\"local.css\"></body></html>",
    )
    .unwrap();
    let (session, _) = browser.open(&format!("file://{}", control.display()), 800);
    let seen = browser.requests(&session);
    assert!(
        seen.iter().any(|u| u == "http://127.0.0.1:9/remote.png"),
        "{seen:?}"
    );
    assert!(seen.iter().any(|u| u.ends_with("/local.css")), "{seen:?}");
    let blocked = tmp.path().join("blocked.html");
    fs::write(
        &blocked,
        "<html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\">\
         </head><body><img src=\"http://127.0.0.1:9/blocked.png\"></body></html>",
    )
    .unwrap();
    let (session, _) = browser.open(&format!("file://{}", blocked.display()), 800);
    let caught = browser.requests(&session).len() > 1 || !browser.errors(&session).is_empty();
    assert!(caught, "a request blocked by the page's policy still shows");

    for scenario in ["quickstart", "scale-up-storm"] {
        let out = tmp.path().join(scenario);
        enisim()
            .args([
                "run",
                &format!("scenarios/{scenario}.toml"),
                "--quiet",
                "--out",
            ])
            .arg(&out)
            .assert()
            .success();
        let report = out.join("report.html");
        let url = format!("file://{}", report.display());
        let (session, took) = browser.open(&url, 1200);
        eprintln!("{scenario}: report.html loaded in {took:?}");

        // Nothing leaves the file: the only request is the page itself, and nothing failed.
        assert_eq!(browser.requests(&session), [url.as_str()], "{scenario}");
        let errors = browser.errors(&session);
        assert!(errors.is_empty(), "{scenario}: {errors:?}");

        let dom = browser.evaluate(&session, INSPECT);
        assert_eq!(dom["scripts"], 0, "{scenario}");
        assert_eq!(dom["resources"], json!([]), "{scenario}");
        let viewport = dom["viewport"].as_f64().unwrap();
        assert_eq!(
            dom["page_width"].as_f64(),
            Some(viewport),
            "{scenario}: nothing wider than the window"
        );
        let charts: BTreeSet<String> = fs::read_dir(out.join("charts"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .map(|f| format!("fig-{}", f.trim_end_matches(".svg")))
            .collect();
        let figures = dom["figures"].as_array().unwrap();
        let shown: BTreeSet<String> = figures
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(shown, charts, "{scenario}: a figure per chart file");
        for f in figures {
            let (w, h) = (f["width"].as_f64().unwrap(), f["height"].as_f64().unwrap());
            let id = &f["id"];
            assert!(w >= 600.0 && h >= 100.0, "{scenario} {id}: {w} x {h}");
            assert!(
                f["right"].as_f64().unwrap() <= viewport,
                "{scenario} {id} overflows"
            );
            // A title and at least a sentence (an empty chart) or axis labels.
            assert!(
                f["texts"].as_u64().unwrap() >= 2,
                "{scenario} {id}: no text"
            );
            let caption = f["caption"].as_str().unwrap();
            assert!(
                caption.len() > 40 && caption.ends_with('.'),
                "{id}: {caption:?}"
            );
        }
        let sections = dom["sections"].as_array().unwrap();
        assert_eq!(sections.len(), 5, "{scenario}");
        for s in sections {
            let look = s["look"].as_str().unwrap();
            assert!(
                look.starts_with("What to look at:") && look.len() > 40,
                "{scenario} {}: {look:?}",
                s["id"]
            );
        }

        let png = browser.screenshot(&session, &tmp.path().join(format!("{scenario}.png")));
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{scenario}: a PNG");
        let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
        let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
        assert_eq!(width, 1200, "{scenario}");
        assert!(height > 3000, "{scenario}: the whole page, {height} px");
    }
}
