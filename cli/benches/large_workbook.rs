//! Memory and time of reading and planning a large key-metric workbook (what
//! a `--dry-run` of an `.xlsx` does):
//! `cargo bench -p feishu-perf-cli --bench large_workbook -- [ROWS] [--keep FILE]`.
//!
//! Writes an `.xlsx` of ROWS rows (default 1,000,000: 250,000 reviewees, two
//! metrics of two fields each) as Excel writes one (ids as shared strings,
//! values as numbers), then reads and plans it in a fresh process of this
//! benchmark, so the writing's memory is not counted, and prints the
//! workbook's size, the time, and that process's peak resident memory
//! (`VmHWM`). The bound: a peak of at most 2.5 times the CSV of the same rows
//! (the table itself, about the CSV's size, the workbook's shared strings,
//! and the compressed file held while it is read).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use feishu_perf_cli::batch::{Job, Options, plan};
use feishu_perf_cli::input::{Source, read_table};
use feishu_perf_cli::jobs::MetricImport;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--read") {
        let rows: usize = args[i + 2].parse().unwrap();
        read(Path::new(&args[i + 1]), rows);
        return;
    }
    let rows: usize = args
        .iter()
        .skip(1)
        .take_while(|a| *a != "--keep")
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let keep = args
        .iter()
        .position(|a| a == "--keep")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    let path = keep.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("feishu-perf-large-{}.xlsx", std::process::id()))
    });
    let started = Instant::now();
    write_workbook(&path, rows);
    println!("wrote {rows} rows in {:.2?}", started.elapsed());
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .arg("--read")
        .arg(&path)
        .arg(rows.to_string())
        .status()
        .unwrap();
    if keep.is_none() {
        std::fs::remove_file(&path).unwrap();
    }
    assert!(status.success());
}

/// The i-th row's cells, as in the CSV benchmark.
fn row(n: usize) -> (String, u64, u64, usize) {
    let reviewee = format!("ou_{:032x}", 0x5eed_0000 + n / 4);
    let metric = 7272580325522276372u64 + (n / 2 % 2) as u64;
    let field = 7283776005142675476u64 + (n % 2) as u64;
    (reviewee, metric, field, (n * 7919) % 100_000)
}

/// The same rows as CSV would take, in bytes (the bound's measure).
fn csv_size(rows: usize) -> usize {
    let header = "reviewee_user_id,metric_id,field_id,field_value,field_value_person\n".len();
    header
        + (0..rows)
            .map(|n| {
                let (r, m, f, v) = row(n);
                format!("{r},{m},{f},{v},\n").len()
            })
            .sum::<usize>()
}

/// An `.xlsx` as Excel writes it: text in the shared strings, numbers as numbers.
fn write_workbook(path: &Path, rows: usize) {
    use zip::write::SimpleFileOptions;
    let file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut zip = zip::ZipWriter::new(file);
    let options = SimpleFileOptions::default();
    let parts = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="KPI" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#,
        ),
    ];
    for (name, text) in parts {
        zip.start_file(name, options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    // Shared strings: the header, the two metric ids, the two field ids, then each reviewee.
    let header = [
        "reviewee_user_id",
        "metric_id",
        "field_id",
        "field_value",
        "field_value_person",
    ];
    let (m0, f0) = (7272580325522276372u64, 7283776005142675476u64);
    let fixed: Vec<String> = header
        .iter()
        .map(|h| h.to_string())
        .chain([m0, m0 + 1, f0, f0 + 1].iter().map(u64::to_string))
        .collect();
    let reviewees = rows.div_ceil(4);
    zip.start_file("xl/sharedStrings.xml", options).unwrap();
    write!(zip, r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{0}" uniqueCount="{0}">"#, fixed.len() + reviewees).unwrap();
    for s in &fixed {
        write!(zip, "<si><t>{s}</t></si>").unwrap();
    }
    for r in 0..reviewees {
        write!(zip, "<si><t>ou_{:032x}</t></si>", 0x5eed_0000 + r).unwrap();
    }
    zip.write_all(b"</sst>").unwrap();

    zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
    zip.write_all(br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">"#).unwrap();
    for (c, name) in ["A", "B", "C", "D", "E"].iter().enumerate() {
        write!(zip, r#"<c r="{name}1" t="s"><v>{c}</v></c>"#).unwrap();
    }
    zip.write_all(b"</row>").unwrap();
    for n in 0..rows {
        let (_, metric, field, value) = row(n);
        let r = n + 2;
        let reviewee = fixed.len() + n / 4;
        let metric = 5 + (metric - m0) as usize;
        let field = 7 + (field - f0) as usize;
        write!(zip, r#"<row r="{r}"><c r="A{r}" t="s"><v>{reviewee}</v></c><c r="B{r}" t="s"><v>{metric}</v></c><c r="C{r}" t="s"><v>{field}</v></c><c r="D{r}"><v>{value}</v></c></row>"#).unwrap();
    }
    zip.write_all(b"</sheetData></worksheet>").unwrap();
    zip.finish().unwrap();
}

fn read(path: &Path, rows: usize) {
    let size = std::fs::metadata(path).unwrap().len();
    let before = peak_kib();
    let started = Instant::now();
    let table = read_table(&Source::File(path.to_owned()), MetricImport::COLUMNS, None).unwrap();
    let read = started.elapsed();
    assert_eq!(table.len(), rows);
    let held = table.heap_bytes();
    let job = MetricImport(Options {
        semester_id: "7293040702907514899".into(),
        user_id_type: None,
        batch_size: MetricImport::MAX_UNITS,
        import_record_name: None,
    });
    let plan = plan(&job, table).unwrap();
    let elapsed = started.elapsed();
    let peak = peak_kib();
    let csv = csv_size(rows);
    let mb = |bytes: f64| bytes / 1e6;
    println!(
        "{rows} rows, workbook {:.1} MB (the same rows as CSV: {:.1} MB): read {read:.2?}, \
         read and planned {elapsed:.2?} ({} requests, {} rejected); table {:.1} MB; \
         peak RSS {:.1} MB before reading, {:.1} MB after planning ({:.2}x the CSV; bound 2.5x)",
        mb(size as f64),
        mb(csv as f64),
        plan.batches(),
        plan.rejected_rows(),
        mb(held as f64),
        mb(before as f64 * 1024.0),
        mb(peak as f64 * 1024.0),
        peak as f64 * 1024.0 / csv as f64
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
