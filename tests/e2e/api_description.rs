//! The machine-readable description of everything the proxy serves (`docs/api/openapi.json`,
//! `docs/api/asyncapi.json`, served on the admin listener) against the real binary: every
//! request sent here is checked against its operation's request schema, every answer against
//! the schema of its path, method and status, every notification against the channel's message
//! schema (a JSON Schema 2020-12 validator), so the description cannot drift from the code.
//! Every operation of the OpenAPI document is exercised, but those listed in `NOT_EXERCISED`.

use crate::cometd::Notifications;
use crate::support::{Proxy, Response};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// Operations this test does not call, and why.
const NOT_EXERCISED: [(&str, &str); 2] = [
    // Reloading would change the configuration under the other checks.
    ("/admin/reload", "post"),
    // Text exposition, checked by the dashboard and alert tests.
    ("/metrics", "get"),
];

/// A JSON pointer token (`/` and `~` escaped) as it may stand in a URI fragment (braces
/// percent-encoded).
fn token(text: &str) -> String {
    text.replace('~', "~0")
        .replace('/', "~1")
        .replace('{', "%7B")
        .replace('}', "%7D")
}

/// The description documents and which operations were exercised.
struct Description {
    openapi: Value,
    asyncapi: Value,
    exercised: BTreeSet<(String, String)>,
}

impl Description {
    /// Both documents, as the admin listener serves them.
    fn fetch(proxy: &Proxy) -> Description {
        let get = |path| {
            let response = proxy.admin().request("GET", path, b"");
            assert_eq!(response.status, 200, "{path}");
            response.json()
        };
        let openapi = get("/admin/openapi.json");
        let asyncapi = get("/admin/asyncapi.json");
        assert_eq!(openapi["openapi"], "3.1.0");
        assert_eq!(asyncapi["asyncapi"], "3.0.0");
        Description {
            openapi,
            asyncapi,
            exercised: BTreeSet::new(),
        }
    }

    /// Checks `instance` against the schema at `pointer` inside `document` (its `$ref`s resolve
    /// within the document).
    fn check(document: &Value, pointer: &str, instance: &Value, what: &str) {
        let plain = pointer
            .trim_start_matches('#')
            .replace("%7B", "{")
            .replace("%7D", "}");
        assert!(
            document.pointer(&plain).is_some(),
            "{what}: no schema at {pointer}"
        );
        let mut root = document.clone();
        root["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
        root["$ref"] = json!(pointer);
        let validator = jsonschema::validator_for(&root).expect("the description is valid");
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| format!("{e} at {}", e.instance_path))
            .collect();
        assert!(errors.is_empty(), "{what}: {errors:?}\n{instance}");
    }

    /// Sends `body` (checked against the operation's request schema) with `client` to
    /// `path` (the document's template `template`), and checks the answer against the schema of
    /// its status.
    fn call(
        &mut self,
        client: &mut crate::support::Client,
        method: &str,
        template: &str,
        path: &str,
        body: Option<Value>,
    ) -> Response {
        let operation = format!("#/paths/{}/{}", token(template), method.to_lowercase());
        if let Some(body) = &body {
            let schema = format!("{operation}/requestBody/content/application~1json/schema");
            Self::check(
                &self.openapi,
                &schema,
                body,
                &format!("{method} {path} request"),
            );
        }
        let bytes = body.map(|b| b.to_string()).unwrap_or_default();
        let response = client.request(method, path, bytes.as_bytes());
        let schema = format!(
            "{operation}/responses/{}/content/application~1json/schema",
            response.status
        );
        let what = format!("{method} {path} → {}", response.status);
        Self::check(&self.openapi, &schema, &response.json(), &what);
        self.exercised
            .insert((template.to_owned(), method.to_lowercase()));
        response
    }

    /// Checks a notification's `data` against the AsyncAPI message `name`.
    fn notification(&self, name: &str, data: &Value) {
        let pointer = format!("#/components/messages/{name}/payload");
        Self::check(&self.asyncapi, &pointer, data, name);
    }
}

const HISTORY: &str = "/api/v2/ucs/interactions";
const CONTENT: &str = "/api/v2/ucs/interactions/{id}";
const RESOURCE: &str = "/api/v2/interactions/{id}";

