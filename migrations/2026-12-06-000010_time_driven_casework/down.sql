-- The timers' policy values go with the timers (the history guard stands aside for this alone).
ALTER TABLE policy_values DISABLE TRIGGER policy_values_history;
DELETE FROM policy_values WHERE key IN ('rfi_reminders', 'rfi_reminder_interval_days', 'aip_deadline_notice_days',
    'contract_ending_notice_days', 'wage_table_max_age_days');
ALTER TABLE policy_values ENABLE TRIGGER policy_values_history;
ALTER TABLE audit_events DROP CONSTRAINT audit_events_entity_type_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_entity_type_check
    CHECK (entity_type IN ('employer', 'application', 'policy', 'wage_table', 'worker'));
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
DROP TABLE notifications;
ALTER TABLE employers DROP COLUMN preferred_language;
ALTER TABLE applications DROP CONSTRAINT applications_assigned_check,
    DROP COLUMN assignee, DROP COLUMN assigned_at, DROP COLUMN sla_due_on, DROP COLUMN sla_paused_since,
    DROP COLUMN sla_breached_on;
DROP INDEX worker_places_allocated_idx;
UPDATE worker_places SET status = 'ALLOCATED' WHERE status = 'EXPIRED';
ALTER TABLE worker_places DROP CONSTRAINT worker_places_status_check;
ALTER TABLE worker_places ADD CONSTRAINT worker_places_status_check CHECK (status IN
    ('ALLOCATED', 'VISA_APPLIED', 'VISA_ISSUED', 'ARRIVED', 'CONTRACT_ENDED', 'TERMINATED_EARLY', 'REVOKED'));
DROP TABLE timer_firings;
DROP TABLE jobs;
