//! Signed checkpoints of the audit trail's chain heads, kept outside the database.
//!
//! The hash chain shows that no stored event was altered *relative to the events after it*; someone who
//! can write to the database as its owner could still rewrite a chain's tail and recompute every hash
//! from there, or cut the tail off, and the chain would verify. A checkpoint records every chain's last
//! position and hash at one moment, signed with HMAC-SHA256 under a key the database never sees
//! (`SLS_AUDIT_KEY`). Later, every recorded head must still be there with the same hash: a rewritten
//! event at or before it changes its hash, a removed tail takes it away. Events added since are fine.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::audit_chain::ChainedEvent;

/// What a checkpoint file says it is; a file with another `format` is refused.
pub const FORMAT: &str = "sls-case audit checkpoint v1";

/// The most findings a report lists (their total is always given).
const FINDINGS_LISTED: usize = 100;

/// One chain's last event when the checkpoint was taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainHead {
    pub chain_key: String,
    pub position: i64,
    pub hash: String,
}

/// Every chain's head at `taken_at`, signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub format: String,
    pub taken_at: DateTime<Utc>,
    /// Events in the trail at `taken_at` (the sum of the heads' positions).
    pub events: i64,
    pub heads: Vec<ChainHead>,
    /// Base64 HMAC-SHA256 of everything above, in [`Checkpoint::signed_text`]'s form.
    pub signature: String,
}

impl Checkpoint {
    /// A checkpoint of `heads`, signed with `key`.
    pub fn sign(key: &[u8], taken_at: DateTime<Utc>, heads: Vec<ChainHead>) -> Self {
        let mut checkpoint = Self {
            format: FORMAT.to_owned(),
            taken_at,
            events: heads.iter().map(|h| h.position).sum(),
            heads,
            signature: String::new(),
        };
        checkpoint.signature = BASE64.encode(checkpoint.mac(key).finalize().into_bytes());
        checkpoint
    }

    /// Whether the signature is `key`'s over this content (compared in constant time).
    pub fn signature_valid(&self, key: &[u8]) -> bool {
        self.format == FORMAT
            && BASE64
                .decode(&self.signature)
                .is_ok_and(|signature| self.mac(key).verify_slice(&signature).is_ok())
    }

    /// The text the signature covers: each value length-prefixed, so no two contents share a text.
    fn signed_text(&self) -> String {
        let mut text = format!(
            "{}\ntaken_at:{}\nevents:{}\n",
            self.format,
            self.taken_at.format("%Y-%m-%dT%H:%M:%S%.6fZ"),
            self.events
        );
        for head in &self.heads {
            text.push_str(&format!(
                "{}:{}\t{}\t{}\n",
                head.chain_key.len(),
                head.chain_key,
                head.position,
                head.hash
            ));
        }
        text
    }

    fn mac(&self, key: &[u8]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts keys of any length");
        mac.update(self.signed_text().as_bytes());
        mac
    }
}

/// A recorded head that is no longer as it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckpointFinding {
    pub chain_key: String,
    pub position: i64,
    pub reason: String,
}

/// How the trail compares with a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckpointReport {
    pub taken_at: DateTime<Utc>,
    pub signature_valid: bool,
    pub heads_checked: u64,
    pub heads_unchanged: u64,
    /// Signed by our key, and every head is still there with its hash.
    pub consistent: bool,
    pub findings_total: u64,
    /// The first findings, in chain order.
    pub findings: Vec<CheckpointFinding>,
}

/// Compares the trail, fed event by event in chain order (as [`super::audit_chain::ChainVerifier`]
/// reads it), with a checkpoint's heads. Memory grows with the number of chains, not of events.
#[derive(Debug)]
pub struct CheckpointCheck {
    taken_at: DateTime<Utc>,
    signature_valid: bool,
    pending: HashMap<String, (i64, String)>,
    heads_checked: u64,
    heads_unchanged: u64,
    findings_total: u64,
    findings: Vec<CheckpointFinding>,
}

