//! Bearer-token authentication and the permission helpers every handler calls first.
//!
//! Two kinds of token are accepted. The service's own: HS256 JWTs (the algorithm is pinned) carrying
//! `sub`, `role`, `employer_id` (employer users only), `exp`, `iat`, `iss` and `aud`, minted by
//! `sls-case token` for local use or by a trusted issuer sharing `SLS_JWT_SECRET`. And, when one is
//! configured, an OpenID Connect provider's RS256/ES256 tokens (`oidc`). The token's header picks which
//! check applies, never the key: an HS256 token is checked only with the secret, an asymmetric one
//! only with the provider's published keys. Both end in the same coherence rules ([`admit`]). Every
//! failure is the same 401, so a client learns nothing about why a forged token failed.

pub mod oidc;

use std::time::Duration;

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use futures_util::future::LocalBoxFuture;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::JwtSettings;
use crate::domain::{AgencyKey, EmployerId, Role, Viewer};
use crate::error::ApiError;

/// The claims of an sls-case token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employer_id: Option<Uuid>,
    /// An employment agency acting for the employer (employer tokens only); recorded as
    /// "on behalf of" in the audit trail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
    pub exp: u64,
    pub iat: u64,
    pub iss: String,
    pub aud: String,
}

/// Keys and validation rules, built once at start-up and shared by every worker.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    leeway_secs: u64,
    max_lifetime: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum MintError {
    #[error("an employer token needs --employer-id")]
    EmployerIdRequired,
    #[error("only employer tokens carry an employer id")]
    EmployerIdNotAllowed,
    #[error("the {0} role cannot be put in a token")]
    RoleNotMintable(Role),
    #[error("the subject and agency must be 1 to 200 characters, not blank, without control characters")]
    EmptySubject,
    #[error("only employer tokens can name an agency")]
    AgencyNotAllowed,
    #[error("a token may live at most {}", humantime::format_duration(*.0))]
    LifetimeTooLong(Duration),
    #[error(transparent)]
    Jwt(#[from] jsonwebtoken::errors::Error),
}

impl JwtKeys {
    pub fn new(secret: &SecretString, settings: &JwtSettings) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = settings.leeway_secs;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            validation,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            leeway_secs: settings.leeway_secs,
            max_lifetime: settings.max_lifetime,
        }
    }

    /// Issues a token for `sub` acting as `role`, valid for `ttl`.
    pub fn mint(
        &self,
        sub: &str,
        role: Role,
        employer_id: Option<EmployerId>,
        ttl: Duration,
    ) -> Result<String, MintError> {
        self.mint_for_agency(sub, role, employer_id, None, ttl)
    }

    /// As [`JwtKeys::mint`], for a user of `agency` acting for the employer.
    pub fn mint_for_agency(
        &self,
        sub: &str,
        role: Role,
        employer_id: Option<EmployerId>,
        agency: Option<&str>,
        ttl: Duration,
    ) -> Result<String, MintError> {
        if agency.is_some() && role != Role::Employer {
            return Err(MintError::AgencyNotAllowed);
        }
        if ttl > self.max_lifetime {
            return Err(MintError::LifetimeTooLong(self.max_lifetime));
        }
        if !storable_name(sub) || agency.is_some_and(|a| !storable_name(a)) {
            return Err(MintError::EmptySubject);
        }
        if !Role::TOKEN_ROLES.contains(&role) {
            return Err(MintError::RoleNotMintable(role));
        }
        match (role, employer_id) {
            (Role::Employer, None) => return Err(MintError::EmployerIdRequired),
            (r, Some(_)) if r != Role::Employer => return Err(MintError::EmployerIdNotAllowed),
            _ => {}
        }
        let now = jsonwebtoken::get_current_timestamp();
        let claims = Claims {
            sub: sub.to_owned(),
            role,
            employer_id: employer_id.map(|id| id.0),
            agency: agency.map(str::to_owned),
            iat: now,
            exp: now + ttl.as_secs(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// A key set no one holds the secret of: in production with only an identity provider, the
    /// service's own tokens are refused (none can be minted), and no development secret is written.
    pub fn unusable(settings: &JwtSettings) -> Self {
        let bytes: [u8; 32] = rand::random();
        let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Self::new(&SecretString::from(secret), settings)
    }

    /// Checks a token and returns who it speaks for.
    pub fn verify(&self, token: &str) -> Result<AuthUser, ApiError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).map_err(|err| {
            tracing::debug!(reason = %err, "bearer token refused");
            ApiError::Unauthenticated
        })?;
        admit(data.claims, self.leeway_secs, self.max_lifetime)
    }
}

