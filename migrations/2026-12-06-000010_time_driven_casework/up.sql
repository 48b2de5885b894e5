-- Time-driven casework (docs/timers.md): the service's job queue, the timers' firings, work queues
-- (assignee, stored SLA clock), notifications and webhooks.

-- 1. Jobs: the queue every instance takes work from with FOR UPDATE SKIP LOCKED. A job RUNNING past
--    its lease (its instance died) is taken again; a job out of attempts stays FAILED, visible to
--    administrators until one retries it.
CREATE TABLE jobs (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind            text NOT NULL CHECK (kind IN ('timer_sweep', 'webhook_delivery')),
    payload         jsonb NOT NULL DEFAULT '{}',
    -- At most one job per key (e.g. one sweep per scheduled slot, however many instances enqueue it).
    dedupe_key      text UNIQUE,
    state           text NOT NULL DEFAULT 'QUEUED' CHECK (state IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED')),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts    integer NOT NULL CHECK (max_attempts >= 1),
    run_at          timestamptz NOT NULL DEFAULT now(),
    locked_by       text,
    locked_until    timestamptz,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    CHECK ((state = 'RUNNING') = (locked_until IS NOT NULL))
);
CREATE INDEX jobs_queued_idx ON jobs (run_at) WHERE state = 'QUEUED';
CREATE INDEX jobs_running_idx ON jobs (locked_until) WHERE state = 'RUNNING';
CREATE INDEX jobs_state_idx ON jobs (state, updated_at DESC);

-- 2. Timer firings: one row per (timer, subject, occurrence), inserted in the transaction of the change
--    the firing made. The primary key is what makes a timer fire exactly once, however many instances
--    sweep at the same time. Append-only, like the audit trail.
CREATE TABLE timer_firings (
    timer           text NOT NULL,
    subject_id      uuid NOT NULL,
    -- Which occurrence: a due date, a reminder's number.
    occurrence      text NOT NULL,
    fired_on        date NOT NULL,
    fired_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (timer, subject_id, occurrence)
);
CREATE TRIGGER timer_firings_no_update_delete
    BEFORE UPDATE OR DELETE ON timer_firings
    FOR EACH ROW EXECUTE FUNCTION audit_events_reject_change();

-- 3. A lapsed place is stored as lapsed once the timer has recorded it.
ALTER TABLE worker_places DROP CONSTRAINT worker_places_status_check;
ALTER TABLE worker_places ADD CONSTRAINT worker_places_status_check CHECK (status IN
    ('ALLOCATED', 'VISA_APPLIED', 'VISA_ISSUED', 'ARRIVED', 'CONTRACT_ENDED', 'TERMINATED_EARLY', 'EXPIRED',
     'REVOKED'));
CREATE INDEX worker_places_allocated_idx ON worker_places (aip_deadline) WHERE status = 'ALLOCATED';

-- 4. Work queues: who has the case, and its SLA clock stored so queues sort and filter by it. The due
--    date excludes an open information request's pause; while one is open the clock is paused since
--    `sla_paused_since` (the due date moves on a day for each day paused).
ALTER TABLE applications
    ADD COLUMN assignee        text CHECK (length(assignee) BETWEEN 1 AND 200),
    ADD COLUMN assigned_at     timestamptz,
    ADD COLUMN sla_due_on      date,
    ADD COLUMN sla_paused_since date,
    ADD COLUMN sla_breached_on date,
    ADD CONSTRAINT applications_assigned_check CHECK ((assignee IS NULL) = (assigned_at IS NULL));
CREATE INDEX applications_assignee_idx ON applications (assignee, sla_due_on);
CREATE INDEX applications_sla_due_idx ON applications (sla_due_on, id) WHERE sla_due_on IS NOT NULL;

UPDATE applications a SET
    sla_due_on = a.submitted_on
        + coalesce((SELECT p.value::text::integer FROM policy_values p
                     WHERE p.key = 'processing_target_days' AND p.scope IS NULL
                       AND p.effective_from <= a.submitted_on
                       AND (p.effective_to IS NULL OR p.effective_to > a.submitted_on)
                     ORDER BY p.effective_from DESC, p.version DESC LIMIT 1), 90)
        + coalesce((SELECT sum(r.responded_on - r.requested_on)::integer FROM info_requests r
                     WHERE r.application_id = a.id AND r.responded_on IS NOT NULL), 0),
    sla_paused_since = (SELECT min(r.requested_on) FROM info_requests r
                         WHERE r.application_id = a.id AND r.responded_on IS NULL)
WHERE a.submitted_on IS NOT NULL;

-- 5. The language an employer's notices are written in, unless a request asks for another.
ALTER TABLE employers
    ADD COLUMN preferred_language text NOT NULL DEFAULT 'en' CHECK (preferred_language IN ('en', 'zh-HK'));

-- 6. Notifications: written in the transaction of the change they tell of (the outbox). Each is for an
--    employer, a named staff member (the case's assignee) or every user of a role (administrators).
CREATE TABLE notifications (
    id              uuid PRIMARY KEY,
    seq             bigserial NOT NULL UNIQUE,
    kind            text NOT NULL,
    employer_id     uuid REFERENCES employers (id),
    recipient_sub   text,
    recipient_role  text CHECK (recipient_role IN ('caseworker', 'approver', 'auditor', 'admin')),
    application_id  uuid REFERENCES applications (id),
    worker_id       uuid REFERENCES workers (id),
    params          jsonb NOT NULL DEFAULT '{}',
    occurred_on     date NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    read_at         timestamptz,
    CHECK (num_nonnulls(employer_id, recipient_sub, recipient_role) = 1)
);
CREATE INDEX notifications_employer_idx ON notifications (employer_id, seq DESC) WHERE employer_id IS NOT NULL;
CREATE INDEX notifications_sub_idx ON notifications (recipient_sub, seq DESC) WHERE recipient_sub IS NOT NULL;
CREATE INDEX notifications_role_idx ON notifications (recipient_role, seq DESC) WHERE recipient_role IS NOT NULL;

-- 7. Webhooks an employer registers; every notification for the employer is delivered to each active
--    one. The signing secret is not stored: it is derived from the webhook's id under SLS_PII_KEY.
CREATE TABLE webhooks (
    id              uuid PRIMARY KEY,
    employer_id     uuid NOT NULL REFERENCES employers (id),
    url             text NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
    language        text NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'zh-HK')),
    active          boolean NOT NULL DEFAULT true,
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_employer_idx ON webhooks (employer_id) WHERE active;

CREATE TABLE webhook_deliveries (
    id              uuid PRIMARY KEY,
    webhook_id      uuid NOT NULL REFERENCES webhooks (id),
    notification_id uuid NOT NULL REFERENCES notifications (id),
    state           text NOT NULL DEFAULT 'PENDING' CHECK (state IN ('PENDING', 'DELIVERED', 'DEAD')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    delivered_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (webhook_id, notification_id),
    CHECK ((state = 'DELIVERED') = (delivered_at IS NOT NULL))
);
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, created_at DESC);
CREATE INDEX webhook_deliveries_state_idx ON webhook_deliveries (state, updated_at DESC);

-- Every attempt, as it went: the delivery history. Append-only.
CREATE TABLE webhook_attempts (
    delivery_id     uuid NOT NULL REFERENCES webhook_deliveries (id),
    attempt_no      integer NOT NULL CHECK (attempt_no >= 1),
    attempted_at    timestamptz NOT NULL DEFAULT now(),
    status_code     integer,
    error           text,
    duration_ms     integer NOT NULL,
    PRIMARY KEY (delivery_id, attempt_no)
);
CREATE TRIGGER webhook_attempts_no_update_delete
    BEFORE UPDATE OR DELETE ON webhook_attempts
    FOR EACH ROW EXECUTE FUNCTION audit_events_reject_change();

-- 8. The trail names the new kinds of record.
ALTER TABLE audit_events DROP CONSTRAINT audit_events_entity_type_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_entity_type_check
    CHECK (entity_type IN ('employer', 'application', 'policy', 'wage_table', 'worker', 'notification',
                           'webhook', 'job', 'system'));

-- 9. The timers' durations, effective-dated like every other policy value.
INSERT INTO policy_values (id, key, scope, value, effective_from, effective_to, confidence, source_note, created_by) VALUES
 (gen_random_uuid(), 'rfi_reminders', NULL, '2', '2023-09-04', NULL, 'assumption', 'R-SCR-2: reminders sent for an unanswered information request before the case is closed', 'migration'),
 (gen_random_uuid(), 'rfi_reminder_interval_days', NULL, '7', '2023-09-04', NULL, 'assumption', 'R-SCR-2: days between the due date''s reminders, and from the last reminder to closure', 'migration'),
 (gen_random_uuid(), 'aip_deadline_notice_days', NULL, '14', '2023-09-04', NULL, 'assumption', 'R-DEC-2: days before the AIP deadline the employer is reminded of unfilled places', 'migration'),
 (gen_random_uuid(), 'contract_ending_notice_days', NULL, '30', '2023-09-04', NULL, 'assumption', 'R-CON-1: days before a Standard Employment Contract ends the employer is told', 'migration'),
 (gen_random_uuid(), 'wage_table_max_age_days', NULL, '200', '2023-09-04', NULL, 'assumption', 'R-WAGE-2: days after the latest wage table''s publication before administrators are warned (tables are half-yearly)', 'migration');
