//! `cargo xtask build-cost`: what a user pays to compile the SDK, against `openlark-hr`.
//!
//! Two throw-away binaries are written under `target/build-cost/`, each as small as a
//! program that uses its SDK can be:
//!
//! - `with-feishu-perf`: depends on this workspace's `feishu-perf` (every endpoint of the
//!   schema is in it; the generated crate has no features to leave any out), pinned to the
//!   workspace's `Cargo.lock`;
//! - `with-openlark-hr`: depends on `openlark-hr` 0.21 from crates.io, restricted to its
//!   `performance` and `okr` features (`default-features = false`).
//!
//! Both are fetched first, so downloads are not timed. Both use the same back end of the
//! `idna` crate (which `url`, and so `reqwest`, depends on): by default the latest
//! `idna_adapter` (ICU4X), as a new application gets; `--idna-adapter 1.1.0` pins both to the
//! unicode-rs back end instead, the choice the `idna_adapter` README leaves to applications
//! for faster builds. Then each is built from clean
//! (`cargo build`, the dev profile, its own empty target directory) in turn, `--runs` times,
//! alternating so that a change in the machine's load falls on both. For each build the
//! wall time, the CPU time of cargo and everything it ran (from the kernel's accounting of
//! waited-for children, Linux only), and, from `cargo build --timings`, the time spent on the
//! generated crate are printed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The published version compared against; its features are the two this SDK covers.
const OPENLARK_HR: &str = "=0.21.0";

struct Contender {
    name: &'static str,
    manifest: String,
    main: &'static str,
    lock: Option<PathBuf>,
}

struct Measure {
    wall: Duration,
    cpu: Option<Duration>,
    /// The generated crate's own compile time, from cargo's timings (units for the same
    /// crate summed: its check metadata and codegen).
    generated: Option<Duration>,
}

pub fn run(root: &Path, args: &[&str]) -> Result<(), String> {
    let mut runs = 1usize;
    let mut idna_adapter: Option<String> = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match *arg {
            "--runs" => {
                runs = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n > 0)
                    .ok_or("--runs takes a positive number")?;
            }
            "--idna-adapter" => {
                idna_adapter = Some(
                    it.next()
                        .filter(|v| {
                            !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.')
                        })
                        .ok_or("--idna-adapter takes a version, such as 1.1.0")?
                        .to_string(),
                );
            }
            other => return Err(format!("build-cost: unknown argument `{other}`")),
        }
    }
    let dir = root.join("target/build-cost");
    let sdk = root.display().to_string().replace('\\', "/");
    let contenders = [
        Contender {
            name: "with-feishu-perf",
            manifest: format!("[dependencies]\nfeishu-perf = {{ path = \"{sdk}\" }}\n"),
            main: "fn main() {\n    let client = feishu_perf::Client::builder()\n        .tenant_access_token(\"t-example\")\n        .build();\n    println!(\"{}\", client.is_ok());\n}\n",
            lock: Some(root.join("Cargo.lock")),
        },
        Contender {
            name: "with-openlark-hr",
            manifest: format!(
                "[dependencies]\nopenlark-hr = {{ version = \"{OPENLARK_HR}\", default-features = false, features = [\"performance\", \"okr\"] }}\n"
            ),
            main: "fn main() {\n    println!(\"{}\", std::mem::size_of::<openlark_hr::HrClient>());\n}\n",
            lock: None,
        },
    ];
    for c in &contenders {
        write_crate(&dir, c)?;
        let status = cargo(&dir.join(c.name))
            .arg("fetch")
            .status()
            .map_err(|e| format!("cargo fetch for {}: {e}", c.name))?;
        if !status.success() {
            return Err(format!("cargo fetch for {} failed", c.name));
        }
        // The same back end for both binaries: the latest (what a user gets by default), or
        // the one asked for.
        let mut update = cargo(&dir.join(c.name));
        update.args(["update", "--quiet", "-p", "idna_adapter"]);
        if let Some(version) = &idna_adapter {
            update.args(["--precise", version]);
        }
        let status = update
            .status()
            .map_err(|e| format!("cargo update -p idna_adapter for {}: {e}", c.name))?;
        if !status.success() {
            return Err(format!(
                "cargo update -p idna_adapter for {} failed",
                c.name
            ));
        }
    }
    println!(
        "clean `cargo build` (dev profile), {runs} run(s) each, alternating; idna_adapter {}; load average at start: {}",
        idna_adapter
            .as_deref()
            .unwrap_or("latest (ICU4X, the default)"),
        load_average()
    );
    let mut results: Vec<Vec<Measure>> = contenders.iter().map(|_| Vec::new()).collect();
    for run in 1..=runs {
        for (c, results) in contenders.iter().zip(&mut results) {
            let m = build(&dir.join(c.name))?;
            println!(
                "run {run} {:<17} wall {:>6.1} s  cpu {:>7}  generated crate {:>8}  (load {})",
                c.name,
                m.wall.as_secs_f64(),
                m.cpu
                    .map(|d| format!("{:.1} s", d.as_secs_f64()))
                    .unwrap_or_else(|| "n/a".into()),
                m.generated
                    .map(|d| format!("{:.1} s", d.as_secs_f64()))
                    .unwrap_or_else(|| "-".into()),
                load_average()
            );
            results.push(m);
        }
    }
    let best = |ms: &[Measure]| ms.iter().map(|m| m.wall).min().unwrap_or_default();
    let (ours, theirs) = (best(&results[0]), best(&results[1]));
    let share = results[0]
        .iter()
        .min_by_key(|m| m.wall)
        .and_then(|m| m.generated)
        .map(|g| format!("; the generated crate took {:.1} s of it", g.as_secs_f64()))
        .unwrap_or_default();
    println!(
        "best wall time: feishu-perf {:.1} s, openlark-hr (performance + okr) {:.1} s: {:.0}%{share}",
        ours.as_secs_f64(),
        theirs.as_secs_f64(),
        100.0 * ours.as_secs_f64() / theirs.as_secs_f64().max(f64::MIN_POSITIVE)
    );
    Ok(())
}

