//! The last touches to the OpenAPI document, applied to the whole generated document
//! because they follow from rules the server applies to every operation (DESIGN.md
//! §3.3–3.6, §3.11): the headers every response carries, the ranges the paging and
//! filter parameters accept, the characters the request screen and the text types
//! refuse, list items by reference, an error example per status that fits the
//! operation, and links from a create to the read, update and delete of what it made.
//! What is particular to one operation or field stays beside its handler or wire type.
//! `tools/contract-checks` holds the result to Spectral, three generators and
//! schemathesis.

use serde_json::{Map, Value, json};

use crate::error::ErrorCode;

/// The headers the middleware puts on responses, once, referenced by each response.
fn headers() -> Value {
    let string =
        |description: &str| json!({"description": description, "schema": {"type": "string"}});
    let mut request_id = string(
        "The request's id (the client's own `X-Request-Id` when it sent a sane one); every log line of the request carries it.",
    );
    request_id["required"] = json!(true);
    json!({
        "X-Request-Id": request_id,
        "RateLimit": string("The key's quota left in this window, as `\"default\";r=<remaining>;t=<seconds to reset>`."),
        "RateLimit-Policy": string("The key's quota, as `\"default\";q=<requests>;w=60`."),
        "ETag": string("The resource's version, `\"<version>\"`: send it as `If-Match` to update safely, or as `If-None-Match` to be told `304`."),
        "Location": string("Where the created resource lives."),
        "Link": string("`<…>; rel=\"next\"` while there is a next page."),
        "Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer", "minimum": 0}},
        "Idempotent-Replayed": {"description": "`true` when this is the kept answer to an earlier request with the same `Idempotency-Key`.", "schema": {"type": "string", "enum": ["true"]}},
    })
}

/// What every path and query string must match: no control characters (C0, DEL, C1).
const NO_CONTROL_CHARACTERS: &str = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$";
/// Free text as the server takes it: trimmed, it is not empty, and it holds no control
/// characters but line breaks and tabs.
const TEXT: &str = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$";
/// A query value of free text: as [`TEXT`], without tabs or line breaks either.
const QUERY_TEXT: &str = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$";
/// A partner's own id for an offering or slot: visible ASCII.
const EXTERNAL_ID: &str = "^[!-~]{1,100}$";
/// A web address: absolute http(s).
const WEB_URL: &str = "^https?://[^\\s/?#]+[^\\s]*$";

/// A short guide for a newcomer: the document's description.
const QUICK_START: &str = include_str!("quick_start.md");

pub fn finish(doc: &mut Value) {
    doc["info"]["contact"] = json!({
        "name": "The Driehoek maintainers, through the city that runs this deployment",
    });
    let intro = doc["info"]["description"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    doc["info"]["description"] = Value::String(format!("{intro}\n\n{QUICK_START}"));
    doc["servers"] = json!([{
        "url": "http://127.0.0.1:8080",
        "description": "`driehoek serve` on this machine (its default address)",
    }]);
    doc["components"]["headers"] = headers();
    // A problem's `code` is one of the catalogue's.
    doc["components"]["schemas"]["Problem"]["properties"]["code"] =
        json!({"$ref": "#/components/schemas/ProblemCode"});
    reference_list_items(doc);
    inline_form_bodies(doc);
    tighten_request_strings(doc);
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let operation_ids = operations_by_path(paths);
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in item.iter_mut() {
            if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                continue;
            }
            tighten_parameters(operation);
            let links = if method == "post" {
                links_from_create(path, &operation_ids)
            } else {
                Map::new()
            };
            document_responses(path, method, operation, links);
        }
    }
}

/// The document as JSON text. Keys keep their sorted order but for one: a request
/// body that may be a form lists `multipart/form-data` first, so generators that can
/// take one body per operation (typescript-fetch) take the form, whose parts they can
/// only describe in place, and still compile the JSON body's model.
pub fn to_text(doc: &Value, pretty: bool) -> serde_json::Result<String> {
    struct Ordered<'a>(&'a Value);

    impl serde::Serialize for Ordered<'_> {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            use serde::ser::{SerializeMap, SerializeSeq};
            match self.0 {
                Value::Object(map) => {
                    let mut out = serializer.serialize_map(Some(map.len()))?;
                    let form = "multipart/form-data";
                    if let Some(value) = map.get(form) {
                        out.serialize_entry(form, &Ordered(value))?;
                    }
                    for (key, value) in map.iter().filter(|(k, _)| *k != form) {
                        out.serialize_entry(key, &Ordered(value))?;
                    }
                    out.end()
                }
                Value::Array(items) => {
                    let mut out = serializer.serialize_seq(Some(items.len()))?;
                    for item in items {
                        out.serialize_element(&Ordered(item))?;
                    }
                    out.end()
                }
                other => other.serialize(serializer),
            }
        }
    }

    if pretty {
        serde_json::to_string_pretty(&Ordered(doc))
    } else {
        serde_json::to_string(&Ordered(doc))
    }
}

