//! Request bodies read as JSON values, refusing an object that names a key twice.
//!
//! serde_json keeps the last of duplicate keys without a word, so `{"role": "school",
//! "role": "city_admin"}` would mean one thing to this API and possibly another to a
//! proxy, a log reader or an integrator's own validator in front of it. RFC 8259 §4
//! leaves duplicates' meaning open; I-JSON (RFC 7493 §2.3) forbids them. Here they are
//! malformed JSON, answered with `400 malformed_json` like any other.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::map::Entry;
use serde_json::{Map, Number, Value};

/// `bytes` as one JSON value, with serde_json's syntax, nesting limit and error
/// positions, and no object holding a key twice.
pub fn from_slice(bytes: &[u8]) -> serde_json::Result<Value> {
    let mut reader = serde_json::Deserializer::from_slice(bytes);
    let value = Strict.deserialize(&mut reader)?;
    reader.end()?;
    Ok(value)
}

/// Builds a [`Value`] as serde_json's own visitor does, checking each object's keys.
#[derive(Clone, Copy)]
struct Strict;

impl<'de> DeserializeSeed<'de> for Strict {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    /// An integral number written with a fraction or an exponent (`44.0`, `4.4e1`) is
    /// the integer it equals, as JSON Schema counts it: an `integer` field takes it.
    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Value, E> {
        // Below 2^53 every integer is exactly a float and back.
        const EXACT: f64 = 9_007_199_254_740_992.0;
        if value.fract() == 0.0 && value.abs() < EXACT {
            return Ok(Value::Number((value as i64).into()));
        }
        Number::from_f64(value)
            .map(Value::Number)
            .ok_or_else(|| E::custom("a number JSON cannot hold"))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            match object.entry(key) {
                Entry::Occupied(taken) => {
                    return Err(de::Error::custom(format!(
                        "duplicate key '{}'",
                        taken.key()
                    )));
                }
                Entry::Vacant(free) => {
                    free.insert(map.next_value_seed(self)?);
                }
            }
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_serde_json_reads() {
        for text in [
            r#"{"name":"Erasmus","levels":["nl_havo",null,true,false],"n":-3,"u":18446744073709551615,"f":1.5e-3,"nested":{"a":{"b":[]}}}"#,
            r#"[1, 2.25, "tekst met \"quotes\" en \u00e9", {}]"#,
            "\"only a string\"",
            "  null  ",
            r#"{"a":{"x":1},"b":{"x":2}}"#,
        ] {
            let strict = from_slice(text.as_bytes()).expect(text);
            let lenient: Value = serde_json::from_str(text).expect(text);
            assert_eq!(strict, lenient, "{text}");
        }
    }

    #[test]
    fn integral_numbers_with_a_fraction_or_an_exponent_are_integers() {
        let value =
            from_slice(br#"[44.0, 4.4e1, -3.0, 0.0, -0.0, 44.5, 1e300, 9007199254740993.0]"#)
                .expect("numbers");
        assert_eq!(value[0], Value::from(44));
        assert!(value[0].is_i64());
        assert_eq!(value[1], Value::from(44));
        assert_eq!(value[2], Value::from(-3));
        assert_eq!(value[3], Value::from(0));
        assert_eq!(value[4], Value::from(0));
        assert_eq!(value[5], Value::from(44.5));
        // Beyond what a float holds exactly, a float stays one.
        assert!(value[6].is_f64());
        assert!(value[7].is_f64());
        let capacity: u32 = serde_json::from_value(value[0].clone()).expect("an integer");
        assert_eq!(capacity, 44);
        let rating: f64 = serde_json::from_value(value[0].clone()).expect("a float");
        assert_eq!(rating, 44.0);
    }

    #[test]
    fn refuses_a_key_named_twice_at_any_depth() {
        for text in [
            r#"{"role":"school","role":"city_admin"}"#,
            r#"{"outer":{"name":"a","kind":"b","name":"c"}}"#,
            r#"{"rows":[{"id":1},{"id":2,"id":3}]}"#,
        ] {
            let error = from_slice(text.as_bytes()).expect_err(text).to_string();
            assert!(error.starts_with("duplicate key '"), "{text}: {error}");
            assert!(error.contains("line 1 column"), "{error}");
        }
    }

    #[test]
    fn keeps_serde_json_s_syntax_and_limits() {
        for text in ["{\"name\":", "{} {}", "[1,]", "{\"a\" 1}", ""] {
            assert!(from_slice(text.as_bytes()).is_err(), "{text}");
        }
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let error = from_slice(deep.as_bytes())
            .expect_err("too deep")
            .to_string();
        assert!(error.contains("recursion limit"), "{error}");
    }
}
