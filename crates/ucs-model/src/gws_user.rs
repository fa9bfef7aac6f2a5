//! The user a GWS `GET /api/v2/me` answer describes, read leniently: public GWS documentation
//! shows the call but not its whole body (SPEC, "The upstream GWS, as the proxy reads it").

use serde_json::Value;
use std::collections::BTreeSet;

/// A GWS user, as `GET /api/v2/me?subresources=features` describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GwsUser {
    /// The user id (32 hex digits in GWS).
    pub id: String,
    /// The login name (empty when not given).
    pub user_name: String,
    /// The contact centre (tenant), when the answer names one.
    pub contact_center: Option<String>,
    /// The enabled features.
    pub features: BTreeSet<String>,
}

impl GwsUser {
    /// Reads `body`: the user under `user` or at the top level; the contact centre from
    /// `contactCenterId` (user, top level) or else `contact_center_header` (the `ContactCenterId`
    /// header); features under the user or at the top level, each a string or an object with a
    /// `name` or `id`. `None` without a user id.
    pub fn from_me(body: &Value, contact_center_header: Option<&str>) -> Option<GwsUser> {
        let user = body.get("user").filter(|u| u.is_object()).unwrap_or(body);
        let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
        let features = user
            .get("features")
            .or_else(|| body.get("features"))
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|f| match f {
                        Value::String(name) => Some(name.clone()),
                        Value::Object(_) => text(f, "name").or_else(|| text(f, "id")),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some(GwsUser {
            id: text(user, "id").filter(|id| !id.is_empty())?,
            user_name: text(user, "userName").unwrap_or_default(),
            contact_center: text(user, "contactCenterId")
                .or_else(|| text(body, "contactCenterId"))
                .or_else(|| contact_center_header.map(str::to_owned)),
            features,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_user_is_read_from_every_documented_shape() {
        let nested = json!({"statusCode": 0, "user": {"id": "u1", "userName": "alice",
            "contactCenterId": "cc1", "features": [{"name": "api-ucs-voice"}, {"id": "api-multimedia-chat"}]}});
        let u = GwsUser::from_me(&nested, Some("ignored")).unwrap();
        assert_eq!((u.id.as_str(), u.user_name.as_str()), ("u1", "alice"));
        assert_eq!(u.contact_center.as_deref(), Some("cc1"));
        assert_eq!(
            u.features.iter().map(String::as_str).collect::<Vec<_>>(),
            ["api-multimedia-chat", "api-ucs-voice"]
        );

        let flat = json!({"id": "u2", "userName": "bob", "features": ["api-multimedia-email", 7]});
        let u = GwsUser::from_me(&flat, Some("cc9")).unwrap();
        assert_eq!(
            (u.id.as_str(), u.contact_center.as_deref()),
            ("u2", Some("cc9"))
        );
        assert_eq!(u.features.len(), 1);

        let top = json!({"user": {"id": "u3"}, "contactCenterId": "t", "features": ["f"]});
        let u = GwsUser::from_me(&top, None).unwrap();
        assert_eq!(u.contact_center.as_deref(), Some("t"));
        assert!(u.features.contains("f"));
        assert_eq!(
            GwsUser::from_me(&json!({"user": {"id": "u4"}}), None)
                .unwrap()
                .contact_center,
            None
        );

        assert!(
            GwsUser::from_me(&json!({"statusCode": 0, "user": {"userName": "x"}}), None).is_none()
        );
        assert!(GwsUser::from_me(&json!({"user": {"id": ""}}), None).is_none());
    }
}
