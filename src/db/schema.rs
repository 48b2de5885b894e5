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
        application_type -> Text,
        submitted_on -> Nullable<Date>,
        screened_in_on -> Nullable<Date>,
        recommended_by -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_on -> Nullable<Date>,
        recruitment_completed_on -> Nullable<Date>,
        closed_on -> Nullable<Date>,
        assignee -> Nullable<Text>,
        assigned_at -> Nullable<Timestamptz>,
        sla_due_on -> Nullable<Date>,
        sla_paused_since -> Nullable<Date>,
        sla_breached_on -> Nullable<Date>,
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
        on_behalf_of -> Nullable<Text>,
        actor_agency -> Nullable<Text>,
        decision_record_id -> Nullable<Uuid>,
        chain_key -> Text,
        chain_position -> Int8,
        prev_hash -> Nullable<Text>,
        hash -> Text,
    }
}

diesel::table! {
    briefing_attendances (id) {
        id -> Uuid,
        worker_id -> Uuid,
        session_ref -> Text,
        session_on -> Date,
        attended -> Bool,
        paid_leave_confirmed -> Bool,
        recorded_by -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    decision_records (id) {
        id -> Uuid,
        application_id -> Uuid,
        kind -> Text,
        evaluated_on -> Date,
        evaluated_by -> Text,
        outcome -> Nullable<Text>,
        reason_codes -> Array<Nullable<Text>>,
        places -> Jsonb,
        results -> Jsonb,
        recommended_by -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        note -> Nullable<Text>,
        created_at -> Timestamptz,
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
        preferred_language -> Text,
    }
}

diesel::table! {
    employment_contracts (worker_id) {
        worker_id -> Uuid,
        template_version -> Text,
        signed_on -> Date,
        post_code -> Nullable<Text>,
        monthly_wage_hkd -> Int4,
        normal_daily_hours -> Float8,
        overtime_terms -> Text,
        starts_on -> Date,
        ends_on -> Date,
        contract_months -> Int4,
        accommodation -> Text,
        accommodation_address -> Nullable<Text>,
        accommodation_deduction_hkd -> Int4,
        accommodation_actual_cost_hkd -> Nullable<Int4>,
        autopay_account_ref -> Text,
        levy_rate_hkd -> Int4,
        levy_amount_hkd -> Int4,
        checks -> Jsonb,
        version -> Int4,
        recorded_by -> Text,
        recorded_at -> Timestamptz,
    }
}

diesel::table! {
    headcount_returns (id) {
        id -> Uuid,
        employer_id -> Uuid,
        as_of -> Date,
        full_time_locals -> Int4,
        full_time_locals_per_post -> Jsonb,
        imported_workers -> Int4,
        imported_per_post -> Jsonb,
        evidence_ref -> Text,
        filed_by -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    idempotency_keys (id) {
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
        employer_id -> Nullable<Uuid>,
        agency -> Nullable<Text>,
        request_route -> Text,
        id -> Uuid,
    }
}

diesel::table! {
    info_requests (id) {
        id -> Uuid,
        application_id -> Uuid,
        message -> Text,
        requested_on -> Date,
        due_on -> Date,
        requested_by -> Text,
        response -> Nullable<Text>,
        responded_on -> Nullable<Date>,
        responded_by -> Nullable<Text>,
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
    job_fair_attendances (id) {
        id -> Uuid,
        application_id -> Uuid,
        vacancy_id -> Uuid,
        week_no -> Int4,
        session_on -> Date,
        centre -> Text,
        attended -> Bool,
        recorded_by -> Text,
    }
}

diesel::table! {
    levy_payments (id) {
        id -> Uuid,
        worker_id -> Uuid,
        contract_months -> Int4,
        rate_hkd -> Int4,
        amount_hkd -> Int4,
        paid_on -> Date,
        receipt_ref -> Text,
        non_refundable -> Bool,
        recorded_by -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    policy_values (id) {
        id -> Uuid,
        version -> Int8,
        key -> Text,
        scope -> Nullable<Text>,
        value -> Jsonb,
        effective_from -> Date,
        effective_to -> Nullable<Date>,
        confidence -> Text,
        source_note -> Text,
        created_by -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    recruitment_adverts (id) {
        id -> Uuid,
        application_id -> Uuid,
        vacancy_id -> Uuid,
        newspaper -> Text,
        published_on -> Date,
        reference -> Nullable<Text>,
        recorded_by -> Text,
        recorded_at -> Timestamptz,
    }
}

diesel::table! {
    recruitment_referrals (id) {
        id -> Uuid,
        application_id -> Uuid,
        vacancy_id -> Uuid,
        source -> Text,
        job_seeker_ref -> Text,
        referred_on -> Date,
        referred_by -> Text,
        outcome -> Nullable<Text>,
        outcome_reason -> Nullable<Text>,
        meets_requirements -> Nullable<Bool>,
        interview_on -> Nullable<Date>,
        outcome_recorded_by -> Nullable<Text>,
    }
}

diesel::table! {
    sanctions (id) {
        id -> Uuid,
        employer_id -> Uuid,
        bar_from -> Date,
        bar_until -> Date,
        reason -> Text,
        imposed_by -> Text,
        created_at -> Timestamptz,
        kinds -> Array<Text>,
        published -> Bool,
        application_ids -> Array<Uuid>,
        complaint_ids -> Array<Uuid>,
        inspection_ids -> Array<Uuid>,
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
        post_code -> Nullable<Text>,
        industry_sector -> Text,
        wage_table_id_at_submission -> Nullable<Uuid>,
        median_at_submission_hkd -> Nullable<Int4>,
        wage_table_id_at_decision -> Nullable<Uuid>,
        median_at_decision_hkd -> Nullable<Int4>,
        benchmark_median_hkd -> Nullable<Int4>,
        benchmark_source -> Nullable<Text>,
        recruitment_days -> Nullable<Int4>,
        recruitment_starts_on -> Nullable<Date>,
        recruitment_ends_on -> Nullable<Date>,
        job_fair_required -> Nullable<Bool>,
        places_approved -> Nullable<Int4>,
    }
}

diesel::table! {
    wage_payments (id) {
        id -> Uuid,
        worker_id -> Uuid,
        wage_month -> Date,
        gross_hkd -> Int4,
        deductions -> Jsonb,
        net_hkd -> Int4,
        autopay_ref -> Text,
        paid_on -> Date,
        expected_hkd -> Int4,
        flags -> Jsonb,
        recorded_by -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    wage_table_rows (table_id, post_code) {
        table_id -> Uuid,
        post_code -> Text,
        title_en -> Text,
        title_zh -> Nullable<Text>,
        industry_section -> Text,
        median_monthly_wage_hkd -> Int4,
        normal_hours_per_day -> Nullable<Float8>,
        is_common_post -> Bool,
    }
}

diesel::table! {
    wage_tables (id) {
        id -> Uuid,
        version_label -> Text,
        statistical_month -> Nullable<Date>,
        published_on -> Date,
        effective_from -> Date,
        source_note -> Text,
        is_sample -> Bool,
        created_by -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    worker_places (id) {
        id -> Uuid,
        application_id -> Uuid,
        vacancy_id -> Uuid,
        employer_id -> Uuid,
        place_no -> Int4,
        aip_deadline -> Date,
        aip_deadline_policy_id -> Nullable<Uuid>,
        status -> Text,
        replacement_allowed -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    workers (id) {
        id -> Uuid,
        place_id -> Uuid,
        application_id -> Uuid,
        employer_id -> Uuid,
        full_name -> Text,
        travel_document_hmac -> Text,
        travel_document_last4 -> Text,
        nationality -> Text,
        mainland_resident -> Bool,
        recruiting_enterprise -> Nullable<Text>,
        date_of_birth -> Date,
        checks -> Jsonb,
        visa_applied_on -> Nullable<Date>,
        visa_issued_on -> Nullable<Date>,
        visa_number -> Nullable<Text>,
        arrived_on -> Nullable<Date>,
        arrival_port -> Nullable<Text>,
        briefing_due_on -> Nullable<Date>,
        separated_on -> Nullable<Date>,
        separation_type -> Nullable<Text>,
        departure_confirmed -> Nullable<Bool>,
        named_by -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    jobs (id) {
        id -> Uuid,
        kind -> Text,
        payload -> Jsonb,
        dedupe_key -> Nullable<Text>,
        state -> Text,
        attempts -> Int4,
        max_attempts -> Int4,
        run_at -> Timestamptz,
        locked_by -> Nullable<Text>,
        locked_until -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    notifications (id) {
        id -> Uuid,
        seq -> Int8,
        kind -> Text,
        employer_id -> Nullable<Uuid>,
        recipient_sub -> Nullable<Text>,
        recipient_role -> Nullable<Text>,
        application_id -> Nullable<Uuid>,
        worker_id -> Nullable<Uuid>,
        params -> Jsonb,
        occurred_on -> Date,
        created_at -> Timestamptz,
        read_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    timer_firings (timer, subject_id, occurrence) {
        timer -> Text,
        subject_id -> Uuid,
        occurrence -> Text,
        fired_on -> Date,
        fired_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_attempts (delivery_id, attempt_no) {
        delivery_id -> Uuid,
        attempt_no -> Int4,
        attempted_at -> Timestamptz,
        status_code -> Nullable<Int4>,
        error -> Nullable<Text>,
        duration_ms -> Int4,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Uuid,
        webhook_id -> Uuid,
        notification_id -> Uuid,
        state -> Text,
        attempts -> Int4,
        next_attempt_at -> Nullable<Timestamptz>,
        delivered_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Uuid,
        employer_id -> Uuid,
        url -> Text,
        language -> Text,
        active -> Bool,
        created_by -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    public_holidays (day) {
        day -> Date,
        name -> Text,
        created_by -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    consultations (application_id) {
        application_id -> Uuid,
        opened_on -> Date,
        closes_on -> Date,
        working_days -> Int4,
        package -> Jsonb,
        policy_used -> Jsonb,
        closed_on -> Nullable<Date>,
        outcome -> Nullable<Text>,
        routed_to -> Nullable<Text>,
        tally -> Nullable<Jsonb>,
    }
}

diesel::table! {
    lab_views (id) {
        id -> Uuid,
        application_id -> Uuid,
        member -> Text,
        stance -> Text,
        comment -> Nullable<Text>,
        recorded_on -> Date,
        recorded_at -> Timestamptz,
    }
}

diesel::table! {
    complaints (id) {
        id -> Uuid,
        received_on -> Date,
        channel -> Text,
        subject -> Text,
        complainant_kind -> Text,
        anonymous -> Bool,
        complainant_name -> Nullable<Text>,
        complainant_contact -> Nullable<Text>,
        summary -> Text,
        employer_id -> Uuid,
        application_id -> Nullable<Uuid>,
        worker_id -> Nullable<Uuid>,
        status -> Text,
        conclusion -> Nullable<Text>,
        recorded_by -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    inspections (id) {
        id -> Uuid,
        employer_id -> Uuid,
        complaint_id -> Nullable<Uuid>,
        application_id -> Nullable<Uuid>,
        inspected_on -> Date,
        inspector -> Text,
        findings -> Jsonb,
        breach_found -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    documents (id) {
        id -> Uuid,
        owner_type -> Text,
        owner_id -> Uuid,
        employer_id -> Uuid,
        kind -> Text,
        file_name -> Text,
        media_type -> Text,
        size_bytes -> Int8,
        sha256 -> Text,
        uploaded_by -> Text,
        agency -> Nullable<Text>,
        uploaded_at -> Timestamptz,
    }
}

diesel::table! {
    document_chunks (document_id, seq) {
        document_id -> Uuid,
        seq -> Int4,
        data -> Bytea,
    }
}

diesel::table! {
    agency_authorisations (id) {
        id -> Uuid,
        employer_id -> Uuid,
        agency -> Text,
        agency_key -> Uuid,
        application_ids -> Nullable<Array<Uuid>>,
        valid_from -> Date,
        valid_until -> Date,
        letter_document_id -> Uuid,
        created_by -> Text,
        created_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        revoked_by -> Nullable<Text>,
    }
}

diesel::joinable!(applications -> employers (employer_id));
diesel::joinable!(audit_events -> applications (application_id));
diesel::joinable!(audit_events -> decision_records (decision_record_id));
diesel::joinable!(briefing_attendances -> workers (worker_id));
diesel::joinable!(decision_records -> applications (application_id));
diesel::joinable!(employment_contracts -> workers (worker_id));
diesel::joinable!(headcount_returns -> employers (employer_id));
diesel::joinable!(info_requests -> applications (application_id));
diesel::joinable!(job_fair_attendances -> applications (application_id));
diesel::joinable!(job_fair_attendances -> vacancies (vacancy_id));
diesel::joinable!(levy_payments -> workers (worker_id));
diesel::joinable!(recruitment_adverts -> applications (application_id));
diesel::joinable!(recruitment_adverts -> vacancies (vacancy_id));
diesel::joinable!(recruitment_referrals -> applications (application_id));
diesel::joinable!(recruitment_referrals -> vacancies (vacancy_id));
diesel::joinable!(sanctions -> employers (employer_id));
diesel::joinable!(vacancies -> applications (application_id));
diesel::joinable!(vacancies -> job_categories (designated_category_code));
diesel::joinable!(wage_payments -> workers (worker_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));
diesel::joinable!(webhook_deliveries -> notifications (notification_id));
diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(webhooks -> employers (employer_id));
diesel::joinable!(consultations -> applications (application_id));
diesel::joinable!(notifications -> employers (employer_id));
diesel::joinable!(wage_table_rows -> wage_tables (table_id));
diesel::joinable!(worker_places -> applications (application_id));
diesel::joinable!(worker_places -> employers (employer_id));
diesel::joinable!(worker_places -> policy_values (aip_deadline_policy_id));
diesel::joinable!(worker_places -> vacancies (vacancy_id));
diesel::joinable!(workers -> applications (application_id));
diesel::joinable!(workers -> employers (employer_id));
diesel::joinable!(workers -> worker_places (place_id));

diesel::allow_tables_to_appear_in_same_query!(
    agency_authorisations,
    complaints,
    consultations,
    document_chunks,
    documents,
    inspections,
    lab_views,
    public_holidays,
    applications,
    audit_events,
    briefing_attendances,
    decision_records,
    employers,
    employment_contracts,
    headcount_returns,
    idempotency_keys,
    info_requests,
    job_categories,
    job_fair_attendances,
    jobs,
    levy_payments,
    notifications,
    policy_values,
    recruitment_adverts,
    recruitment_referrals,
    sanctions,
    timer_firings,
    vacancies,
    wage_payments,
    wage_table_rows,
    wage_tables,
    webhook_attempts,
    webhook_deliveries,
    webhooks,
    worker_places,
    workers,
);