/// `ListOf_X` holds `X` by reference rather than a copy, so generated clients have one
/// type for an item, in a list or alone.
fn reference_list_items(doc: &mut Value) {
    let Some(schemas) = doc["components"]["schemas"].as_object_mut() else {
        return;
    };
    let names: Vec<String> = schemas.keys().cloned().collect();
    for (name, schema) in schemas.iter_mut() {
        let Some(item) = name.strip_prefix("ListOf_") else {
            continue;
        };
        if names.iter().any(|n| n == item) {
            schema["properties"]["data"]["items"] =
                json!({"$ref": format!("#/components/schemas/{item}")});
        }
    }
}

/// A `multipart/form-data` body describes its parts in place: generators make form
/// fields of them, not a model.
fn inline_form_bodies(doc: &mut Value) {
    let mut inlined = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for item in paths.values() {
            for operation in item.as_object().into_iter().flat_map(|o| o.values()) {
                if let Some(name) = operation
                    .pointer("/requestBody/content/multipart~1form-data/schema/$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix("#/components/schemas/"))
                {
                    inlined.push(name.to_owned());
                }
            }
        }
    }
    for name in inlined {
        let Some(schema) = doc["components"]["schemas"]
            .as_object_mut()
            .and_then(|schemas| schemas.remove(&name))
        else {
            continue;
        };
        let target = json!({"$ref": format!("#/components/schemas/{name}")});
        for item in doc["paths"]
            .as_object_mut()
            .into_iter()
            .flat_map(|p| p.values_mut())
        {
            for operation in item
                .as_object_mut()
                .into_iter()
                .flat_map(|o| o.values_mut())
            {
                if let Some(body) =
                    operation.pointer_mut("/requestBody/content/multipart~1form-data/schema")
                    && *body == target
                {
                    *body = schema.clone();
                }
            }
        }
    }
}

/// The schemas request bodies use, with every schema they refer to.
fn request_schemas(doc: &Value) -> Vec<String> {
    fn refs(value: &Value, found: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(target) = map.get("$ref").and_then(Value::as_str)
                    && let Some(name) = target.strip_prefix("#/components/schemas/")
                    && !found.iter().any(|f| f == name)
                {
                    found.push(name.to_owned());
                }
                map.values().for_each(|v| refs(v, found));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    for item in doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|p| p.values())
    {
        for operation in item.as_object().into_iter().flat_map(|o| o.values()) {
            refs(&operation["requestBody"], &mut found);
        }
    }
    let mut seen = 0;
    while seen < found.len() {
        let name = found[seen].clone();
        refs(&doc["components"]["schemas"][&name], &mut found);
        seen += 1;
    }
    found
}

/// Strings in request bodies say what the server takes: text that is not blank once
/// trimmed, without control characters; web addresses absolute http(s).
fn tighten_request_strings(doc: &mut Value) {
    fn tighten(name: &str, schema: &mut Value) {
        let is_string = schema["type"] == "string"
            || schema["type"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t == "string"));
        if is_string
            && schema.get("format").is_none()
            && schema.get("enum").is_none()
            && schema.get("pattern").is_none()
        {
            if name == "external_id" {
                schema["pattern"] = json!(EXTERNAL_ID);
            } else if matches!(name, "email" | "contact_email") {
                schema["format"] = json!("email");
            } else {
                let url = matches!(name, "website" | "url" | "evidence_url" | "esco_uri");
                schema["pattern"] = json!(if url { WEB_URL } else { TEXT });
            }
        }
        if let Some(items) = schema.get_mut("items") {
            tighten(name, items);
        }
    }
    for name in request_schemas(doc) {
        let Some(properties) = doc
            .pointer_mut(&format!("/components/schemas/{name}/properties"))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        for (field, schema) in properties.iter_mut() {
            tighten(field, schema);
        }
    }
}

/// The numbers in `a-b` of a parameter's description ("Page size, 1-200").
fn range_in(description: &str) -> Option<(u64, u64)> {
    description.split_whitespace().find_map(|word| {
        let word = word.trim_matches(|c: char| !c.is_ascii_digit());
        let (low, high) = word.split_once('-')?;
        Some((low.parse().ok()?, high.parse().ok()?))
    })
}

