//! Audit checkpoint files: written by `serve` on a timer and by `sls-case audit checkpoint`, read by
//! `sls-case audit verify --checkpoint FILE`. A file is replaced whole (written beside, then renamed),
//! so a reader never sees half of one.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};

use crate::clock::Clock;
use crate::db::DbPool;
use crate::domain::audit_checkpoint::Checkpoint;
use crate::workflow;

/// The file every newest checkpoint is also written to.
pub const LATEST: &str = "latest.json";

/// Writes `checkpoint` to `path`, replacing it whole.
pub fn write(path: &Path, checkpoint: &Checkpoint) -> anyhow::Result<()> {
    let json = serde_json::to_vec(checkpoint)?;
    let partial = path.with_extension("json.partial");
    std::fs::write(&partial, json).with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, path).with_context(|| format!("writing {}", path.display()))
}

/// Reads a checkpoint file (its signature is checked by the comparison, with the key).
pub fn read(path: &Path) -> anyhow::Result<Checkpoint> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_slice(&bytes).with_context(|| format!("{} is not an audit checkpoint", path.display()))
}

/// Takes a checkpoint and writes it to `dir` as `checkpoint-<time>.json` and as [`LATEST`], keeping the
/// newest `keep` timestamped files. Returns the timestamped file.
pub async fn take_into(
    pool: &DbPool,
    key: &SecretString,
    dir: &Path,
    keep: usize,
    clock: &Clock,
) -> anyhow::Result<PathBuf> {
    let checkpoint = workflow::audit::checkpoint(pool, key.expose_secret().as_bytes(), clock.now())
        .await
        .map_err(|e| anyhow::anyhow!("reading the chain heads: {e}"))?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let file = dir.join(format!(
        "checkpoint-{}.json",
        checkpoint.taken_at.format("%Y%m%dT%H%M%S%.6fZ")
    ));
    write(&file, &checkpoint)?;
    write(&dir.join(LATEST), &checkpoint)?;
    prune(dir, keep)?;
    Ok(file)
}

/// Removes all but the newest `keep` timestamped checkpoints (their names sort by time).
fn prune(dir: &Path, keep: usize) -> anyhow::Result<()> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("checkpoint-") && n.ends_with(".json"))
        })
        .collect();
    files.sort();
    let excess = files.len().saturating_sub(keep.max(1));
    for old in &files[..excess] {
        std::fs::remove_file(old).with_context(|| format!("removing {}", old.display()))?;
    }
    Ok(())
}

/// `serve`'s timer: a checkpoint now and every `interval`, until the task is dropped. A failure is
/// logged and the next tick tries again.
pub async fn every(interval: Duration, pool: DbPool, key: SecretString, dir: PathBuf, keep: usize, clock: Clock) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        match take_into(&pool, &key, &dir, keep, &clock).await {
            Ok(file) => {
                crate::metrics::timer_ran("audit_checkpoint", true);
                tracing::info!(file = %file.display(), "audit checkpoint written");
            }
            Err(err) => {
                crate::metrics::timer_ran("audit_checkpoint", false);
                tracing::warn!(error = %format!("{err:#}"), "audit checkpoint not written");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pruning_keeps_the_newest_and_leaves_other_files() {
        let dir = std::env::temp_dir().join(format!("sls-checkpoints-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        for name in [
            "checkpoint-20261201T100000.000000Z.json",
            "checkpoint-20261201T110000.000000Z.json",
            "checkpoint-20261201T120000.000000Z.json",
            LATEST,
            "notes.txt",
        ] {
            std::fs::write(dir.join(name), "{}").unwrap();
        }
        prune(&dir, 2).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            vec![
                "checkpoint-20261201T110000.000000Z.json",
                "checkpoint-20261201T120000.000000Z.json",
                LATEST,
                "notes.txt"
            ]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
