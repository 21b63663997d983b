//! `report.html` in a real browser: headless Chromium (Debian's `chromium`
//! package, which `.ci/run` installs) loads the report of
//! `scenarios/outage-at-peak.toml`; it must render with no console message,
//! every image must decode, and a screenshot must show the charts. A broken
//! report must fail the same check. Without Chromium the test says why it
//! skips, except under CI, where it fails.

use std::path::{Path, PathBuf};
use std::process::Command;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The browser: `$CHROMIUM`, or the first of Debian's and Google's names on PATH.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// What the browser saw of a page: its DOM after load and its console.
struct Visit {
    dom: String,
    console: Vec<String>,
}

fn browser(chromium: &Path, profile: &Path) -> Command {
    let mut command = Command::new(chromium);
    command.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=10000",
    ]);
    command.arg(format!("--user-data-dir={}", profile.display()));
    command
}

fn visit(chromium: &Path, page: &Path, profile: &Path) -> Visit {
    let output =
        browser(chromium, profile).arg("--dump-dom").arg(format!("file://{}", page.display())).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "chromium failed:\n{stderr}");
    Visit {
        dom: String::from_utf8_lossy(&output.stdout).into_owned(),
        console: stderr.lines().filter(|l| l.contains("CONSOLE") || l.contains("Uncaught")).map(String::from).collect(),
    }
}

/// Whether a visit shows a sound report: no console message, every image decoded.
fn problems(visit: &Visit, images: usize) -> Vec<String> {
    let mut problems: Vec<String> = visit.console.iter().map(|l| format!("console: {l}")).collect();
    let expected = format!("data-images-loaded=\"{images}/{images}\"");
    if !visit.dom.contains(&expected) {
        let found = visit.dom.find("data-images-loaded").map(|i| &visit.dom[i..(i + 30).min(visit.dom.len())]);
        problems.push(format!("expected {expected}, found {found:?}"));
    }
    problems
}

#[test]
fn the_html_report_renders_in_a_real_browser() {
    let Some(chromium) = chromium() else {
        assert!(std::env::var_os("CI").is_none(), "CI needs Chromium: .ci/run installs Debian's chromium package");
        eprintln!("skipping the browser check: no chromium on PATH (install Debian's `chromium`, or set CHROMIUM)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let status = Command::new(env!("CARGO_BIN_EXE_ecs-sim"))
        .args(["run", "scenarios/outage-at-peak.toml", "--quiet", "--out"])
        .arg(&out)
        .current_dir(crate_dir())
        .status()
        .unwrap();
    assert!(status.success());
    let page = out.join("report.html");
    let html = std::fs::read_to_string(&page).unwrap();
    let images = html.matches("<img ").count();
    assert!(images >= 4, "the report shows its charts: {images}");
    let profile = dir.path().join("profile");

    let seen = visit(&chromium, &page, &profile);
    assert_eq!(problems(&seen, images), Vec::<String>::new());
    assert!(seen.dom.contains("Recommendation") && seen.dom.contains("<strong>n9</strong>"), "the DOM has the report");

    // The check can fail: a report with a corrupt image and a script error.
    let broken = dir.path().join("broken.html");
    let bad = html.replacen("base64,", "base64,AAAA", 1).replacen(
        "</main>",
        "<script>undefinedFunction();</script></main>",
        1,
    );
    std::fs::write(&broken, bad).unwrap();
    let seen = visit(&chromium, &broken, &profile);
    let found = problems(&seen, images);
    assert!(found.iter().any(|p| p.starts_with("console:")), "a script error is caught: {found:?}");
    assert!(
        found.iter().any(|p| p.contains(&format!("{}/{images}", images - 1))),
        "a broken image is caught: {found:?}"
    );

    // A screenshot of the top of the report: the page and its first chart drew.
    let shot = dir.path().join("report.png");
    let output = browser(&chromium, &profile)
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1280,4000")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((frame.width, frame.height), (1280, 4000));
    let channels = frame.color_type.samples();
    let pixels = &pixels[..frame.buffer_size()];
    let ink = pixels.chunks(channels).filter(|p| p[..3].iter().any(|&c| c < 200)).count();
    let share = ink as f64 / (frame.width * frame.height) as f64;
    assert!(share > 0.01, "the screenshot is nearly blank ({:.3} % ink)", 100.0 * share);
    // The charts' first colour (option n6's blue) is on the page.
    let blue = pixels.chunks(channels).filter(|p| p[0] == 31 && p[1] == 119 && p[2] == 180).count();
    assert!(blue > 100, "no chart colour in the screenshot ({blue} pixels)");
    if let Some(keep) = std::env::var_os("SCREENSHOT_OUT") {
        std::fs::copy(&shot, keep).unwrap();
    }
}
