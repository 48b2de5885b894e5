//! The audit trail's hash chain, verified independently of the database.
//!
//! Each event's hash is SHA-256 over its canonical text, which includes the previous event's hash in
//! the same chain (one chain per case; one per other entity). The database computes the hash on insert
//! (`audit_events_chain` trigger); [`canonical_text`] builds the same text from the raw column values
//! here, so a change to any stored byte, a removed or reordered event, or a forged hash is found by
//! [`ChainVerifier`] without trusting any function stored in the database.

use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub use super::audit::StoredEvent;

/// One stored event's columns, exactly as stored: its JSON columns as PostgreSQL's `jsonb` text, which
/// is what the hash was taken over.
pub type ChainedEvent = StoredEvent<String>;

fn field(out: &mut String, name: &str, value: Option<&str>) {
    out.push_str(name);
    out.push(':');
    match value {
        None => out.push('-'),
        Some(v) => {
            out.push_str(&v.len().to_string());
            out.push(':');
            out.push_str(v);
        }
    }
    out.push('\n');
}

/// The canonical text the hash is taken over (the same as the SQL function `audit_canonical`).
pub fn canonical_text(e: &ChainedEvent) -> String {
    let uuid = |u: Option<Uuid>| u.map(|u| u.to_string());
    let mut out = String::from("sls-case audit v1\n");
    field(&mut out, "seq", Some(&e.seq.to_string()));
    field(&mut out, "id", Some(&e.id.to_string()));
    field(
        &mut out,
        "occurred_at",
        Some(&e.occurred_at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()),
    );
    field(&mut out, "request_id", e.request_id.as_deref());
    field(&mut out, "actor_sub", Some(&e.actor_sub));
    field(&mut out, "actor_role", Some(&e.actor_role));
    field(&mut out, "actor_employer_id", uuid(e.actor_employer_id).as_deref());
    field(&mut out, "on_behalf_of", e.on_behalf_of.as_deref());
    // Added with agencies' authorisations: absent from the text when there is none, so earlier events
    // hash as they always did.
    if let Some(agency) = e.agency.as_deref() {
        field(&mut out, "actor_agency", Some(agency));
    }
    field(&mut out, "entity_type", Some(&e.entity_type));
    field(&mut out, "entity_id", Some(&e.entity_id.to_string()));
    field(&mut out, "application_id", uuid(e.application_id).as_deref());
    field(&mut out, "action", Some(&e.action));
    field(&mut out, "from_status", e.from_status.as_deref());
    field(&mut out, "to_status", e.to_status.as_deref());
    field(&mut out, "before", e.before.as_deref());
    field(&mut out, "after", e.after.as_deref());
    field(&mut out, "comment", e.comment.as_deref());
    field(&mut out, "decision_record_id", uuid(e.decision_record_id).as_deref());
    field(&mut out, "chain_key", Some(&e.chain_key));
    field(&mut out, "chain_position", Some(&e.chain_position.to_string()));
    field(&mut out, "prev_hash", e.prev_hash.as_deref());
    out
}

/// SHA-256 of the canonical text, in lower-case hex.
pub fn event_hash(e: &ChainedEvent) -> String {
    format!("{:x}", Sha256::digest(canonical_text(e).as_bytes()))
}

/// Where and why the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrokenLink {
    pub seq: i64,
    pub id: Uuid,
    pub chain_key: String,
    pub chain_position: i64,
    pub reason: String,
}

/// Checks events fed in (chain_key, chain_position) order, one at a time, in constant memory.
#[derive(Debug, Default)]
pub struct ChainVerifier {
    current: Option<(String, i64, String)>,
    heads: Sha256,
    pub events_checked: u64,
    pub chains_checked: u64,
    pub first_broken_link: Option<BrokenLink>,
}

impl ChainVerifier {
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks one event against its predecessor; records the first break found.
    pub fn check(&mut self, e: &ChainedEvent) {
        self.events_checked += 1;
        let (expected_position, expected_prev) = match &self.current {
            Some((key, position, hash)) if *key == e.chain_key => (position + 1, Some(hash.clone())),
            _ => {
                self.close_chain();
                self.chains_checked += 1;
                (1, None)
            }
        };
        let problem = if e.chain_position != expected_position {
            Some(format!(
                "position {} where {expected_position} was expected: an event is missing",
                e.chain_position
            ))
        } else if e.prev_hash != expected_prev {
            Some("its previous-hash does not match the hash of the event before it".to_owned())
        } else if event_hash(e) != e.hash {
            Some("its content does not match its hash: the event was altered".to_owned())
        } else {
            None
        };
        if let Some(reason) = problem
            && self.first_broken_link.is_none()
        {
            self.first_broken_link = Some(BrokenLink {
                seq: e.seq,
                id: e.id,
                chain_key: e.chain_key.clone(),
                chain_position: e.chain_position,
                reason,
            });
        }
        self.current = Some((e.chain_key.clone(), e.chain_position, e.hash.clone()));
    }

