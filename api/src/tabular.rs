//! Spreadsheet input: CSV documents with a header row (the `csv` crate), read into one
//! JSON object per row so that CSV rows are judged by the same rules (and pointers) as
//! JSON items; and the named parts of a `multipart/form-data` body (`actix-multipart`),
//! for requests made of several files.

use actix_web::http::header::HeaderMap;
use actix_web::web::{Bytes, BytesMut};
use driehoek_domain::ValidationErrors;
use futures_util::StreamExt;
use serde_json::{Map, Value};

use crate::error::ApiError;

/// The columns a CSV document may have, which of them it must have, and which hold
/// numbers.
pub struct Columns<'a> {
    pub known: &'a [&'a str],
    pub required: &'a [&'a str],
    pub numeric: &'a [&'a str],
}

/// One JSON object per row of `body` (`pointer` locates the document in problems): an
/// empty cell is absent; a cell of a numeric column that reads as a number is one.
pub fn csv_objects(
    body: &[u8],
    columns: &Columns<'_>,
    pointer: &str,
) -> Result<Vec<Value>, ApiError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(body);
    let unreadable = |e: csv::Error| {
        ApiError::validation(ValidationErrors::single(
            if pointer.is_empty() { "/" } else { pointer },
            format!("the CSV cannot be read: {e}"),
        ))
    };
    let headers = reader.headers().map_err(unreadable)?.clone();
    let mut errors = ValidationErrors::new();
    for (i, name) in headers.iter().enumerate() {
        if !columns.known.contains(&name) {
            errors.add(
                format!("{pointer}/header/{i}"),
                format!(
                    "unknown column '{name}'; expected {}",
                    columns.known.join(", ")
                ),
            );
        }
    }
    for required in columns.required {
        if !headers.iter().any(|h| h == *required) {
            errors.add(
                format!("{pointer}/header"),
                format!("the column '{required}' is missing"),
            );
        }
    }
    errors.into_result().map_err(ApiError::from)?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(unreadable)?;
        let mut row = Map::new();
        for (name, field) in headers.iter().zip(record.iter()) {
            if field.is_empty() {
                continue;
            }
            let value = if columns.numeric.contains(&name) {
                field
                    .parse::<f64>()
                    .ok()
                    .and_then(|n| {
                        if n.fract() == 0.0 && n.abs() < 1e15 {
                            Some(Value::from(n as i64))
                        } else {
                            serde_json::Number::from_f64(n).map(Value::Number)
                        }
                    })
                    .unwrap_or_else(|| Value::from(field))
            } else {
                Value::from(field)
            };
            row.insert(name.to_owned(), value);
        }
        rows.push(Value::Object(row));
    }
    Ok(rows)
}

/// The named parts of a `multipart/form-data` body (already read whole, within the
/// operation's size limit) sent with `headers`; `None` for a body that is not well
/// formed or a request without a boundary.
pub async fn multipart_parts(headers: &HeaderMap, body: Bytes) -> Option<Vec<(String, Bytes)>> {
    let stream = futures_util::stream::once(async move { Ok(body) });
    let mut multipart = actix_multipart::Multipart::new(headers, stream);
    let mut parts = Vec::new();
    while let Some(field) = multipart.next().await {
        let mut field = field.ok()?;
        let name = field.name()?.to_owned();
        let mut content = BytesMut::new();
        while let Some(chunk) = field.next().await {
            content.extend_from_slice(&chunk.ok()?);
        }
        parts.push((name, content.freeze()));
    }
    Some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(boundary: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            actix_web::http::header::CONTENT_TYPE,
            actix_web::http::header::HeaderValue::from_str(&format!(
                "multipart/form-data; boundary={boundary}"
            ))
            .unwrap(),
        );
        headers
    }

    #[actix_web::test]
    async fn a_multipart_body_gives_its_named_parts() {
        let body = Bytes::from_static(b"--XyZ\r\nContent-Disposition: form-data; name=\"nodes\"; filename=\"n.csv\"\r\nContent-Type: text/csv\r\n\r\ncode,kind\r\na,education\r\n--XyZ\r\nContent-Disposition: form-data; name=\"edges\"\r\n\r\nfrom,to\r\n--XyZ--\r\n");
        let parts = multipart_parts(&form("XyZ"), body.clone()).await.unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].0, "nodes");
        assert_eq!(parts[0].1, &b"code,kind\r\na,education"[..]);
        assert_eq!(
            parts[1],
            ("edges".to_owned(), Bytes::from_static(b"from,to"))
        );
        assert!(
            multipart_parts(&HeaderMap::new(), body.clone())
                .await
                .is_none()
        );
        assert!(multipart_parts(&form("Other"), body).await.is_none());
    }

    #[test]
    fn csv_rows_become_objects_with_numbers_where_numbers_belong() {
        let columns = Columns {
            known: &["code", "years", "note"],
            required: &["code"],
            numeric: &["years"],
        };
        let rows = csv_objects(b"code,years,note\na,1.5,\nb,two,x\n", &columns, "/nodes").unwrap();
        assert_eq!(rows[0], serde_json::json!({"code": "a", "years": 1.5}));
        assert_eq!(
            rows[1],
            serde_json::json!({"code": "b", "years": "two", "note": "x"})
        );
        let missing = csv_objects(b"years\n1\n", &columns, "/nodes").unwrap_err();
        assert_eq!(missing.errors[0].pointer, "/nodes/header");
    }
}
