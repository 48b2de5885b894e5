//! The service's own Prometheus series, beside actix-web-prom's request counts and latencies
//! (docs/operations.md lists them all).
//!
//! Business counters are process-wide (the use cases count into them wherever they run: a request, a
//! timer, a command); each app's registry exposes them, with the database pool's state read at
//! scrape time and the process's own figures.

use std::sync::LazyLock;

use prometheus::{IntCounterVec, IntGaugeVec, Opts, Registry};

static APPLICATION_ACTIONS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    IntCounterVec::new(
        Opts::new(
            "sls_case_application_actions_total",
            "Lifecycle actions taken on applications and committed, by action.",
        ),
        &["action"],
    )
    .expect("a valid metric")
});

static DECISIONS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    IntCounterVec::new(
        Opts::new("sls_case_decisions_total", "Decisions committed, by outcome."),
        &["outcome"],
    )
    .expect("a valid metric")
});

static TIMER_RUNS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    IntCounterVec::new(
        Opts::new(
            "sls_case_timer_runs_total",
            "Runs of the service's own timers, by timer and result (ok or failed).",
        ),
        &["timer", "result"],
    )
    .expect("a valid metric")
});

static TIMER_FIRINGS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    IntCounterVec::new(
        Opts::new(
            "sls_case_timer_firings_total",
            "Timer firings committed by this process (each subject and occurrence fires once), by timer.",
        ),
        &["timer"],
    )
    .expect("a valid metric")
});

static JOBS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    IntCounterVec::new(
        Opts::new(
            "sls_case_jobs_total",
            "Jobs run by this process, by kind and result (succeeded, retried or failed).",
        ),
        &["kind", "result"],
    )
    .expect("a valid metric")
});

static POOL: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    IntGaugeVec::new(
        Opts::new(
            "sls_case_db_pool_connections",
            "The request pool at scrape time: max (its size limit), open, available (idle) and waiting \
             (requests queued for a connection).",
        ),
        &["state"],
    )
    .expect("a valid metric")
});

/// Exposes the service's series in `registry` (one per app; the counters are shared).
pub fn register(registry: &Registry) -> prometheus::Result<()> {
    registry.register(Box::new(APPLICATION_ACTIONS.clone()))?;
    registry.register(Box::new(DECISIONS.clone()))?;
    registry.register(Box::new(TIMER_RUNS.clone()))?;
    registry.register(Box::new(TIMER_FIRINGS.clone()))?;
    registry.register(Box::new(JOBS.clone()))?;
    registry.register(Box::new(POOL.clone()))?;
    #[cfg(target_os = "linux")]
    registry.register(Box::new(prometheus::process_collector::ProcessCollector::for_self()))?;
    Ok(())
}

/// A lifecycle action was committed.
pub fn application_action(action: &str) {
    APPLICATION_ACTIONS.with_label_values(&[action]).inc();
}

/// A decision was committed.
pub fn decision(outcome: &str) {
    DECISIONS.with_label_values(&[outcome]).inc();
}

/// A timer ran.
pub fn timer_ran(timer: &str, ok: bool) {
    TIMER_RUNS
        .with_label_values(&[timer, if ok { "ok" } else { "failed" }])
        .inc();
}

/// A timer fired `count` times in a sweep.
pub fn timer_fired(timer: &str, count: u32) {
    TIMER_FIRINGS.with_label_values(&[timer]).inc_by(u64::from(count));
}

/// A job ran to `result` (`succeeded`, `retried` or `failed`).
pub fn job_ran(kind: &str, result: &str) {
    JOBS.with_label_values(&[kind, result]).inc();
}

/// The pool's state, just before a scrape.
pub fn observe_pool(status: deadpool::Status) {
    for (state, value) in [
        ("max", status.max_size),
        ("open", status.size),
        ("available", status.available),
        ("waiting", status.waiting),
    ] {
        POOL.with_label_values(&[state])
            .set(i64::try_from(value).unwrap_or(i64::MAX));
    }
}
