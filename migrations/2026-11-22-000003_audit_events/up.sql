-- The audit trail: one row per change, written in the same transaction as the change itself.
-- Append-only in the database, not only by convention: the triggers below reject UPDATE, DELETE and TRUNCATE
-- for every role, including the table owner.

CREATE TABLE audit_events (
    -- Monotonic within the database: the order of the trail and the keyset for paging through it.
    seq                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                  uuid NOT NULL UNIQUE,
    occurred_at         timestamptz NOT NULL DEFAULT now(),
    request_id          text,
    actor_sub           text NOT NULL,
    actor_role          text NOT NULL,
    actor_employer_id   uuid,
    -- What changed: the entity, the action, and the entity before and after (null for creation / removal).
    entity_type         text NOT NULL CHECK (entity_type IN ('employer', 'application')),
    entity_id           uuid NOT NULL,
    -- The case the event belongs to, so a case's whole history is one indexed query.
    application_id      uuid REFERENCES applications (id),
    action              text NOT NULL CHECK (action ~ '^[a-z][a-z_.]*$'),
    from_status         text,
    to_status           text,
    before              jsonb,
    after               jsonb,
    comment             text
);

CREATE INDEX audit_events_application_seq_idx ON audit_events (application_id, seq) WHERE application_id IS NOT NULL;
CREATE INDEX audit_events_entity_seq_idx ON audit_events (entity_type, entity_id, seq);

CREATE FUNCTION audit_events_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_events_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_reject_change();

CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_reject_change();
