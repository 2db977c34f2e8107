//! `/api/v1/users`: lookups, create, lifecycle, partial profile update; and [`UserView`],
//! typed accessors over a raw user object.

use serde_json::{Map, Value};

use crate::http::transport::Method;
use crate::okta::client::Client;
use crate::okta::error::OktaError;
use crate::okta::filter::Filter;
use crate::okta::path::{route, UserId};

/// The users API. Get one with [`Client::users`].
#[derive(Clone, Copy, Debug)]
pub struct Users<'a> {
    client: &'a Client,
}

impl<'a> Users<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Users { client }
    }

    /// `GET users/me`: the admin the token belongs to (the connectivity check).
    pub async fn me(&self) -> Result<Value, OktaError> {
        let route = route("users/me", &[])?;
        self.client
            .json(self.client.call(Method::Get, &route, &[]))
            .await
    }

    /// `GET users?filter=<filter>`: the first page only (up to 200 users). That is enough for
    /// lookups by `id`, `profile.login` or `profile.email`, which match at most a few users;
    /// a caller that needs every match should page through `search` instead.
    pub async fn list_by_filter(&self, filter: &Filter) -> Result<Vec<Value>, OktaError> {
        let route = route("users", &[])?;
        let call = self.client.call(
            Method::Get,
            &route,
            &[("filter", Some(filter.as_str().to_owned()))],
        );
        self.client.json_array(call).await
    }

    /// `GET users/{id}` (an id or a login).
    pub async fn get(&self, id: &UserId) -> Result<Value, OktaError> {
        let route = route("users/{id}", &[id.as_str()])?;
        self.client
            .json(self.client.call(Method::Get, &route, &[]))
            .await
    }

    /// `POST users?activate=<activate>&provider=<provider>` with `{"profile": ...}`.
    ///
    /// Null profile fields are left out of the body. A create is retried only after a 429
    /// (Okta did not process it; [`crate::okta::policy::OktaPolicy`] says so); a 5xx or a
    /// timeout is returned as an error, because the user may exist now: look it up before
    /// trying again.
    pub async fn create(
        &self,
        profile: Map<String, Value>,
        activate: bool,
        provider: bool,
    ) -> Result<Value, OktaError> {
        let route = route("users", &[])?;
        let profile: Map<String, Value> =
            profile.into_iter().filter(|(_, v)| !v.is_null()).collect();
        let mut call = self.client.call(
            Method::Post,
            &route,
            &[
                ("activate", Some(activate.to_string())),
                ("provider", Some(provider.to_string())),
            ],
        );
        call.body = Some(profile_body(profile));
        self.client.json(call).await
    }

    /// `POST users/{id}/lifecycle/activate?sendEmail=<send_email>` (empty body). With
    /// `sendEmail=false` Okta answers `{activationUrl, activationToken}`.
    pub async fn activate(&self, id: &UserId, send_email: bool) -> Result<Value, OktaError> {
        self.lifecycle(id, "users/{id}/lifecycle/activate", Some(send_email))
            .await
    }

    /// `POST users/{id}/lifecycle/deactivate` (empty body). Okta answers `{}` or nothing
    /// (`Value::Null`).
    pub async fn deactivate(&self, id: &UserId) -> Result<Value, OktaError> {
        self.lifecycle(id, "users/{id}/lifecycle/deactivate", None)
            .await
    }

    /// `POST users/{id}/lifecycle/unsuspend` (empty body).
    pub async fn unsuspend(&self, id: &UserId) -> Result<Value, OktaError> {
        self.lifecycle(id, "users/{id}/lifecycle/unsuspend", None)
            .await
    }

    /// `POST users/{id}` with `{"profile": ...}`: a partial update (keys left out stay as they
    /// are; a null clears a field). Retried like a GET: sending the same profile twice
    /// gives the same user.
    pub async fn update_profile(
        &self,
        id: &UserId,
        profile: Map<String, Value>,
    ) -> Result<Value, OktaError> {
        let route = route("users/{id}", &[id.as_str()])?;
        let mut call = self.client.call(Method::Post, &route, &[]);
        call.body = Some(profile_body(profile));
        self.client.json(call).await
    }

    async fn lifecycle(
        &self,
        id: &UserId,
        template: &'static str,
        send_email: Option<bool>,
    ) -> Result<Value, OktaError> {
        let route = route(template, &[id.as_str()])?;
        let call = self.client.call(
            Method::Post,
            &route,
            &[("sendEmail", send_email.map(|b| b.to_string()))],
        );
        self.client.json(call).await
    }
}

