//! An import's file read as its options say (`--sheet`, `--delimiter`,
//! `--encoding`), its safe rewrites made and listed (`--normalize`), and the
//! blank rows of a template counted.

use feishu_perf_cli::input::{Column, Source, Table, read_table_with};

use crate::args::RunArgs;
use crate::exit::Failure;
use crate::note;

/// Reads `source` for a job of `columns`.
pub fn table(source: &Source, columns: &[Column], args: &RunArgs) -> Result<Table, Failure> {
    let mut table = read_table_with(source, columns, &args.read_options())
        .map_err(|e| Failure::usage(e.to_string()))?;
    if args.normalize {
        let rewrites = table.normalize(columns);
        let unit = if table.sheet().is_some() {
            "row"
        } else {
            "line"
        };
        note!(
            "{}: --normalize rewrote {} value{}",
            table.source(),
            rewrites.len(),
            if rewrites.len() == 1 { "" } else { "s" }
        );
        for r in &rewrites {
            note!(
                "  {unit} {}, {}: `{}` -> `{}`",
                r.line,
                r.column,
                r.from,
                r.to
            );
        }
    }
    if table.skipped_blank() > 0 {
        note!(
            "{}: {} template row{} left blank, skipped",
            table.source(),
            table.skipped_blank(),
            if table.skipped_blank() == 1 { "" } else { "s" }
        );
    }
    Ok(table)
}