    fn close_chain(&mut self) {
        if let Some((key, position, hash)) = self.current.take() {
            self.heads.update(format!("{key}\t{position}\t{hash}\n"));
        }
    }

    /// A digest of every chain's last event: record it, and a later verification that gives a
    /// different digest for the same events shows that a chain's tail was removed.
    pub fn finish(mut self) -> VerificationReport {
        self.close_chain();
        VerificationReport {
            events_checked: self.events_checked,
            chains_checked: self.chains_checked,
            intact: self.first_broken_link.is_none(),
            first_broken_link: self.first_broken_link,
            heads_digest: format!("{:x}", self.heads.finalize()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerificationReport {
    pub events_checked: u64,
    pub chains_checked: u64,
    pub intact: bool,
    pub first_broken_link: Option<BrokenLink>,
    pub heads_digest: String,
}

/// Chains as the database builds them, for tests.
#[cfg(test)]
pub mod testing {
    use super::*;

    /// A chain `key` of `n` events whose comments are `comment(position)`, hashed and linked.
    pub fn chain(key: &str, n: i64, comment: impl Fn(i64) -> String) -> Vec<ChainedEvent> {
        let mut events: Vec<ChainedEvent> = Vec::new();
        for i in 1..=n {
            let mut e = ChainedEvent {
                seq: i,
                id: Uuid::from_u128(i as u128),
                occurred_at: chrono::DateTime::from_timestamp_micros(1_770_000_000_000_000 + i).unwrap(),
                request_id: None,
                actor_sub: "cw".into(),
                actor_role: "caseworker".into(),
                actor_employer_id: None,
                on_behalf_of: None,
                agency: None,
                entity_type: "application".into(),
                entity_id: Uuid::nil(),
                application_id: Some(Uuid::nil()),
                action: "application.submit".into(),
                from_status: Some("DRAFT".into()),
                to_status: Some("SUBMITTED".into()),
                before: None,
                after: Some(r#"{"a": 1}"#.into()),
                comment: Some(comment(i)),
                decision_record_id: None,
                chain_key: key.into(),
                chain_position: i,
                prev_hash: events.last().map(|p| p.hash.clone()),
                hash: String::new(),
            };
            e.hash = event_hash(&e);
            events.push(e);
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<ChainedEvent> {
        testing::chain("application:x", n, |_| "line one\nline two".into())
    }

    fn verify(events: &[ChainedEvent]) -> VerificationReport {
        let mut v = ChainVerifier::new();
        events.iter().for_each(|e| v.check(e));
        v.finish()
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let report = verify(&chain(5));
        assert!(report.intact);
        assert_eq!((report.events_checked, report.chains_checked), (5, 1));
    }

    #[test]
    fn an_altered_field_is_found_at_its_event() {
        let mut events = chain(5);
        events[2].comment = Some("line one\nline twO".into());
        let broken = verify(&events).first_broken_link.unwrap();
        assert_eq!(broken.seq, 3);
        assert!(broken.reason.contains("altered"));
    }

    #[test]
    fn a_removed_event_breaks_the_next_link() {
        let mut events = chain(5);
        events.remove(1);
        assert_eq!(verify(&events).first_broken_link.unwrap().seq, 3);
    }

    #[test]
    fn a_recomputed_hash_without_relinking_breaks_the_next_link() {
        let mut events = chain(4);
        events[1].comment = None;
        events[1].hash = event_hash(&events[1]);
        let broken = verify(&events).first_broken_link.unwrap();
        assert_eq!(broken.seq, 3);
        assert!(broken.reason.contains("previous-hash"));
    }

    #[test]
    fn field_boundaries_cannot_be_shifted_between_fields() {
        let events = chain(1);
        let mut shifted = events[0].clone();
        shifted.from_status = Some("DRAFT\nto_status:9:SUBMITTED".into());
        shifted.to_status = None;
        assert_ne!(canonical_text(&shifted), canonical_text(&events[0]));
    }

    #[test]
    fn removing_a_chains_last_event_changes_the_heads_digest() {
        let events = chain(3);
        assert_ne!(verify(&events).heads_digest, verify(&events[..2]).heads_digest);
        assert!(verify(&events[..2]).intact);
    }
}
