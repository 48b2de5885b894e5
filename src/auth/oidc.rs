//! Tokens from the department's OpenID Connect identity provider: RS256/ES256 (as configured) signed
//! access tokens, checked against the provider's JSON Web Key Set, found by the token's `kid`. Keys are
//! cached; a `kid` not in the cache fetches the set again (the provider rotated its keys), at most once
//! per `min_refetch`, so made-up `kid`s cannot turn the service against the provider.
//!
//! Only asymmetric keys are used: an `oct` (shared secret) key in the set is ignored, and a token's
//! algorithm must be one configured and, when the key names one, the key's own, so a token cannot
//! choose how it is checked.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use tokio::sync::{Mutex, RwLock};

use super::{AuthUser, Claims};
use crate::config::{JwksSource, OidcSettings};
use crate::domain::Role;
use crate::error::ApiError;

/// How long one fetch of the key set may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// A provider's key set, cached.
pub struct IdentityProvider {
    settings: OidcSettings,
    leeway_secs: u64,
    max_lifetime: Duration,
    client: reqwest::Client,
    keys: RwLock<KeyCache>,
    /// One fetch at a time; the others wait for it and use what it found.
    fetching: Mutex<()>,
}

#[derive(Default)]
struct KeyCache {
    keys: HashMap<String, ProviderKey>,
    fetched_at: Option<Instant>,
}

#[derive(Clone)]
struct ProviderKey {
    key: DecodingKey,
    /// The algorithm the key is for, when the set says.
    algorithm: Option<Algorithm>,
    rsa: bool,
}

