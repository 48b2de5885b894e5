//! Least privilege in the database: the service serves as a login that can add history but never
//! change it, and cannot become a role that could.

use diesel::{Connection, PgConnection, RunQueryDsl};
use sls_case::domain::Role;

use crate::helpers::TestApp;

#[derive(diesel::QueryableByName, Debug)]
struct Login {
    #[diesel(sql_type = diesel::sql_types::Text)]
    login: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    superuser: bool,
}

fn current_login(conn: &mut PgConnection) -> Login {
    diesel::sql_query(
        "SELECT current_user::text AS login, rolsuper AS superuser FROM pg_roles WHERE rolname = current_user",
    )
    .get_result(conn)
    .unwrap()
}

#[actix_web::test]
async fn the_service_login_cannot_change_history_or_become_another_role() {
    let app = TestApp::spawn().await;
    app.create_employer("12345678").await;
    let mut service = PgConnection::establish(&app.db.service_url()).unwrap();
    let login = current_login(&mut service);
    assert_eq!((login.login.as_str(), login.superuser), ("sls_app", false));

    for statement in [
        "ALTER TABLE audit_events DISABLE TRIGGER ALL",
        "ALTER TABLE audit_events DROP COLUMN comment",
        "DROP TABLE audit_events",
        "TRUNCATE audit_events",
        "DELETE FROM audit_events",
        "UPDATE audit_events SET comment = 'rewritten'",
        "DELETE FROM levy_payments",
        "UPDATE decision_records SET note = 'rewritten'",
        "SET session_replication_role = replica",
        "SET ROLE postgres",
        "ALTER ROLE sls_app SUPERUSER",
        "CREATE ROLE escape LOGIN SUPERUSER",
        "GRANT postgres TO sls_app",
    ] {
        let refused = diesel::sql_query(statement).execute(&mut service);
        assert!(refused.is_err(), "the service login could run: {statement}");
    }
    // RESET ROLE gives back nothing more: the login itself is the least-privilege role.
    diesel::sql_query("RESET ROLE").execute(&mut service).unwrap();
    let login = current_login(&mut service);
    assert_eq!((login.login.as_str(), login.superuser), ("sls_app", false));
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_events WHERE comment = 'rewritten'"),
        0
    );
    assert_eq!(app.audit_count("employer.created"), 1);
}

#[actix_web::test]
async fn none_of_the_running_service_s_connections_is_a_superuser() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("12345678").await;
    app.create_draft(&token).await;
    app.get("/v1/applications", &app.token(Role::Caseworker, None)).await;

    #[derive(diesel::QueryableByName, Debug)]
    struct Backend {
        #[diesel(sql_type = diesel::sql_types::Text)]
        usename: String,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        usesuper: bool,
    }
    let backends: Vec<Backend> = diesel::sql_query(
        "SELECT u.usename::text AS usename, u.usesuper FROM pg_stat_activity a JOIN pg_user u ON u.usesysid = a.usesysid \
          WHERE a.datname = $1 AND a.application_name = 'sls-case'",
    )
    .bind::<diesel::sql_types::Text, _>(&app.db.name)
    .load(&mut app.db.connect())
    .unwrap();
    assert!(!backends.is_empty(), "the service holds connections");
    for backend in &backends {
        assert_eq!(
            (backend.usename.as_str(), backend.usesuper),
            ("sls_app", false),
            "{backends:?}"
        );
    }
}

#[actix_web::test]
async fn the_service_refuses_to_serve_as_a_superuser() {
    let app = TestApp::spawn().await;
    let settings = sls_case::config::Settings::from_lookup(|key| match key {
        "SLS_APP_DATABASE_URL" => Some(app.db.url.clone()),
        _ => None,
    })
    .unwrap();
    let refused = sls_case::service_pool(&settings, Some(&app.db.url))
        .await
        .err()
        .expect("refused");
    assert!(refused.to_string().contains("is a superuser"), "{refused}");
    // Derived from the owner's URL, the service's login is accepted.
    let settings = sls_case::config::Settings::from_lookup(|_| None).unwrap();
    assert!(sls_case::service_pool(&settings, Some(&app.db.url)).await.is_ok());
}
