-- Tamper evidence (docs/audit.md): every audit event joins a hash chain, one chain per case (or per
-- non-case entity). The database keeps the chain, so no writer can skip or fork it; the service
-- verifies it independently by recomputing every hash from the raw columns.

ALTER TABLE audit_events
    ADD COLUMN on_behalf_of text,
    ADD COLUMN decision_record_id uuid REFERENCES decision_records (id),
    ADD COLUMN chain_key text,
    ADD COLUMN chain_position bigint,
    ADD COLUMN prev_hash text,
    ADD COLUMN hash text;

-- The canonical text of an event: one length-prefixed field per line, NULL written as '-', times in UTC
-- with microseconds. The service builds the same text from the raw columns (src/domain/audit_chain.rs).
CREATE FUNCTION audit_field(name text, value text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT name || ':' || CASE WHEN value IS NULL THEN '-' ELSE octet_length(value) || ':' || value END || E'\n'
$$;

CREATE FUNCTION audit_canonical(e audit_events) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT 'sls-case audit v1' || E'\n'
        || audit_field('seq', e.seq::text)
        || audit_field('id', e.id::text)
        || audit_field('occurred_at', to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
        || audit_field('request_id', e.request_id)
        || audit_field('actor_sub', e.actor_sub)
        || audit_field('actor_role', e.actor_role)
        || audit_field('actor_employer_id', e.actor_employer_id::text)
        || audit_field('on_behalf_of', e.on_behalf_of)
        || audit_field('entity_type', e.entity_type)
        || audit_field('entity_id', e.entity_id::text)
        || audit_field('application_id', e.application_id::text)
        || audit_field('action', e.action)
        || audit_field('from_status', e.from_status)
        || audit_field('to_status', e.to_status)
        || audit_field('before', e.before::text)
        || audit_field('after', e.after::text)
        || audit_field('comment', e.comment)
        || audit_field('decision_record_id', e.decision_record_id::text)
        || audit_field('chain_key', e.chain_key)
        || audit_field('chain_position', e.chain_position::text)
        || audit_field('prev_hash', e.prev_hash)
$$;

CREATE FUNCTION audit_events_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    previous record;
BEGIN
    NEW.chain_key := CASE WHEN NEW.application_id IS NOT NULL THEN 'application:' || NEW.application_id
                          ELSE NEW.entity_type || ':' || NEW.entity_id END;
    -- One writer per chain at a time, until commit: the next event always sees the last one.
    PERFORM pg_advisory_xact_lock(hashtextextended(NEW.chain_key, 727274));
    SELECT chain_position, hash INTO previous FROM audit_events
        WHERE chain_key = NEW.chain_key ORDER BY chain_position DESC LIMIT 1;
    NEW.chain_position := coalesce(previous.chain_position, 0) + 1;
    NEW.prev_hash := previous.hash;
    NEW.hash := encode(sha256(convert_to(audit_canonical(NEW), 'UTF8')), 'hex');
    RETURN NEW;
END;
$$;

-- Chain the events written before this migration, in the order they were written.
ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete;
DO $$
DECLARE
    e audit_events;
    previous record;
BEGIN
    FOR e IN SELECT * FROM audit_events ORDER BY seq LOOP
        e.chain_key := CASE WHEN e.application_id IS NOT NULL THEN 'application:' || e.application_id
                            ELSE e.entity_type || ':' || e.entity_id END;
        SELECT chain_position, hash INTO previous FROM audit_events
            WHERE chain_key = e.chain_key AND hash IS NOT NULL ORDER BY chain_position DESC LIMIT 1;
        e.chain_position := coalesce(previous.chain_position, 0) + 1;
        e.prev_hash := previous.hash;
        e.hash := encode(sha256(convert_to(audit_canonical(e), 'UTF8')), 'hex');
        UPDATE audit_events SET chain_key = e.chain_key, chain_position = e.chain_position,
            prev_hash = e.prev_hash, hash = e.hash WHERE seq = e.seq;
    END LOOP;
END;
$$;
ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete;

ALTER TABLE audit_events
    ALTER COLUMN chain_key SET NOT NULL,
    ALTER COLUMN chain_position SET NOT NULL,
    ALTER COLUMN hash SET NOT NULL,
    ADD CONSTRAINT audit_events_chain_position_key UNIQUE (chain_key, chain_position);

CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_chain();

CREATE INDEX audit_events_occurred_idx ON audit_events (occurred_at, seq);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_sub, seq);

-- The service's own role: it may add audit events but never change or remove them, even if the
-- triggers were dropped. `serve` switches every pooled connection to it (SLS_DB_ROLE).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sls_app') THEN
        CREATE ROLE sls_app NOLOGIN;
    END IF;
END;
$$;
GRANT sls_app TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO sls_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO sls_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO sls_app;
-- History tables: append only for the service.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_events, decision_records, policy_values, wage_tables,
    wage_table_rows, headcount_returns FROM sls_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO sls_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO sls_app;