impl IdentityProvider {
    pub fn new(settings: OidcSettings, leeway_secs: u64, max_lifetime: Duration) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .user_agent(concat!("sls-case/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            settings,
            leeway_secs,
            max_lifetime,
            client,
            keys: RwLock::new(KeyCache::default()),
            fetching: Mutex::new(()),
        })
    }

    pub fn issuer(&self) -> &str {
        &self.settings.issuer
    }

    /// Whether `algorithm` is one this provider's tokens may use.
    pub fn signs_with(&self, algorithm: Algorithm) -> bool {
        self.settings.algorithms.contains(&algorithm)
    }

    /// Fetches the key set now (at start-up, so a wrong URL or file shows at once); returns how many
    /// usable keys it holds.
    pub async fn refresh(&self) -> anyhow::Result<usize> {
        let keys = self.fetch().await?;
        let count = keys.len();
        *self.keys.write().await = KeyCache {
            keys,
            fetched_at: Some(Instant::now()),
        };
        Ok(count)
    }

    /// Checks a token signed by the provider and returns who it speaks for.
    pub async fn verify(&self, token: &str, algorithm: Algorithm, kid: Option<&str>) -> Result<AuthUser, ApiError> {
        if !self.signs_with(algorithm) {
            return Err(refused("an algorithm the provider is not configured to use"));
        }
        let key = self.key(kid).await?;
        let rsa_algorithm = matches!(
            algorithm,
            Algorithm::RS256
                | Algorithm::RS384
                | Algorithm::RS512
                | Algorithm::PS256
                | Algorithm::PS384
                | Algorithm::PS512
        );
        if key.rsa != rsa_algorithm || key.algorithm.is_some_and(|a| a != algorithm) {
            return Err(refused("the key is not for the token's algorithm"));
        }
        let mut validation = Validation::new(algorithm);
        validation.leeway = self.leeway_secs;
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.settings.issuer]);
        validation.set_audience(&[&self.settings.audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        let data = jsonwebtoken::decode::<Value>(token, &key.key, &validation).map_err(|err| {
            tracing::debug!(reason = %err, "identity provider token refused");
            ApiError::Unauthenticated
        })?;
        let claims = self.claims(&data.claims)?;
        super::admit(claims, self.leeway_secs, self.max_lifetime)
    }

    /// The provider's claims as ours: the role from the configured claim (exactly one role of the
    /// service among its values), the employer and agency from theirs.
    fn claims(&self, raw: &Value) -> Result<Claims, ApiError> {
        let text = |path: &str| claim(raw, path).and_then(Value::as_str).map(str::to_owned);
        let role = self.role(claim(raw, &self.settings.role_claim))?;
        let employer_id = match text(&self.settings.employer_claim) {
            None => None,
            Some(id) => Some(
                id.parse()
                    .map_err(|_| refused("an employer claim that is not a UUID"))?,
            ),
        };
        let number = |name: &str| {
            raw.get(name)
                .and_then(Value::as_u64)
                .ok_or_else(|| refused("no numeric exp or iat"))
        };
        Ok(Claims {
            sub: text("sub").ok_or_else(|| refused("no sub"))?,
            role,
            employer_id,
            agency: text(&self.settings.agency_claim),
            exp: number("exp")?,
            iat: number("iat")?,
            iss: self.settings.issuer.clone(),
            aud: self.settings.audience.clone(),
        })
    }

    fn role(&self, value: Option<&Value>) -> Result<Role, ApiError> {
        let values: Vec<&str> = match value {
            Some(Value::String(one)) => vec![one.as_str()],
            Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let roles: Vec<Role> = values
            .into_iter()
            .filter_map(|v| v.strip_prefix(self.settings.role_prefix.as_str()))
            .filter_map(|v| serde_json::from_value::<Role>(Value::String(v.to_owned())).ok())
            .filter(|r| Role::TOKEN_ROLES.contains(r))
            .collect();
        match roles.as_slice() {
            [role] => Ok(*role),
            [] => Err(refused("no role of this service in the role claim")),
            _ => Err(refused(
                "several roles of this service in the role claim (one per sign-in)",
            )),
        }
    }

    /// The key named `kid` (or the set's only key when the token names none), fetching the set again
    /// when it is stale or does not hold it.
    async fn key(&self, kid: Option<&str>) -> Result<ProviderKey, ApiError> {
        if let Some(key) = self.cached(kid, true).await {
            return Ok(key);
        }
        let _one_fetch = self.fetching.lock().await;
        // Another request may have fetched while this one waited.
        if let Some(key) = self.cached(kid, true).await {
            return Ok(key);
        }
        let fetched_recently = self
            .keys
            .read()
            .await
            .fetched_at
            .is_some_and(|at| at.elapsed() < self.settings.min_refetch);
        if !fetched_recently {
            match self.refresh().await {
                Ok(_) => {}
                Err(err) => {
                    tracing::warn!(error = %format!("{err:#}"), "identity provider keys could not be fetched");
                    // Keys fetched earlier still check the tokens they signed.
                    return self.cached(kid, false).await.ok_or_else(|| {
                        ApiError::Unavailable("the identity provider's keys could not be fetched".into())
                    });
                }
            }
        }
        self.cached(kid, false)
            .await
            .ok_or_else(|| refused("a key the provider does not publish"))
    }

    async fn cached(&self, kid: Option<&str>, fresh_only: bool) -> Option<ProviderKey> {
        let cache = self.keys.read().await;
        let fresh = cache
            .fetched_at
            .is_some_and(|at| at.elapsed() < self.settings.cache_for);
        if fresh_only && !fresh {
            return None;
        }
        match kid {
            Some(kid) => cache.keys.get(kid).cloned(),
            None if cache.keys.len() == 1 => cache.keys.values().next().cloned(),
            None => None,
        }
    }

    async fn fetch(&self) -> anyhow::Result<HashMap<String, ProviderKey>> {
        let set: JwkSet = match &self.settings.jwks {
            JwksSource::Url(url) => {
                self.client
                    .get(url.clone())
                    .send()
                    .await?
                    .error_for_status()?
                    .json()
                    .await?
            }
            JwksSource::File(path) => serde_json::from_slice(&tokio::fs::read(path).await?)?,
        };
        Ok(usable_keys(&set))
    }
}

/// The set's signing keys that can check a token: RSA and EC keys, by `kid` (a key without one under
/// the empty name), not those marked for encryption.
fn usable_keys(set: &JwkSet) -> HashMap<String, ProviderKey> {
    set.keys
        .iter()
        .filter(|jwk| jwk.common.public_key_use != Some(PublicKeyUse::Encryption))
        .filter_map(|jwk: &Jwk| {
            let rsa = match &jwk.algorithm {
                AlgorithmParameters::RSA(_) => true,
                AlgorithmParameters::EllipticCurve(_) => false,
                _ => return None,
            };
            let algorithm = match jwk.common.key_algorithm {
                None => None,
                Some(alg @ (KeyAlgorithm::RSA1_5 | KeyAlgorithm::RSA_OAEP | KeyAlgorithm::RSA_OAEP_256)) => {
                    tracing::debug!(algorithm = %alg, "encryption key in the key set ignored");
                    return None;
                }
                Some(alg) => Some(Algorithm::try_from(alg).ok()?),
            };
            let key = DecodingKey::from_jwk(jwk).ok()?;
            Some((
                jwk.common.key_id.clone().unwrap_or_default(),
                ProviderKey { key, algorithm, rsa },
            ))
        })
        .collect()
}

/// A claim by dotted path (`realm_access.roles`).
fn claim<'a>(claims: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(claims, |value, name| value.get(name))
}

fn refused(why: &str) -> ApiError {
    tracing::debug!(reason = why, "identity provider token refused");
    ApiError::Unauthenticated
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn claims_are_found_by_dotted_path() {
        let claims = json!({"realm_access": {"roles": ["caseworker"]}, "roles": "admin"});
        assert_eq!(claim(&claims, "realm_access.roles"), Some(&json!(["caseworker"])));
        assert_eq!(claim(&claims, "roles"), Some(&json!("admin")));
        assert_eq!(claim(&claims, "realm_access.groups"), None);
    }

    #[test]
    fn shared_secret_and_encryption_keys_in_the_set_are_never_used() {
        let set: JwkSet = serde_json::from_value(json!({"keys": [
            {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"},
            {"kty": "EC", "kid": "ec", "crv": "P-256", "alg": "ES256",
             "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
            {"kty": "EC", "kid": "enc", "use": "enc", "crv": "P-256",
             "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}
        ]}))
        .unwrap();
        let keys = usable_keys(&set);
        assert_eq!(keys.keys().collect::<Vec<_>>(), ["ec"]);
        assert_eq!(keys["ec"].algorithm, Some(Algorithm::ES256));
    }
}