/// A subject or agency name the records can keep: it is written to the audit trail and to columns of
/// at most 200 characters (an assignee, a LAB member, an agency), so no control characters (NUL above
/// all, which PostgreSQL cannot store), not blank, and at most 200 characters.
fn storable_name(name: &str) -> bool {
    !name.trim().is_empty() && !name.chars().any(char::is_control) && name.chars().count() <= 200
}

/// The rules every token's claims meet, whoever signed it: issued in the past, living no longer than
/// `max_lifetime`, a role a token may carry, an employer id exactly for employer users, an agency only
/// on employer tokens, and a subject and agency that can be written to the audit trail.
fn admit(claims: Claims, leeway_secs: u64, max_lifetime: Duration) -> Result<AuthUser, ApiError> {
    // Issued in the future, or meant to live longer than any token we accept: refused.
    let now = jsonwebtoken::get_current_timestamp();
    if claims.iat > now + leeway_secs || claims.exp.saturating_sub(claims.iat) > max_lifetime.as_secs() {
        tracing::debug!("bearer token refused: issued in the future or lives too long");
        return Err(ApiError::Unauthenticated);
    }
    let employer_id = match (claims.role, claims.employer_id) {
        (Role::System, _) => return Err(ApiError::Unauthenticated),
        (Role::Employer, Some(id)) => Some(EmployerId(id)),
        (Role::Employer, None) => return Err(ApiError::Unauthenticated),
        (_, Some(_)) => return Err(ApiError::Unauthenticated),
        (_, None) => None,
    };
    if !storable_name(&claims.sub)
        || claims.agency.as_deref().is_some_and(|a| !storable_name(a))
        || (claims.agency.is_some() && claims.role != Role::Employer)
    {
        return Err(ApiError::Unauthenticated);
    }
    Ok(AuthUser {
        sub: claims.sub,
        role: claims.role,
        employer_id,
        agency: claims.agency,
    })
}

/// The authenticated caller. Taking it as a handler argument makes the endpoint require a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser {
    pub sub: String,
    pub role: Role,
    /// Set exactly when `role` is `Employer`.
    pub employer_id: Option<EmployerId>,
    /// The agency the user belongs to, when an agency acts for the employer.
    pub agency: Option<String>,
}

impl AuthUser {
    /// Refuses (403) unless the caller holds one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!("The {} role may not do this.", self.role)))
        }
    }

    /// The caller as a reader: its role, and the employer an employer user is confined to.
    pub fn viewer(&self) -> Viewer {
        Viewer {
            role: self.role,
            employer: self.employer_id,
            agency: self.agency.as_deref().map(AgencyKey::of),
        }
    }

    /// The employer whose data this caller is confined to: `Some` for employer users, `None` for
    /// roles that see every employer.
    pub fn employer_scope(&self) -> Option<EmployerId> {
        self.viewer().scope()
    }
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let keys = req.app_data::<web::Data<JwtKeys>>().cloned();
        let provider = req.app_data::<web::Data<oidc::IdentityProvider>>().cloned();
        let token = bearer_token(req).map(str::to_owned);
        Box::pin(async move {
            let keys = keys.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("JwtKeys missing from app data")))?;
            authenticate(&token?, &keys, provider.as_ref().map(|p| p.get_ref())).await
        })
    }
}

fn bearer_token(req: &HttpRequest) -> Result<&str, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or(ApiError::Unauthenticated)?;
    let value = value.to_str().map_err(|_| ApiError::Unauthenticated)?;
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .ok_or(ApiError::Unauthenticated)
}