impl CheckpointCheck {
    pub fn new(checkpoint: &Checkpoint, key: &[u8]) -> Self {
        Self {
            taken_at: checkpoint.taken_at,
            signature_valid: checkpoint.signature_valid(key),
            pending: checkpoint
                .heads
                .iter()
                .map(|h| (h.chain_key.clone(), (h.position, h.hash.clone())))
                .collect(),
            heads_checked: checkpoint.heads.len() as u64,
            heads_unchanged: 0,
            findings_total: 0,
            findings: Vec::new(),
        }
    }

    /// Checks one stored event against the head recorded for its chain, if it is that head.
    pub fn see(&mut self, event: &ChainedEvent) {
        let recorded = match self.pending.get(&event.chain_key) {
            Some((position, hash)) if *position == event.chain_position => hash.clone(),
            _ => return,
        };
        self.pending.remove(&event.chain_key);
        if recorded == event.hash {
            self.heads_unchanged += 1;
        } else {
            self.find(
                &event.chain_key,
                event.chain_position,
                "rewritten: this event's hash is not the one recorded at the checkpoint, so it or an event \
                 before it in the chain was changed since",
            );
        }
    }

    pub fn finish(mut self) -> CheckpointReport {
        let mut missing: Vec<(String, i64)> = self
            .pending
            .drain()
            .map(|(key, (position, _))| (key, position))
            .collect();
        missing.sort();
        for (chain_key, position) in missing {
            self.find(
                &chain_key,
                position,
                "truncated: the chain no longer reaches the position it had at the checkpoint, so events \
                 were removed since",
            );
        }
        self.findings
            .sort_by(|a, b| (&a.chain_key, a.position).cmp(&(&b.chain_key, b.position)));
        CheckpointReport {
            taken_at: self.taken_at,
            signature_valid: self.signature_valid,
            heads_checked: self.heads_checked,
            heads_unchanged: self.heads_unchanged,
            consistent: self.signature_valid && self.findings_total == 0,
            findings_total: self.findings_total,
            findings: self.findings,
        }
    }