/// The default in "(default 50)".
fn default_in(description: &str) -> Option<u64> {
    let rest = description.split("(default ").nth(1)?;
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// Query parameters promise what the server accepts: integer ranges and defaults as
/// their descriptions state them, RFC 3339 times as `date-time`; `If-Match` is an ETag.
fn tighten_parameters(operation: &mut Value) {
    let Some(parameters) = operation
        .get_mut("parameters")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    for parameter in parameters {
        let description = parameter["description"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if parameter["in"] == "header" && parameter["name"] == "If-Match" {
            parameter["schema"] = json!({"type": "string", "pattern": "^(\\*|(W/)?\"[0-9]{1,18}\"|[0-9]{1,18})$", "example": "\"3\""});
            continue;
        }
        if parameter["in"] == "header" && parameter["name"] == "Idempotency-Key" {
            parameter["schema"]["pattern"] = json!("^[ -~]{1,255}$");
            continue;
        }
        let query = parameter["in"] == "query";
        // Closed lists the handlers check by hand: the change feed's resources, the
        // problem codes.
        if query && parameter["name"] == "resource" {
            parameter["schema"] =
                json!({"type": "string", "enum": driehoek_domain::changes::resource::ALL});
            continue;
        }
        if parameter["name"] == "external_id" {
            parameter["schema"] = json!({"type": "string", "pattern": EXTERNAL_ID});
            continue;
        }
        if parameter["in"] == "path" && parameter["name"] == "code" {
            parameter["schema"] = json!({"$ref": "#/components/schemas/ProblemCode"});
            continue;
        }
        let schema = &mut parameter["schema"];
        // A path or query value with a control character is refused (400) before
        // anything else looks at it.
        if schema["type"] == "string"
            && schema.get("format").is_none()
            && schema.get("enum").is_none()
            && schema.get("pattern").is_none()
        {
            match range_in(&description).filter(|_| description.contains("characters")) {
                Some((low, high)) => {
                    schema["minLength"] = json!(low);
                    schema["maxLength"] = json!(high);
                    schema["pattern"] = json!(QUERY_TEXT);
                }
                None => schema["pattern"] = json!(NO_CONTROL_CHARACTERS),
            }
        }
        if !query {
            continue;
        }
        if schema["type"] == "integer" {
            if let Some((low, high)) = range_in(&description) {
                schema["minimum"] = json!(low);
                schema["maximum"] = json!(high);
            }
            if let Some(default) = default_in(&description) {
                schema["default"] = json!(default);
            }
        } else if schema["type"] == "string" && description.contains("RFC 3339") {
            schema["format"] = json!("date-time");
            if let Some(map) = schema.as_object_mut() {
                map.remove("pattern");
            }
        }
    }
}

/// (path, method) → operation id, for links.
fn operations_by_path(paths: &Map<String, Value>) -> Vec<(String, String, String)> {
    let mut found = Vec::new();
    for (path, item) in paths {
        for method in ["get", "patch", "put", "delete"] {
            if let Some(id) = item[method]["operationId"].as_str() {
                found.push((path.clone(), method.to_owned(), id.to_owned()));
            }
        }
    }
    found
}

/// Links from `POST path` to the operations on `path/{id}`: the created resource's `id`
/// in the answer fills `{id}`, the request's own path parameters the rest.
fn links_from_create(path: &str, operations: &[(String, String, String)]) -> Map<String, Value> {
    let mut links = Map::new();
    for (target, method, id) in operations {
        let Some(rest) = target.strip_prefix(path) else {
            continue;
        };
        let Some(param) = rest
            .strip_prefix("/{")
            .and_then(|r| r.strip_suffix('}'))
            .filter(|p| !p.contains('/'))
        else {
            continue;
        };
        let mut parameters = Map::new();
        for own in path_parameters(path) {
            parameters.insert(own.clone(), json!(format!("$request.path.{own}")));
        }
        parameters.insert(param.to_owned(), json!("$response.body#/id"));
        let name = match method.as_str() {
            "get" => "read",
            "patch" | "put" => "update",
            _ => "delete",
        };
        links.insert(
            name.to_owned(),
            json!({"operationId": id, "parameters": parameters,
                   "description": format!("The created resource, by the `id` in this answer ({id}).")}),
        );
    }
    links
}

fn path_parameters(path: &str) -> Vec<String> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(str::to_owned)
        .collect()
}

fn header_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/headers/{name}")})
}

