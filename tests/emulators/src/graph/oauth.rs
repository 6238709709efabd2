//! The Microsoft identity platform's v2.0 endpoints as far as calsync uses them:
//! `authorize` (auto-consent: straight back to the redirect URI with a code) and `token`
//! (authorization_code with a PKCE S256 check, refresh_token). Access tokens can be expired
//! on demand, so tests can make Graph answer 401.

use base64::Engine;
use rand::Rng;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};

#[derive(Debug, Default)]
pub struct OAuthState {
    /// code -> (PKCE challenge, redirect URI)
    pub codes: HashMap<String, (String, String)>,
    pub access_tokens: HashSet<String>,
    pub refresh_tokens: HashSet<String>,
    pub refreshes: usize,
}

pub fn random(prefix: &str) -> String {
    let bytes: [u8; 16] = rand::rng().random();
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

impl OAuthState {
    pub fn issue(&mut self) -> (String, String) {
        let access = random("eyJ0eXAi.");
        let refresh = random("M.R3_BAY.");
        self.access_tokens.insert(access.clone());
        self.refresh_tokens.insert(refresh.clone());
        (access, refresh)
    }

    pub fn grant_code(&mut self, challenge: &str, redirect_uri: &str) -> String {
        let code = random("M.C5_");
        self.codes.insert(
            code.clone(),
            (challenge.to_string(), redirect_uri.to_string()),
        );
        code
    }

    /// Redeems a code once, if the verifier hashes to its challenge (RFC 7636 S256).
    pub fn redeem(
        &mut self,
        code: &str,
        verifier: &str,
        redirect_uri: &str,
    ) -> Result<(), &'static str> {
        let (challenge, expected_redirect) = self.codes.remove(code).ok_or("invalid_grant")?;
        let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(Sha256::digest(verifier.as_bytes()));
        if computed != challenge || expected_redirect != redirect_uri {
            return Err("invalid_grant");
        }
        Ok(())
    }

    pub fn refresh(&mut self, refresh_token: &str) -> Result<(String, String), &'static str> {
        if !self.refresh_tokens.remove(refresh_token) {
            return Err("invalid_grant");
        }
        self.refreshes += 1;
        Ok(self.issue())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_redeemed_once_and_only_with_the_right_verifier() {
        let mut state = OAuthState::default();
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        let code = state.grant_code(challenge, "http://127.0.0.1/cb");
        assert_eq!(
            state.redeem(&code, "wrong", "http://127.0.0.1/cb"),
            Err("invalid_grant")
        );
        let code = state.grant_code(challenge, "http://127.0.0.1/cb");
        assert_eq!(state.redeem(&code, verifier, "http://127.0.0.1/cb"), Ok(()));
        assert!(
            state
                .redeem(&code, verifier, "http://127.0.0.1/cb")
                .is_err()
        );
    }
}
