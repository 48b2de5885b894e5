-- The role is cluster-wide and may serve other databases: its LOGIN is left in place.
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_scope_key;
ALTER TABLE idempotency_keys DROP COLUMN id, DROP COLUMN request_route, DROP COLUMN agency, DROP COLUMN employer_id;
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_pkey PRIMARY KEY (actor_sub, key);