/// The headers each response carries, an example problem per error status, and the
/// links of a create.
fn document_responses(path: &str, method: &str, operation: &mut Value, links: Map<String, Value>) {
    let keyed = operation["security"]
        .as_array()
        .is_some_and(|s| s.iter().any(|r| r.get("api_key").is_some()));
    let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    // Every request passes the same screen first: a path or query it cannot read is
    // 400, whatever the operation.
    responses.entry("400").or_insert_with(|| {
        json!({
            "description": "The path or query cannot be read (`invalid_path`, `invalid_query`)",
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
        })
    });
    for (status, response) in responses.iter_mut() {
        let Ok(code) = status.parse::<u16>() else {
            continue;
        };
        let mut headers = Map::new();
        headers.insert("X-Request-Id".to_owned(), header_ref("X-Request-Id"));
        if keyed && code != 401 {
            headers.insert("RateLimit".to_owned(), header_ref("RateLimit"));
            headers.insert(
                "RateLimit-Policy".to_owned(),
                header_ref("RateLimit-Policy"),
            );
        }
        let schema = response["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let list = schema.contains("/ListOf_");
        if (code == 200 || code == 201) && !schema.is_empty() && !list {
            headers.insert("ETag".to_owned(), header_ref("ETag"));
        }
        if code == 201 {
            headers.insert("Location".to_owned(), header_ref("Location"));
        }
        if list {
            headers.insert("Link".to_owned(), header_ref("Link"));
        }
        if code == 429 || code == 503 {
            headers.insert("Retry-After".to_owned(), header_ref("Retry-After"));
        }
        if method == "post" && code < 300 {
            headers.insert(
                "Idempotent-Replayed".to_owned(),
                header_ref("Idempotent-Replayed"),
            );
        }
        if code == 405 {
            headers.insert(
                "Allow".to_owned(),
                json!({"description": "The methods the path accepts.", "schema": {"type": "string"}}),
            );
        }
        response["headers"] = Value::Object(headers);
        if code == 201 && !links.is_empty() {
            response["links"] = Value::Object(links.clone());
        }
        let description = response["description"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if code >= 400
            && let Some(content) = response["content"].get_mut("application/problem+json")
        {
            content["example"] = problem_example(path, code, &description);
        }
    }
}

/// The problem an operation answers with `status`: the first code its description
/// names (`…(\`not_found\`)`), else the catalogue's first code of that status.
fn problem_example(path: &str, status: u16, description: &str) -> Value {
    let of_status = |code: &ErrorCode| code.status().as_u16() == status;
    let named = description
        .split('`')
        .skip(1)
        .step_by(2)
        .find_map(|name| ErrorCode::parse(name).filter(of_status));
    let Some(code) = named.or_else(|| ErrorCode::ALL.iter().copied().find(of_status)) else {
        return Value::Null;
    };
    let mut example = json!({
        "type": format!("/problems/{}", code.as_str()),
        "title": code.title(),
        "status": status,
        "code": code.as_str(),
        "detail": description,
        "instance": path.replace("{tenant}", "rotterdam"),
        "request_id": "0193a5c2-7d4e-7b21-9f3a-5e8d2c1b0a94",
    });
    if code == ErrorCode::ValidationFailed {
        example["detail"] = json!("1 field is invalid");
        example["errors"] = json!([{"pointer": "/name", "message": "must not be empty"}]);
    }
    example
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_defaults_are_read_from_descriptions() {
        assert_eq!(range_in("Page size, 1-200 (default 50)."), Some((1, 200)));
        assert_eq!(default_in("Page size, 1-200 (default 50)."), Some(50));
        assert_eq!(
            range_in("At most this many steps, 1-12 (default 6)."),
            Some((1, 12))
        );
        assert_eq!(range_in("A pupil's age"), None);
    }

    #[test]
    fn a_create_links_to_the_operations_on_what_it_made() {
        let operations = vec![
            (
                "/v1/tenants/{tenant}/schools/{school_id}".to_owned(),
                "get".to_owned(),
                "schools.get".to_owned(),
            ),
            (
                "/v1/tenants/{tenant}/schools/{school_id}/calendar".to_owned(),
                "get".to_owned(),
                "schools.calendar".to_owned(),
            ),
        ];
        let links = links_from_create("/v1/tenants/{tenant}/schools", &operations);
        assert_eq!(links.len(), 1);
        assert_eq!(links["read"]["operationId"], "schools.get");
        assert_eq!(
            links["read"]["parameters"]["school_id"],
            "$response.body#/id"
        );
        assert_eq!(
            links["read"]["parameters"]["tenant"],
            "$request.path.tenant"
        );
    }
}
