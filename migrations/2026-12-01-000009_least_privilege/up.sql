-- 1. The service logs in as `sls_app` itself instead of switching to it from a superuser session, which
--    `RESET ROLE` could undo. The role owns nothing and is a member of no other role, so it cannot
--    disable the history triggers, alter or truncate history tables, or become a role that can.
ALTER ROLE sls_app WITH LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION NOBYPASSRLS;

-- 2. An Idempotency-Key belongs to everything that owns its result: the caller, the employer and the
--    agency it acts for, and the operation (method and route pattern). One agency user's key for
--    employer A is not the same key for employer B.
ALTER TABLE idempotency_keys
    ADD COLUMN employer_id uuid,
    ADD COLUMN agency text,
    ADD COLUMN request_route text;
UPDATE idempotency_keys SET request_route = request_path;
ALTER TABLE idempotency_keys ALTER COLUMN request_route SET NOT NULL;
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
-- The scope has optional parts (no employer, no agency), so it is a unique key, not the primary key.
ALTER TABLE idempotency_keys ADD COLUMN id uuid PRIMARY KEY DEFAULT gen_random_uuid();
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_scope_key
    UNIQUE NULLS NOT DISTINCT (actor_sub, employer_id, agency, request_method, request_route, key);
