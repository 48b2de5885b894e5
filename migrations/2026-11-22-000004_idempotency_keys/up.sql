-- Idempotency-Key (api.md): the first response to a creating or acting POST is kept, so a client's retry
-- with the same key gets that response again instead of a second application or a second transition.
CREATE TABLE idempotency_keys (
    actor_sub       text NOT NULL,
    key             text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    -- What the key was used for: a retry must send the same request, or it is refused.
    request_method  text NOT NULL,
    request_path    text NOT NULL,
    request_hash    text NOT NULL,
    response_status smallint NOT NULL,
    response_etag   text,
    response_location text,
    response_body   jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor_sub, key)
);

-- Keys are kept for a day; expired ones can be removed by a scheduled job.
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);