fn write_crate(dir: &Path, c: &Contender) -> Result<(), String> {
    let krate = dir.join(c.name);
    let io = |p: &Path, e: std::io::Error| format!("{}: {e}", p.display());
    std::fs::create_dir_all(krate.join("src")).map_err(|e| io(&krate, e))?;
    let manifest = format!(
        "[package]\nname = \"{}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n# Not a member of the enclosing workspace.\n[workspace]\n\n{}",
        c.name, c.manifest
    );
    for (path, text) in [
        (krate.join("Cargo.toml"), manifest.as_str()),
        (krate.join("src/main.rs"), c.main),
    ] {
        std::fs::write(&path, text).map_err(|e| io(&path, e))?;
    }
    if let Some(lock) = &c.lock {
        let to = krate.join("Cargo.lock");
        std::fs::copy(lock, &to).map_err(|e| io(&to, e))?;
    }
    Ok(())
}

fn cargo(krate: &Path) -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(krate)
        .env("CARGO_TARGET_DIR", krate.join("target"))
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_INCREMENTAL")
        .env_remove("CARGO_BUILD_JOBS");
    cmd
}

fn build(krate: &Path) -> Result<Measure, String> {
    let target = krate.join("target");
    if target.exists() {
        std::fs::remove_dir_all(&target).map_err(|e| format!("{}: {e}", target.display()))?;
    }
    let cpu_before = children_cpu();
    let start = Instant::now();
    let status = cargo(krate)
        .args(["build", "--quiet", "--timings"])
        .status()
        .map_err(|e| format!("cargo build in {}: {e}", krate.display()))?;
    let wall = start.elapsed();
    if !status.success() {
        return Err(format!("cargo build in {} failed", krate.display()));
    }
    let cpu = match (cpu_before, children_cpu()) {
        (Some(a), Some(b)) => b.checked_sub(a),
        _ => None,
    };
    let generated = std::fs::read_to_string(target.join("cargo-timings/cargo-timing.html"))
        .ok()
        .and_then(|html| unit_seconds(&html, "feishu-perf-generated"));
    Ok(Measure {
        wall,
        cpu,
        generated,
    })
}

/// The user and system time of waited-for children, from `/proc/self/stat` (fields 16 and
/// 17, in clock ticks of 1/100 s on Linux).
fn children_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may hold spaces; the fields after it follow its `)`.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3, so field N is at index N - 3.
    let ticks: u64 = fields.get(13)?.parse::<u64>().ok()? + fields.get(14)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// The summed durations of a crate's units in cargo's timing report, whose `UNIT_DATA`
/// is a JSON array of `{"name": .., "duration": seconds, ..}` objects.
fn unit_seconds(html: &str, krate: &str) -> Option<Duration> {
    let start = html.find("UNIT_DATA = ")? + "UNIT_DATA = ".len();
    let units: Vec<serde_json::Value> = serde_json::Deserializer::from_str(&html[start..])
        .into_iter()
        .next()?
        .ok()?;
    let seconds: Vec<f64> = units
        .iter()
        .filter(|u| u["name"] == krate)
        .filter_map(|u| u["duration"].as_f64())
        .collect();
    (!seconds.is_empty()).then(|| Duration::from_secs_f64(seconds.iter().sum()))
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "n/a".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crates_units_are_summed_from_the_timing_report() {
        let html = r#"<script>
const UNIT_DATA = [{"i":0,"name":"serde","version":"1.0.0","mode":"todo","target":"","start":0.0,"duration":1.5,"rmeta_time":0.5,"unlocked_units":[],"unlocked_rmeta_units":[]},{"i":1,"name":"feishu-perf-generated","version":"0.1.0","mode":"todo","target":"","start":1.5,"duration":12.25,"rmeta_time":3.0,"unlocked_units":[],"unlocked_rmeta_units":[]},{"i":2,"name":"feishu-perf-generated","version":"0.1.0","mode":"doc","target":"","start":1.5,"duration":0.75,"unlocked_units":[],"unlocked_rmeta_units":[]}];
const CONCURRENCY_DATA = [];
</script>"#;
        assert_eq!(
            unit_seconds(html, "feishu-perf-generated"),
            Some(Duration::from_secs_f64(13.0))
        );
        assert_eq!(unit_seconds(html, "absent"), None);
        assert_eq!(unit_seconds("no report", "serde"), None);
    }

    #[test]
    fn children_cpu_time_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(children_cpu().is_some());
        }
    }
}
