ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM sls_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM sls_app;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM sls_app;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM sls_app;
REVOKE USAGE ON SCHEMA public FROM sls_app;
-- The role is cluster-wide and may serve other databases: it is left in place.
DROP INDEX audit_events_actor_idx;
DROP INDEX audit_events_occurred_idx;
DROP TRIGGER audit_events_chain ON audit_events;
ALTER TABLE audit_events
    DROP CONSTRAINT audit_events_chain_position_key,
    DROP COLUMN hash,
    DROP COLUMN prev_hash,
    DROP COLUMN chain_position,
    DROP COLUMN chain_key,
    DROP COLUMN decision_record_id,
    DROP COLUMN on_behalf_of;
DROP FUNCTION audit_events_chain();
DROP FUNCTION audit_canonical(audit_events);
DROP FUNCTION audit_field(text, text);