/// The token's header names its algorithm: HS256 is the service's own, checked with the secret; an
/// algorithm the identity provider uses is checked with the provider's keys; anything else is refused.
async fn authenticate(
    token: &str,
    keys: &JwtKeys,
    provider: Option<&oidc::IdentityProvider>,
) -> Result<AuthUser, ApiError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| ApiError::Unauthenticated)?;
    match (header.alg, provider) {
        (Algorithm::HS256, _) => keys.verify(token),
        (alg, Some(provider)) if provider.signs_with(alg) => provider.verify(token, alg, header.kid.as_deref()).await,
        _ => {
            tracing::debug!(algorithm = ?header.alg, "bearer token refused: an algorithm not accepted");
            Err(ApiError::Unauthenticated)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> JwtSettings {
        JwtSettings {
            secret: None,
            issuer: "sls-case".into(),
            audience: "sls-case-api".into(),
            leeway_secs: 0,
            max_lifetime: Duration::from_secs(86_400),
        }
    }

    fn keys() -> JwtKeys {
        JwtKeys::new(&SecretString::from("x".repeat(32)), &settings())
    }

    fn encode(claims: &serde_json::Value, alg: Algorithm, secret: &str) -> String {
        jsonwebtoken::encode(&Header::new(alg), claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
    }

    fn claims(overrides: serde_json::Value) -> serde_json::Value {
        let now = jsonwebtoken::get_current_timestamp();
        let mut base = serde_json::json!({
            "sub": "cw1", "role": "caseworker", "iat": now, "exp": now + 600,
            "iss": "sls-case", "aud": "sls-case-api"
        });
        for (k, v) in overrides.as_object().unwrap() {
            if v.is_null() {
                base.as_object_mut().unwrap().remove(k);
            } else {
                base[k] = v.clone();
            }
        }
        base
    }

    #[test]
    fn minted_token_verifies_with_its_claims() {
        let employer = EmployerId::new();
        let token = keys()
            .mint("emp1", Role::Employer, Some(employer), Duration::from_secs(60))
            .unwrap();
        let user = keys().verify(&token).unwrap();
        assert_eq!(
            user,
            AuthUser {
                sub: "emp1".into(),
                role: Role::Employer,
                employer_id: Some(employer),
                agency: None,
            }
        );
        assert_eq!(user.employer_scope(), Some(employer));
    }

    #[test]
    fn staff_token_has_no_employer_scope() {
        let token = keys()
            .mint("cw", Role::Caseworker, None, Duration::from_secs(60))
            .unwrap();
        assert_eq!(keys().verify(&token).unwrap().employer_scope(), None);
    }

    #[test]
    fn minting_refuses_incoherent_requests() {
        let k = keys();
        let ttl = Duration::from_secs(60);
        assert!(matches!(
            k.mint("e", Role::Employer, None, ttl),
            Err(MintError::EmployerIdRequired)
        ));
        assert!(matches!(
            k.mint("c", Role::Caseworker, Some(EmployerId::new()), ttl),
            Err(MintError::EmployerIdNotAllowed)
        ));
        assert!(matches!(
            k.mint("s", Role::System, None, ttl),
            Err(MintError::RoleNotMintable(Role::System))
        ));
        assert!(matches!(
            k.mint(" ", Role::Admin, None, ttl),
            Err(MintError::EmptySubject)
        ));
    }

    #[test]
    fn agency_tokens_are_employer_tokens_only() {
        let employer = EmployerId::new();
        let ttl = Duration::from_secs(60);
        let token = keys()
            .mint_for_agency("agent-1", Role::Employer, Some(employer), Some("Acme Staffing"), ttl)
            .unwrap();
        assert_eq!(keys().verify(&token).unwrap().agency.as_deref(), Some("Acme Staffing"));
        assert!(matches!(
            keys().mint_for_agency("x", Role::Caseworker, None, Some("Acme"), ttl),
            Err(MintError::AgencyNotAllowed)
        ));
        let forged = encode(
            &claims(serde_json::json!({"agency": "Acme"})),
            Algorithm::HS256,
            &"x".repeat(32),
        );
        assert!(
            keys().verify(&forged).is_err(),
            "a caseworker token naming an agency is refused"
        );
    }

    #[test]
    fn refuses_expired_token() {
        let now = jsonwebtoken::get_current_timestamp();
        let token = encode(
            &claims(serde_json::json!({"exp": now - 5})),
            Algorithm::HS256,
            &"x".repeat(32),
        );
        assert!(keys().verify(&token).is_err());
    }

    #[test]
    fn accepts_token_expired_within_the_leeway() {
        let mut s = settings();
        s.leeway_secs = 30;
        let keys = JwtKeys::new(&SecretString::from("x".repeat(32)), &s);
        let now = jsonwebtoken::get_current_timestamp();
        let token = encode(
            &claims(serde_json::json!({"exp": now - 5})),
            Algorithm::HS256,
            &"x".repeat(32),
        );
        assert!(keys.verify(&token).is_ok());
    }

    #[test]
    fn refuses_token_without_exp() {
        let token = encode(
            &claims(serde_json::json!({"exp": null})),
            Algorithm::HS256,
            &"x".repeat(32),
        );
        assert!(keys().verify(&token).is_err());
    }

    #[test]
    fn refuses_tokens_that_live_too_long_or_were_issued_in_the_future() {
        let now = jsonwebtoken::get_current_timestamp();
        let secret = "x".repeat(32);
        let verify = |overrides| keys().verify(&encode(&claims(overrides), Algorithm::HS256, &secret));
        // A century ahead; a day longer than the maximum; issued tomorrow.
        assert!(verify(serde_json::json!({"exp": now + 100 * 365 * 86_400})).is_err());
        assert!(verify(serde_json::json!({"iat": now, "exp": now + 86_401})).is_err());
        assert!(verify(serde_json::json!({"iat": now + 86_400, "exp": now + 86_400 + 600})).is_err());
        // Exactly the maximum, issued an hour ago, is fine.
        assert!(verify(serde_json::json!({"iat": now - 3600, "exp": now - 3600 + 86_400})).is_ok());
    }

    /// A subject becomes an assignee or a LAB member's name (columns of at most 200 characters): a longer
    /// one is refused at the door, not by the table's check on the first write.
    #[test]
    fn subjects_and_agencies_over_200_characters_are_refused() {
        let secret = "x".repeat(32);
        let verify = |overrides| keys().verify(&encode(&claims(overrides), Algorithm::HS256, &secret));
        assert!(verify(serde_json::json!({"sub": "é".repeat(200)})).is_ok());
        assert!(verify(serde_json::json!({"sub": "é".repeat(201)})).is_err());
        let employer = Uuid::new_v4();
        let agency = |name: String| serde_json::json!({"role": "employer", "employer_id": employer, "agency": name});
        assert!(verify(agency("a".repeat(200))).is_ok());
        assert!(verify(agency("a".repeat(201))).is_err());
        let ttl = Duration::from_secs(60);
        assert!(matches!(
            keys().mint(&"c".repeat(201), Role::Caseworker, None, ttl),
            Err(MintError::EmptySubject)
        ));
        assert!(matches!(
            keys().mint_for_agency(
                "u",
                Role::Employer,
                Some(EmployerId(employer)),
                Some(&"a".repeat(201)),
                ttl
            ),
            Err(MintError::EmptySubject)
        ));
    }

    #[test]
    fn subjects_and_agencies_with_control_characters_are_refused() {
        let secret = "x".repeat(32);
        let verify = |overrides| keys().verify(&encode(&claims(overrides), Algorithm::HS256, &secret));
        assert!(verify(serde_json::json!({"sub": "cw\u{0}"})).is_err());
        assert!(verify(serde_json::json!({"sub": "cw\n1"})).is_err());
        let employer = Uuid::new_v4();
        let agency = |name: &str| serde_json::json!({"role": "employer", "employer_id": employer, "agency": name});
        assert!(verify(agency("Agency\u{0}")).is_err());
        assert!(verify(agency("Agency Ltd")).is_ok());
        assert!(matches!(
            keys().mint("cw\u{0}", Role::Caseworker, None, Duration::from_secs(60)),
            Err(MintError::EmptySubject)
        ));
    }

    #[test]
    fn minting_refuses_a_lifetime_over_the_maximum() {
        let keys = keys();
        assert!(
            keys.mint("cw", Role::Caseworker, None, Duration::from_secs(86_400))
                .is_ok()
        );
        let err = keys
            .mint("cw", Role::Caseworker, None, Duration::from_secs(86_401))
            .unwrap_err();
        assert!(matches!(err, MintError::LifetimeTooLong(_)));
        assert_eq!(err.to_string(), "a token may live at most 1day");
    }

    #[test]
    fn refuses_wrong_issuer_audience_secret_or_algorithm() {
        let secret = "x".repeat(32);
        let k = keys();
        assert!(
            k.verify(&encode(
                &claims(serde_json::json!({"iss": "evil"})),
                Algorithm::HS256,
                &secret
            ))
            .is_err()
        );
        assert!(
            k.verify(&encode(
                &claims(serde_json::json!({"aud": "other"})),
                Algorithm::HS256,
                &secret
            ))
            .is_err()
        );
        assert!(
            k.verify(&encode(
                &claims(serde_json::json!({})),
                Algorithm::HS256,
                &"y".repeat(32)
            ))
            .is_err()
        );
        assert!(
            k.verify(&encode(&claims(serde_json::json!({})), Algorithm::HS512, &secret))
                .is_err()
        );
        assert!(
            k.verify(&encode(&claims(serde_json::json!({})), Algorithm::HS256, &secret))
                .is_ok()
        );
    }

    #[test]
    fn refuses_incoherent_role_and_employer_claims() {
        let secret = "x".repeat(32);
        let k = keys();
        let id = Uuid::new_v4().to_string();
        for bad in [
            serde_json::json!({"role": "employer"}),
            serde_json::json!({"role": "caseworker", "employer_id": id}),
            serde_json::json!({"role": "system"}),
            serde_json::json!({"role": "superuser"}),
            serde_json::json!({"sub": ""}),
        ] {
            assert!(
                k.verify(&encode(&claims(bad.clone()), Algorithm::HS256, &secret))
                    .is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn require_refuses_roles_not_listed() {
        let user = AuthUser {
            sub: "a".into(),
            role: Role::Auditor,
            employer_id: None,
            agency: None,
        };
        assert!(user.require(&[Role::Auditor, Role::Caseworker]).is_ok());
        assert!(matches!(user.require(&[Role::Caseworker]), Err(ApiError::Forbidden(_))));
    }
}
