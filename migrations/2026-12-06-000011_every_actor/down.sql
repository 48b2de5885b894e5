ALTER TABLE policy_values DISABLE TRIGGER policy_values_history;
DELETE FROM policy_values WHERE key = 'lab_consensus_threshold';
ALTER TABLE policy_values ENABLE TRIGGER policy_values_history;
ALTER TABLE notifications DROP CONSTRAINT notifications_recipient_role_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_recipient_role_check
    CHECK (recipient_role IN ('caseworker', 'approver', 'auditor', 'admin'));
ALTER TABLE audit_events DROP CONSTRAINT audit_events_entity_type_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_entity_type_check
    CHECK (entity_type IN ('employer', 'application', 'policy', 'wage_table', 'worker', 'notification',
                           'webhook', 'job', 'system'));
DROP TABLE agency_authorisations;
DROP TABLE document_chunks;
DROP TABLE documents;
ALTER TABLE sanctions DROP COLUMN kinds, DROP COLUMN published, DROP COLUMN application_ids,
    DROP COLUMN complaint_ids, DROP COLUMN inspection_ids;
DROP TABLE inspections;
DROP TABLE complaints;
DROP TABLE lab_views;
DROP TABLE consultations;
DROP TABLE public_holidays;
