//! `ecs-sim prices import`: an AWS Price List offer file to a per-region
//! price file (docs/aws-data.md).

use super::Verbosity;
use crate::error::{Error, InputError};
use crate::prices::{import_offer_file, write_catalog};
use clap::Args;
use std::path::PathBuf;

/// `ecs-sim prices import` arguments.
#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// The offer file: AmazonEC2 or AmazonECS `index.json` or `index.csv`
    /// (whole or per region; `.gz` is read directly).
    pub(crate) offer_file: PathBuf,
    /// The region code whose prices to keep, e.g. eu-west-1.
    #[arg(long)]
    pub(crate) region: String,
    /// The price file to write, e.g. prices/eu-west-1.csv.
    #[arg(long)]
    pub(crate) out: PathBuf,
}

/// Imports the prices and writes the price file.
pub(super) fn import(args: ImportArgs, verbosity: Verbosity) -> Result<i32, Error> {
    let ImportArgs { offer_file, region, out } = args;
    let imported = import_offer_file(&offer_file, &region)?;
    let source =
        offer_file.file_name().map_or_else(|| offer_file.display().to_string(), |n| n.to_string_lossy().into_owned());
    let text = write_catalog(&imported, &source);
    if out.is_dir() {
        return Err(InputError::new(&out, "is a folder")
            .at("option `--out`")
            .help("name a file, e.g. prices/eu-west-1.csv")
            .into());
    }
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| Error::Output { path: parent.to_path_buf(), source })?;
    }
    std::fs::write(&out, text).map_err(|source| Error::Output { path: out.clone(), source })?;
    if verbosity > Verbosity::Quiet {
        let fargate: Vec<&str> = imported.fargate.keys().map(|r| r.name()).collect();
        outln!(
            "{}: {} instance types and {} Fargate rates{} of {} written to {}",
            offer_file.display(),
            imported.ec2.len(),
            fargate.len(),
            if fargate.is_empty() { String::new() } else { format!(" ({})", fargate.join(", ")) },
            imported.region,
            out.display()
        );
    }
    Ok(0)
}