#[test]
fn every_route_and_notification_matches_the_description() {
    let proxy = Proxy::start(&[]);
    let mut api = Description::fetch(&proxy);
    let mut notifications = Notifications::open(&proxy);
    let mut demo = proxy.connect();

    // History: ack, then GetInteractionsHistoryMessage.
    let mut listed = Vec::new();
    for (media, body) in [
        (
            "chat",
            json!({"operationName": "RetrieveInteractionHistory", "mediaType": "chat", "fromDate": "2000-01-01", "customAttributes": ["SearchId"]}),
        ),
        (
            "email",
            json!({"operationName": "RetrieveAgentHistory", "mediaType": "Email", "fromDate": "2000-01-01", "userId": "cc9016eee9c84dfeb266c642d9fd92c5", "maxSize": "20"}),
        ),
    ] {
        let ack = api.call(&mut demo, "POST", HISTORY, HISTORY, Some(body));
        assert_eq!(ack.status, 200, "{}", ack.text());
        let data = notifications.data_of(ack.json()["referenceId"].as_u64().unwrap());
        api.notification("GetInteractionsHistoryMessage", &data);
        let first = data["interactions"][0]["id"]
            .as_str()
            .expect("demo has some")
            .to_owned();
        listed.push((media, first));
    }
    let contact = "0000Fa0000000007";
    let path = format!("/api/v2/ucs/contacts/{contact}/interactions");
    let body = json!({"operationName": "RetrieveContactHistory", "fromDate": "2000-01-01"});
    let ack = api.call(
        &mut demo,
        "POST",
        "/api/v2/ucs/contacts/{contactId}/interactions",
        &path,
        Some(body),
    );
    let data = notifications.data_of(ack.json()["referenceId"].as_u64().unwrap());
    api.notification("GetInteractionsHistoryMessage", &data);

    // Content of a chat (with its transcript) and of an e-mail, twice (miss, hit), then the
    // resource; an unknown id: the errorMessage form and 404.
    for (media, id) in &listed {
        for _ in 0..2 {
            let body = json!({"operationName": "GetInteractionContent", "source": "main"});
            let ack = api.call(
                &mut demo,
                "POST",
                CONTENT,
                &format!("{HISTORY}/{id}"),
                Some(body),
            );
            assert_eq!(ack.status, 200, "{}", ack.text());
            let data = notifications.data_of(ack.json()["referenceId"].as_u64().unwrap());
            api.notification("GetInteractionContentMessage", &data);
            assert_eq!(data["messages"].is_array(), *media == "chat", "{data}");
        }
        let resource = api.call(
            &mut demo,
            "GET",
            RESOURCE,
            &format!("/api/v2/interactions/{id}"),
            None,
        );
        assert_eq!(resource.status, 200);
    }
    let unknown = "0000NOSUCHID0000";
    let ack = api.call(
        &mut demo,
        "POST",
        CONTENT,
        &format!("{HISTORY}/{unknown}"),
        Some(json!({"operationName": "GetInteractionContent"})),
    );
    let data = notifications.data_of(ack.json()["referenceId"].as_u64().unwrap());
    api.notification("GetInteractionContentMessage", &data);
    assert_eq!(data["errorMessage"], "Interaction not found");
    let missing = api.call(
        &mut demo,
        "GET",
        RESOURCE,
        &format!("/api/v2/interactions/{unknown}"),
        None,
    );
    assert_eq!(missing.status, 404);

    // GWS errors.
    let malformed = demo.request("POST", HISTORY, b"[1]");
    Description::check(
        &api.openapi,
        "#/components/schemas/Error",
        &malformed.json(),
        "400",
    );
    assert_eq!(malformed.status, 400);
    let other_operation = api.call(
        &mut demo,
        "POST",
        CONTENT,
        &format!("{HISTORY}/{}", listed[0].1),
        Some(json!({"operationName": "GetInteractionContent", "source": "elsewhere"})),
    );
    assert_eq!(other_operation.status, 400);
    let anonymous = api.call(
        &mut proxy.connect_anonymous(),
        "POST",
        HISTORY,
        HISTORY,
        Some(json!({"operationName": "RetrieveInteractionHistory"})),
    );
    assert_eq!(anonymous.status, 401);
    let forbidden = api.call(
        &mut proxy.connect_as("novoice", "novoice"),
        "POST",
        HISTORY,
        HISTORY,
        Some(json!({"operationName": "RetrieveInteractionHistory", "mediaType": "call"})),
    );
    assert_eq!(forbidden.status, 403);
    let wrong_method = demo.request("GET", HISTORY, b"");
    Description::check(
        &api.openapi,
        "#/paths/~1api~1v2~1ucs~1interactions/post/responses/405/content/application~1json/schema",
        &wrong_method.json(),
        "405",
    );

    // The admin API.
    let admin = |api: &mut Description, method: &str, path: &str, body: Option<Value>| {
        api.call(&mut proxy.admin(), method, path, path, body)
    };
    assert_eq!(admin(&mut api, "GET", "/admin/cache", None).status, 200);
    assert_eq!(
        admin(
            &mut api,
            "POST",
            "/admin/cache/purge",
            Some(json!({"tenant": "cc1"}))
        )
        .status,
        200
    );
    let change = json!({"tenant": "cc1", "id": listed[0].1, "kind": "content"});
    assert_eq!(
        admin(&mut api, "POST", "/admin/cache/invalidate", Some(change)).status,
        200
    );
    assert_eq!(admin(&mut api, "GET", "/healthz", None).status, 200);
    assert_eq!(admin(&mut api, "GET", "/readyz", None).status, 200);
    assert_eq!(admin(&mut api, "GET", "/admin/cluster", None).status, 404);
    for document in ["/admin/openapi.json", "/admin/asyncapi.json"] {
        assert_eq!(admin(&mut api, "GET", document, None).status, 200);
    }

    // Every operation of the description was exercised, but the ones said.
    let described: BTreeSet<(String, String)> = api.openapi["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|k| *k != "parameters")
                .map(move |method| (path.clone(), method.clone()))
        })
        .collect();
    let skipped: BTreeSet<(String, String)> = NOT_EXERCISED
        .iter()
        .map(|(p, m)| ((*p).to_owned(), (*m).to_owned()))
        .collect();
    let missing: Vec<_> = described
        .difference(&api.exercised)
        .filter(|op| !skipped.contains(op))
        .collect();
    assert!(missing.is_empty(), "operations never checked: {missing:?}");
}
