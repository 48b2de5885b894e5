//! API tests: the real application against a real PostgreSQL, each test on its own database.

mod access;
mod applications;
mod audit_trail;
mod auditability;
mod bad_bytes;
mod cli;
mod concurrency;
mod consultation;
mod employers;
mod errors;
mod exports;
mod helpers;
mod idempotency;
mod identity;
mod job_categories;
mod late_events;
mod logs;
mod migrations;
mod notifications;
mod openapi;
mod ops;
mod reference;
mod security;
mod timers;
mod workers;
mod workflow;
