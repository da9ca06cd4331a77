//! The generator behind `cargo xtask codegen`.
//!
//! `schema/**/*.yaml` → [`load`] (checked, resolved into the [`ir`]) →
//! [`emit`] (quote + prettyplease) → the files of the `generated/` crate.
//! The generator is a library so that the xtask, the snapshot tests and the
//! benchmark all drive the same code.
#![deny(missing_docs)]

pub mod emit;
pub mod import;
pub mod ir;
pub mod load;
pub mod model;
pub mod naming;

use std::path::Path;

pub use emit::OutputFile;
pub use load::{Diagnostic, LoadError, SourceFile};

/// Generates every file of the generated crate from the schema files.
pub fn generate(files: &[SourceFile]) -> Result<Vec<OutputFile>, LoadError> {
    let api = load::load(files)?;
    Ok(emit::emit(&api))
}

/// Generates every file of the generated crate from a schema directory.
pub fn generate_dir(schema_dir: &Path) -> Result<Vec<OutputFile>, LoadError> {
    let api = load::load_dir(schema_dir)?;
    Ok(emit::emit(&api))
}

/// The JSON Schema of the schema format (`schema/schema.json`), derived from [`model`].
pub fn json_schema() -> String {
    // Only its JSON Schema is used: the enum is never built.
    #[derive(schemars::JsonSchema)]
    #[allow(dead_code, clippy::large_enum_variant)]
    #[serde(untagged)]
    /// Any file under `schema/`: an endpoint, a version's shared types, the platform error codes, or an event.
    enum AnySchemaFile {
        Endpoint(model::EndpointFile),
        Shared(model::SharedFile),
        Platform(model::PlatformFile),
        Event(model::EventFile),
    }
    let schema = schemars::schema_for!(AnySchemaFile);
    let mut text = serde_json::to_string_pretty(&schema).expect("a JSON schema serialises");
    text.push('\n');
    text
}