    fn find(&mut self, chain_key: &str, position: i64, reason: &str) {
        self.findings_total += 1;
        if self.findings.len() < FINDINGS_LISTED {
            self.findings.push(CheckpointFinding {
                chain_key: chain_key.to_owned(),
                position,
                reason: reason.to_owned(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit_chain::testing::chain;

    const KEY: &[u8] = b"an audit checkpoint key of 32+ bytes";

    fn heads(chains: &[&[ChainedEvent]]) -> Vec<ChainHead> {
        chains
            .iter()
            .filter_map(|c| c.last())
            .map(|e| ChainHead {
                chain_key: e.chain_key.clone(),
                position: e.chain_position,
                hash: e.hash.clone(),
            })
            .collect()
    }

    fn compare(checkpoint: &Checkpoint, key: &[u8], chains: &[&[ChainedEvent]]) -> CheckpointReport {
        let mut check = CheckpointCheck::new(checkpoint, key);
        chains.iter().flat_map(|c| c.iter()).for_each(|e| check.see(e));
        check.finish()
    }

    fn taken() -> DateTime<Utc> {
        "2026-12-01T10:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_checkpoint_verifies_with_its_key_only_and_survives_a_round_trip_through_json() {
        let a = chain("a", 3, |p| p.to_string());
        let checkpoint = Checkpoint::sign(KEY, taken(), heads(&[&a]));
        assert_eq!(checkpoint.events, 3);
        assert!(checkpoint.signature_valid(KEY));
        assert!(!checkpoint.signature_valid(b"another key of at least 32 bytes!!"));
        let read: Checkpoint = serde_json::from_str(&serde_json::to_string(&checkpoint).unwrap()).unwrap();
        assert!(read.signature_valid(KEY));
    }

    #[test]
    fn any_edit_of_a_signed_checkpoint_breaks_its_signature() {
        let (a, b) = (chain("a", 3, |p| p.to_string()), chain("b", 2, |p| p.to_string()));
        let checkpoint = Checkpoint::sign(KEY, taken(), heads(&[&a, &b]));
        let edits: [fn(&mut Checkpoint); 9] = [
            |c| c.heads[0].hash = c.heads[1].hash.clone(),
            |c| c.heads[0].position -= 1,
            |c| {
                c.heads.pop();
            },
            |c| c.heads.swap(0, 1),
            |c| c.events += 1,
            |c| c.taken_at += chrono::Duration::seconds(1),
            |c| c.format = "sls-case audit checkpoint v2".into(),
            |c| c.signature = "not base64!".into(),
            |c| c.heads[0].chain_key = "a\t1".into(),
        ];
        for (n, edit) in edits.iter().enumerate() {
            let mut edited = checkpoint.clone();
            edit(&mut edited);
            assert!(!edited.signature_valid(KEY), "edit {n}");
        }
    }

    #[test]
    fn an_untouched_trail_with_events_added_since_is_consistent() {
        let a = chain("a", 3, |p| p.to_string());
        let checkpoint = Checkpoint::sign(KEY, taken(), heads(&[&a]));
        let grown = chain("a", 5, |p| p.to_string());
        let new_chain = chain("c", 2, |p| p.to_string());
        let report = compare(&checkpoint, KEY, &[&grown, &new_chain]);
        assert!(report.consistent, "{report:?}");
        assert_eq!((report.heads_checked, report.heads_unchanged), (1, 1));
    }

    #[test]
    fn a_rewritten_tail_with_recomputed_hashes_is_found_at_the_recorded_head() {
        let a = chain("a", 4, |p| p.to_string());
        let b = chain("b", 2, |p| p.to_string());
        let checkpoint = Checkpoint::sign(KEY, taken(), heads(&[&a, &b]));
        // Event 2 of `a` rewritten and every later hash recomputed: the chain itself still verifies.
        let rewritten = chain("a", 6, |p| if p == 2 { "changed".into() } else { p.to_string() });
        let report = compare(&checkpoint, KEY, &[&rewritten, &b]);
        assert!(!report.consistent);
        assert_eq!(report.findings_total, 1);
        assert_eq!(
            (report.findings[0].chain_key.as_str(), report.findings[0].position),
            ("a", 4)
        );
        assert!(report.findings[0].reason.starts_with("rewritten"));
        assert_eq!(report.heads_unchanged, 1);
    }

    #[test]
    fn a_cut_tail_or_a_removed_chain_is_found_as_truncated() {
        let a = chain("a", 4, |p| p.to_string());
        let b = chain("b", 2, |p| p.to_string());
        let checkpoint = Checkpoint::sign(KEY, taken(), heads(&[&a, &b]));
        let report = compare(&checkpoint, KEY, &[&a[..3]]);
        assert!(!report.consistent);
        let found: Vec<(&str, i64)> = report
            .findings
            .iter()
            .map(|f| (f.chain_key.as_str(), f.position))
            .collect();
        assert_eq!(found, vec![("a", 4), ("b", 2)]);
        assert!(report.findings.iter().all(|f| f.reason.starts_with("truncated")));
    }

    #[test]
    fn a_forged_checkpoint_is_never_consistent_even_when_it_matches() {
        let a = chain("a", 2, |p| p.to_string());
        let forged = Checkpoint::sign(b"the attacker's own key, 32 bytes+", taken(), heads(&[&a]));
        let report = compare(&forged, KEY, &[&a]);
        assert!(!report.signature_valid);
        assert!(!report.consistent);
        assert_eq!(report.findings_total, 0);
    }

    #[test]
    fn findings_are_listed_up_to_a_limit_and_all_counted() {
        let chains: Vec<Vec<ChainedEvent>> = (0..150)
            .map(|i| chain(&format!("c{i:03}"), 1, |_| "x".into()))
            .collect();
        let refs: Vec<&[ChainedEvent]> = chains.iter().map(Vec::as_slice).collect();
        let checkpoint = Checkpoint::sign(KEY, taken(), heads(&refs));
        let report = compare(&checkpoint, KEY, &[]);
        assert_eq!(report.findings_total, 150);
        assert_eq!(report.findings.len(), FINDINGS_LISTED);
        assert_eq!(report.findings[0].chain_key, "c000");
    }
}
