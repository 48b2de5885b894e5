// @generated automatically by Diesel CLI.

diesel::table! {
    applications (id) {
        id -> Uuid,
        reference -> Text,
        employer_id -> Uuid,
        status -> Text,
        justification -> Text,
        version -> Int4,
        created_by -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        submitted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    audit_events (seq) {
        seq -> Int8,
        id -> Uuid,
        occurred_at -> Timestamptz,
        request_id -> Nullable<Text>,
        actor_sub -> Text,
        actor_role -> Text,
        actor_employer_id -> Nullable<Uuid>,
        entity_type -> Text,
        entity_id -> Uuid,
        application_id -> Nullable<Uuid>,
        action -> Text,
        from_status -> Nullable<Text>,
        to_status -> Nullable<Text>,
        before -> Nullable<Jsonb>,
        after -> Nullable<Jsonb>,
        comment -> Nullable<Text>,
    }
}

diesel::table! {
    employers (id) {
        id -> Uuid,
        business_registration_number -> Text,
        name_en -> Text,
        name_zh -> Nullable<Text>,
        business_address -> Text,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    idempotency_keys (actor_sub, key) {
        actor_sub -> Text,
        key -> Text,
        request_method -> Text,
        request_path -> Text,
        request_hash -> Text,
        response_status -> Int2,
        response_etag -> Nullable<Text>,
        response_location -> Nullable<Text>,
        response_body -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    job_categories (code) {
        code -> Text,
        ordinal -> Int2,
        name_en -> Text,
        name_zh -> Text,
        aliases -> Array<Nullable<Text>>,
    }
}

diesel::table! {
    vacancies (id) {
        id -> Uuid,
        application_id -> Uuid,
        position -> Int2,
        post_title -> Text,
        designated_category_code -> Nullable<Text>,
        workers_requested -> Int4,
        monthly_wage_hkd -> Int4,
        normal_daily_hours -> Float8,
        duties -> Text,
        entry_requirements -> Nullable<Text>,
        workplace_addresses -> Array<Nullable<Text>>,
    }
}

diesel::joinable!(applications -> employers (employer_id));
diesel::joinable!(audit_events -> applications (application_id));
diesel::joinable!(vacancies -> applications (application_id));
diesel::joinable!(vacancies -> job_categories (designated_category_code));

diesel::allow_tables_to_appear_in_same_query!(applications, audit_events, employers, job_categories, vacancies,);
