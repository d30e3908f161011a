//! markdown-report — wasmap `output` plugin: the whole result set in,
//! a Markdown document out (in `data`, as bytes; the host writes it where
//! the user asked, e.g. `--plugin-output report.md`).
mod report;

use serde::Deserialize;
use wasmap_sdk::{info, serde_bytes::Bytes, Output, Result, Value};

#[derive(Deserialize, Default)]
#[serde(default)]
struct Config {
    title: String,
}

/// An output plugin's input: `events` (from `requires`) and `config`.
#[derive(Deserialize)]
struct ReportInput {
    #[serde(default)]
    events: Vec<Value>,
    #[serde(default)]
    config: Config,
}

fn run(input: ReportInput) -> Result<Output> {
    let md = report::render(&input.config.title, &input.events);
    info!("{} events, {} bytes of Markdown", input.events.len(), md.len());
    Ok(Output::success().data(Bytes::new(md.as_bytes())))
}

wasmap_sdk::plugin!(run);
