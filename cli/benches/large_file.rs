//! Memory and time of reading and planning a large key-metric file (what a
//! `--dry-run` does): `cargo bench -p feishu-perf-cli --bench large_file -- [ROWS] [--keep FILE]`
//! (`--keep` leaves the generated file at FILE, to measure the binary on it).
//!
//! Writes a file of ROWS rows (default 1,000,000: 250,000 reviewees, two
//! metrics of two fields each, about 83 MB) to the temporary directory, reads
//! and plans it in this process, and prints the file's size, the time, and the
//! process's peak resident memory (`VmHWM`). The target is a peak of at most
//! twice the file's size.

use std::io::Write;
use std::time::Instant;

use feishu_perf_cli::batch::{Job, Options, plan};
use feishu_perf_cli::input::{Source, read_table};
use feishu_perf_cli::jobs::MetricImport;

fn main() {
    let rows: usize = std::env::args()
        .skip(1)
        .take_while(|a| a != "--keep")
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let args: Vec<String> = std::env::args().collect();
    let keep = args
        .iter()
        .position(|a| a == "--keep")
        .and_then(|i| args.get(i + 1))
        .map(std::path::PathBuf::from);
    let path = keep.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("feishu-perf-large-{}.csv", std::process::id()))
    });
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    writeln!(
        file,
        "reviewee_user_id,metric_id,field_id,field_value,field_value_person"
    )
    .unwrap();
    for n in 0..rows {
        let reviewee = n / 4;
        let metric = 7272580325522276372u64 + (n / 2 % 2) as u64;
        let field = 7283776005142675476u64 + (n % 2) as u64;
        let value = (n * 7919) % 100_000;
        writeln!(
            file,
            "ou_{:032x},{metric},{field},{value},",
            0x5eed_0000 + reviewee
        )
        .unwrap();
    }
    file.flush().unwrap();
    drop(file);
    let size = std::fs::metadata(&path).unwrap().len();
    let before = peak_kib();

    let started = Instant::now();
    let table = read_table(&Source::File(path.clone()), MetricImport::COLUMNS, None).unwrap();
    let read = started.elapsed();
    let job = MetricImport(Options {
        semester_id: "7293040702907514899".into(),
        user_id_type: None,
        batch_size: MetricImport::MAX_UNITS,
        import_record_name: None,
    });
    let plan = plan(&job, table).unwrap();
    let elapsed = started.elapsed();
    let peak = peak_kib();
    if keep.is_none() {
        std::fs::remove_file(&path).unwrap();
    }

    let mb = |bytes: f64| bytes / 1e6;
    println!(
        "{rows} rows, file {:.1} MB: read {read:.2?}, read and planned {elapsed:.2?} ({} requests, {} rejected); \
         peak RSS {:.1} MB before reading, {:.1} MB after planning ({:.2}x the file)",
        mb(size as f64),
        plan.batches(),
        plan.rejected_rows(),
        mb(before as f64 * 1024.0),
        mb(peak as f64 * 1024.0),
        peak as f64 * 1024.0 / size as f64
    );
}

/// The process's peak resident set, in KiB (`VmHWM` of /proc/self/status; 0 where there is none).
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