fn profile_body(profile: Map<String, Value>) -> Vec<u8> {
    let mut body = Map::new();
    body.insert("profile".to_owned(), Value::Object(profile));
    // A Value always serialises.
    serde_json::to_vec(&Value::Object(body)).unwrap_or_default()
}

/// Okta user statuses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserStatus {
    Staged,
    Provisioned,
    Active,
    Recovery,
    PasswordExpired,
    LockedOut,
    Suspended,
    Deprovisioned,
    /// A status this client does not know yet.
    Other(String),
}

impl UserStatus {
    pub fn parse(status: &str) -> UserStatus {
        match status {
            "STAGED" => UserStatus::Staged,
            "PROVISIONED" => UserStatus::Provisioned,
            "ACTIVE" => UserStatus::Active,
            "RECOVERY" => UserStatus::Recovery,
            "PASSWORD_EXPIRED" => UserStatus::PasswordExpired,
            "LOCKED_OUT" => UserStatus::LockedOut,
            "SUSPENDED" => UserStatus::Suspended,
            "DEPROVISIONED" => UserStatus::Deprovisioned,
            other => UserStatus::Other(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            UserStatus::Staged => "STAGED",
            UserStatus::Provisioned => "PROVISIONED",
            UserStatus::Active => "ACTIVE",
            UserStatus::Recovery => "RECOVERY",
            UserStatus::PasswordExpired => "PASSWORD_EXPIRED",
            UserStatus::LockedOut => "LOCKED_OUT",
            UserStatus::Suspended => "SUSPENDED",
            UserStatus::Deprovisioned => "DEPROVISIONED",
            UserStatus::Other(other) => other,
        }
    }
}

/// Typed reads over a raw Okta user object; missing or mistyped fields read as `None`.
#[derive(Clone, Copy, Debug)]
pub struct UserView<'a>(pub &'a Value);

impl<'a> UserView<'a> {
    pub fn id(&self) -> Option<&'a str> {
        self.0.get("id").and_then(Value::as_str)
    }

    pub fn user_id(&self) -> Option<UserId> {
        self.id().map(UserId::from)
    }

    pub fn status(&self) -> Option<UserStatus> {
        self.0
            .get("status")
            .and_then(Value::as_str)
            .map(UserStatus::parse)
    }

    pub fn profile(&self) -> Option<&'a Map<String, Value>> {
        self.0.get("profile").and_then(Value::as_object)
    }

    /// `profile.login`.
    pub fn login(&self) -> Option<&'a str> {
        self.profile()?.get("login").and_then(Value::as_str)
    }

    /// `profile.email`.
    pub fn email(&self) -> Option<&'a str> {
        self.profile()?.get("email").and_then(Value::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn user_view_reads_and_tolerates_missing_fields() {
        let user = json!({"id": "00u1", "status": "SUSPENDED",
            "profile": {"login": "a@b.c", "email": "a@b.c", "firstName": null}});
        let view = UserView(&user);
        assert_eq!(view.id(), Some("00u1"));
        assert_eq!(view.status(), Some(UserStatus::Suspended));
        assert_eq!(view.login(), Some("a@b.c"));
        assert_eq!(view.email(), Some("a@b.c"));
        let odd = json!({"status": "SOMETHING_NEW", "profile": []});
        let view = UserView(&odd);
        assert_eq!(view.id(), None);
        assert_eq!(view.status().unwrap().as_str(), "SOMETHING_NEW");
        assert_eq!(view.login(), None);
        assert_eq!(UserView(&Value::Null).email(), None);
    }

    #[test]
    fn statuses_round_trip() {
        for s in [
            "STAGED",
            "PROVISIONED",
            "ACTIVE",
            "RECOVERY",
            "PASSWORD_EXPIRED",
            "LOCKED_OUT",
            "SUSPENDED",
            "DEPROVISIONED",
        ] {
            assert_eq!(UserStatus::parse(s).as_str(), s);
        }
    }
}
