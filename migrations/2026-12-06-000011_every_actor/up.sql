-- Every actor of the scheme (docs/actors.md): LAB members' consultation, complaints, inspections and
-- sanctions' sources, agency authorisations, Immigration's events, and the documents of a case.

-- 1. Hong Kong general holidays, as data: the LAB window counts working days (Monday to Friday, not a
--    holiday). Administrators add years as they are gazetted; a holiday once listed stays listed.
CREATE TABLE public_holidays (
    day         date PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER public_holidays_no_update_delete
    BEFORE UPDATE OR DELETE ON public_holidays
    FOR EACH ROW EXECUTE FUNCTION audit_events_reject_change();
INSERT INTO public_holidays (day, name, created_by) VALUES
 ('2025-01-01', 'The first day of January', 'migration'),
 ('2025-01-29', 'Lunar New Year''s Day', 'migration'),
 ('2025-01-30', 'The second day of Lunar New Year', 'migration'),
 ('2025-01-31', 'The third day of Lunar New Year', 'migration'),
 ('2025-04-04', 'Ching Ming Festival', 'migration'),
 ('2025-04-18', 'Good Friday', 'migration'),
 ('2025-04-19', 'The day following Good Friday', 'migration'),
 ('2025-04-21', 'Easter Monday', 'migration'),
 ('2025-05-01', 'Labour Day', 'migration'),
 ('2025-05-05', 'The Birthday of the Buddha', 'migration'),
 ('2025-05-31', 'Tuen Ng Festival', 'migration'),
 ('2025-07-01', 'Hong Kong Special Administrative Region Establishment Day', 'migration'),
 ('2025-10-01', 'National Day', 'migration'),
 ('2025-10-07', 'The day following the Chinese Mid-Autumn Festival', 'migration'),
 ('2025-10-29', 'Chung Yeung Festival', 'migration'),
 ('2025-12-25', 'Christmas Day', 'migration'),
 ('2025-12-26', 'The first weekday after Christmas Day', 'migration'),
 ('2026-01-01', 'The first day of January', 'migration'),
 ('2026-02-17', 'Lunar New Year''s Day', 'migration'),
 ('2026-02-18', 'The second day of Lunar New Year', 'migration'),
 ('2026-02-19', 'The third day of Lunar New Year', 'migration'),
 ('2026-04-03', 'Good Friday', 'migration'),
 ('2026-04-04', 'The day following Good Friday', 'migration'),
 ('2026-04-06', 'Easter Monday', 'migration'),
 ('2026-04-07', 'The day following Ching Ming Festival', 'migration'),
 ('2026-05-01', 'Labour Day', 'migration'),
 ('2026-05-25', 'The day following the Birthday of the Buddha', 'migration'),
 ('2026-06-19', 'Tuen Ng Festival', 'migration'),
 ('2026-07-01', 'Hong Kong Special Administrative Region Establishment Day', 'migration'),
 ('2026-09-26', 'The day following the Chinese Mid-Autumn Festival', 'migration'),
 ('2026-10-01', 'National Day', 'migration'),
 ('2026-10-19', 'The day following Chung Yeung Festival', 'migration'),
 ('2026-12-25', 'Christmas Day', 'migration'),
 ('2026-12-26', 'The first weekday after Christmas Day', 'migration');

-- 2. LAB consultation (R-LAB-1/2): the package as circulated, the window in working days, each member's
--    one view, and the outcome with the threshold it was judged by.
CREATE TABLE consultations (
    application_id  uuid PRIMARY KEY REFERENCES applications (id),
    opened_on       date NOT NULL,
    closes_on       date NOT NULL CHECK (closes_on >= opened_on),
    working_days    integer NOT NULL CHECK (working_days >= 1),
    package         jsonb NOT NULL,
    policy_used     jsonb NOT NULL,
    closed_on       date,
    outcome         text CHECK (outcome IN ('CONSENSUS', 'NO_CONSENSUS')),
    routed_to       text CHECK (routed_to IN ('DECISION', 'WORKING_GROUP')),
    tally           jsonb,
    CHECK ((closed_on IS NULL) = (outcome IS NULL) AND (outcome IS NULL) = (routed_to IS NULL))
);
CREATE INDEX consultations_open_idx ON consultations (closes_on) WHERE closed_on IS NULL;

CREATE TABLE lab_views (
    id              uuid PRIMARY KEY,
    application_id  uuid NOT NULL REFERENCES consultations (application_id),
    member          text NOT NULL CHECK (length(member) BETWEEN 1 AND 200),
    stance          text NOT NULL CHECK (stance IN ('SUPPORT', 'OBJECT', 'COMMENT')),
    comment         text CHECK (length(comment) BETWEEN 1 AND 4000),
    recorded_on     date NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (application_id, member)
);
CREATE TRIGGER lab_views_no_update_delete
    BEFORE UPDATE OR DELETE ON lab_views
    FOR EACH ROW EXECUTE FUNCTION audit_events_reject_change();

-- 3. Complaints (R-CMP-1): the complainant's identity is kept apart from the rest and shown to
--    inspectors only. Displacement reviews (R-RAT-6) are complaints the service raises itself.
CREATE TABLE complaints (
    id                  uuid PRIMARY KEY,
    received_on         date NOT NULL,
    channel             text NOT NULL CHECK (channel IN ('HOTLINE', 'ONLINE_FORM', 'EMAIL', 'LETTER', 'IN_PERSON', 'OTHER', 'DISPLACEMENT_REVIEW')),
    subject             text NOT NULL CHECK (subject IN ('DISPLACEMENT', 'RATIO_BREACH', 'WORK_OUTSIDE_POST', 'WAGES_OR_DEDUCTIONS', 'RECRUITMENT_MALPRACTICE', 'OTHER')),
    complainant_kind    text NOT NULL CHECK (complainant_kind IN ('WORKER', 'JOB_SEEKER', 'PUBLIC', 'SERVICE')),
    anonymous           boolean NOT NULL,
    complainant_name    text CHECK (length(complainant_name) BETWEEN 1 AND 200),
    complainant_contact text CHECK (length(complainant_contact) BETWEEN 1 AND 200),
    summary             text NOT NULL CHECK (length(summary) BETWEEN 1 AND 4000),
    employer_id         uuid NOT NULL REFERENCES employers (id),
    application_id      uuid REFERENCES applications (id),
    worker_id           uuid REFERENCES workers (id),
    status              text NOT NULL DEFAULT 'RECEIVED' CHECK (status IN ('RECEIVED', 'UNDER_INVESTIGATION', 'SUBSTANTIATED', 'UNSUBSTANTIATED', 'INSUFFICIENT_EVIDENCE')),
    conclusion          text CHECK (length(conclusion) BETWEEN 1 AND 4000),
    recorded_by         text NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    version             integer NOT NULL DEFAULT 1,
    CHECK (NOT anonymous OR (complainant_name IS NULL AND complainant_contact IS NULL))
);
CREATE INDEX complaints_employer_idx ON complaints (employer_id, received_on DESC);
CREATE INDEX complaints_status_idx ON complaints (status, received_on DESC);

-- 4. Inspections and their findings; a finding of a breach is what a sanction can rest on.
CREATE TABLE inspections (
    id              uuid PRIMARY KEY,
    employer_id     uuid NOT NULL REFERENCES employers (id),
    complaint_id    uuid REFERENCES complaints (id),
    application_id  uuid REFERENCES applications (id),
    inspected_on    date NOT NULL,
    inspector       text NOT NULL,
    findings        jsonb NOT NULL,
    breach_found    boolean NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inspections_employer_idx ON inspections (employer_id, inspected_on DESC);
CREATE TRIGGER inspections_no_update_delete
    BEFORE UPDATE OR DELETE ON inspections
    FOR EACH ROW EXECUTE FUNCTION audit_events_reject_change();

-- 5. A sanction's kinds (R-SAN-1 (a)-(c)), its publication (R-SAN-2) and what it rests on.
ALTER TABLE sanctions
    ADD COLUMN kinds           text[] NOT NULL DEFAULT '{BAR_NEW_APPLICATIONS}'
        CHECK (kinds <@ ARRAY['BAR_NEW_APPLICATIONS', 'REVOKE_APPROVALS', 'TERMINATE_PENDING']::text[] AND cardinality(kinds) >= 1),
    ADD COLUMN published       boolean NOT NULL DEFAULT false,
    ADD COLUMN application_ids uuid[] NOT NULL DEFAULT '{}',
    ADD COLUMN complaint_ids   uuid[] NOT NULL DEFAULT '{}',
    ADD COLUMN inspection_ids  uuid[] NOT NULL DEFAULT '{}';

-- 6. Documents: content in PostgreSQL in chunks, written as the upload streams in and read back the
--    same way; the SHA-256 is in the audit event. Never changed, never deleted.
CREATE TABLE documents (
    id              uuid PRIMARY KEY,
    owner_type      text NOT NULL CHECK (owner_type IN ('employer', 'application', 'worker', 'complaint')),
    owner_id        uuid NOT NULL,
    employer_id     uuid NOT NULL REFERENCES employers (id),
    kind            text NOT NULL,
    file_name       text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    media_type      text NOT NULL,
    size_bytes      bigint NOT NULL CHECK (size_bytes > 0),
    sha256          text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    uploaded_by     text NOT NULL,
    agency          text,
    uploaded_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX documents_owner_idx ON documents (owner_type, owner_id, uploaded_at DESC);
-- The chunks are written as the upload arrives, before the document's row (whose size and hash are
-- known only at the end): the reference is checked at commit.
CREATE TABLE document_chunks (
    document_id     uuid NOT NULL REFERENCES documents (id) DEFERRABLE INITIALLY DEFERRED,
    seq             integer NOT NULL CHECK (seq >= 0),
    data            bytea NOT NULL,
    PRIMARY KEY (document_id, seq)
);
CREATE TRIGGER documents_no_update_delete
    BEFORE UPDATE OR DELETE ON documents
    FOR EACH ROW EXECUTE FUNCTION audit_events_reject_change();
CREATE TRIGGER document_chunks_no_update_delete
    BEFORE UPDATE OR DELETE ON document_chunks
    FOR EACH ROW EXECUTE FUNCTION audit_events_reject_change();

-- 7. An employer authorises an agency for named applications (or all of them) for a period, on the
--    strength of a letter. `agency_key` is the agency's name as tokens carry it, hashed (docs/actors.md).
CREATE TABLE agency_authorisations (
    id                  uuid PRIMARY KEY,
    employer_id         uuid NOT NULL REFERENCES employers (id),
    agency              text NOT NULL CHECK (length(agency) BETWEEN 1 AND 200),
    agency_key          uuid NOT NULL,
    application_ids     uuid[],
    valid_from          date NOT NULL,
    valid_until         date NOT NULL CHECK (valid_until >= valid_from),
    letter_document_id  uuid NOT NULL REFERENCES documents (id),
    created_by          text NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    revoked_at          timestamptz,
    revoked_by          text
);
CREATE INDEX agency_authorisations_key_idx ON agency_authorisations (employer_id, agency_key) WHERE revoked_at IS NULL;

-- 8. The trail names the new records; notices reach inspectors too.
ALTER TABLE audit_events DROP CONSTRAINT audit_events_entity_type_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_entity_type_check
    CHECK (entity_type IN ('employer', 'application', 'policy', 'wage_table', 'worker', 'notification',
                           'webhook', 'job', 'system', 'complaint', 'inspection', 'holiday'));
ALTER TABLE notifications DROP CONSTRAINT notifications_recipient_role_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_recipient_role_check
    CHECK (recipient_role IN ('caseworker', 'approver', 'auditor', 'admin', 'inspector'));

-- 9. The consensus threshold of R-LAB-2: the share of members taking a side who must take the same one.
INSERT INTO policy_values (id, key, scope, value, effective_from, effective_to, confidence, source_note, created_by) VALUES
 (gen_random_uuid(), 'lab_consensus_threshold', NULL, '0.75', '2023-09-04', NULL, 'assumption', 'R-LAB-2: share of the views supporting or objecting that must agree for consensus; short of it the case goes to the LAB working group', 'migration');

-- 10. The agency acting for an employer is recorded on every event it causes, beside the employer
--     (`on_behalf_of`), and the hash covers it. Events without an agency hash exactly as before.
ALTER TABLE audit_events ADD COLUMN actor_agency text;
CREATE OR REPLACE FUNCTION audit_canonical(e audit_events) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT 'sls-case audit v1' || E'\n'
        || audit_field('seq', e.seq::text)
        || audit_field('id', e.id::text)
        || audit_field('occurred_at', to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
        || audit_field('request_id', e.request_id)
        || audit_field('actor_sub', e.actor_sub)
        || audit_field('actor_role', e.actor_role)
        || audit_field('actor_employer_id', e.actor_employer_id::text)
        || audit_field('on_behalf_of', e.on_behalf_of)
        || CASE WHEN e.actor_agency IS NULL THEN '' ELSE audit_field('actor_agency', e.actor_agency) END
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
