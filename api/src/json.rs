//! Response bodies as compact JSON: byte for byte what `serde_json::to_vec` writes
//! (the tests hold it to that), in fewer instructions for what responses are made of,
//! short keys and plain text.
//!
//! serde_json escapes every key and string byte by byte through a table, and a page
//! of 50 work visits has well over a thousand of them. Here a string is checked eight
//! bytes at a time and copied whole when nothing in it needs escaping, which is nearly always:
//! callgrind counted 481 k instructions for such a page with serde_json, 343 k with
//! this writer. Numbers are written as serde_json writes them (integers with `itoa`;
//! floats by serde_json itself, too rare in responses to be worth more).

use std::fmt;

use serde::ser::{self, Serialize};

/// `value` as compact JSON, in a buffer that starts with `capacity` bytes.
pub fn to_vec<T: Serialize + ?Sized>(value: &T, capacity: usize) -> Result<Vec<u8>, Error> {
    let mut writer = Writer {
        out: Vec::with_capacity(capacity),
    };
    value.serialize(&mut writer)?;
    Ok(writer.out)
}

/// Why a value could not be written (a map key that is not a string or number, a
/// non-finite float as a key, or a value's own `Serialize` failing).
#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self(message.to_string())
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Self(e.to_string())
    }
}

fn key_must_be_a_string() -> Error {
    Error("key must be a string".to_owned())
}

struct Writer {
    out: Vec<u8>,
}

impl Writer {
    fn integer(&mut self, value: impl itoa::Integer) {
        self.out
            .extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
    }

    /// A float exactly as serde_json writes it (`null` when not finite).
    fn float(&mut self, value: impl Serialize) -> Result<(), Error> {
        serde_json::to_writer(&mut self.out, &value).map_err(Error::from)
    }

    /// `{"variant":` opening an enum variant that carries data.
    fn open_variant(&mut self, variant: &str) {
        self.out.push(b'{');
        write_str(&mut self.out, variant);
        self.out.push(b':');
    }
}

/// `text` as a JSON string, escaped as serde_json escapes it: `"` and the backslash,
/// the five control characters with a short form, the other controls as `\u00XX`.
#[inline]
fn write_str(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    if is_plain(bytes) {
        out.extend_from_slice(bytes);
    } else {
        write_escaped(out, bytes);
    }
    out.push(b'"');
}

/// Whether nothing in `bytes` needs escaping, checked eight bytes at a time.
#[inline]
pub(crate) fn is_plain(bytes: &[u8]) -> bool {
    let (words, rest) = bytes.as_chunks::<8>();
    if words.is_empty() {
        return !rest.iter().any(|b| needs_escape(*b));
    }
    let mut flagged = words.iter().fold(0, |flagged, word| {
        flagged | flags(u64::from_le_bytes(*word))
    });
    // The last eight bytes, overlapping the last whole word.
    if !rest.is_empty()
        && let Some(last) = bytes.last_chunk::<8>()
    {
        flagged |= flags(u64::from_le_bytes(*last));
    }
    flagged == 0
}

/// A word with the high bit of a byte set where the byte is below 0x20, `"` or `\\`
/// (the classic "has a zero byte" test, on x - 0x20 and on x xor the character). A
/// byte can be flagged wrongly only above one flagged rightly, so a word with no byte
/// to escape has no flag.
#[inline]
fn flags(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let quote = x ^ (ONES * u64::from(b'"'));
    let backslash = x ^ (ONES * u64::from(b'\\'));
    (x.wrapping_sub(ONES * 0x20)
        | quote.wrapping_sub(ONES) & !quote
        | backslash.wrapping_sub(ONES) & !backslash)
        & !x
        & HIGHS
}

/// `bytes`, which have something to escape, escaped. Every byte to escape is ASCII,
/// and no byte of a longer UTF-8 sequence is, so plain runs stay whole characters.
#[cold]
fn write_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut plain = 0;
    for (at, byte) in bytes.iter().enumerate() {
        if needs_escape(*byte) {
            out.extend_from_slice(&bytes[plain..at]);
            escape(out, *byte);
            plain = at + 1;
        }
    }
    out.extend_from_slice(&bytes[plain..]);
}

fn needs_escape(byte: u8) -> bool {
    ESCAPED[usize::from(byte)]
}

/// Which bytes a JSON string escapes: the controls, `"` and `\\`.
static ESCAPED: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = true;
        byte += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

fn escape(out: &mut Vec<u8>, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let short = match byte {
        b'"' => b'"',
        b'\\' => b'\\',
        0x08 => b'b',
        0x0C => b'f',
        b'\n' => b'n',
        b'\r' => b'r',
        b'\t' => b't',
        _ => {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(byte >> 4)]);
            out.push(HEX[usize::from(byte & 0xF)]);
            return;
        }
    };
    out.push(b'\\');
    out.push(short);
}

impl<'w> ser::Serializer for &'w mut Writer {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'w>;
    type SerializeTuple = Compound<'w>;
    type SerializeTupleStruct = Compound<'w>;
    type SerializeTupleVariant = Compound<'w>;
    type SerializeMap = Compound<'w>;
    type SerializeStruct = Compound<'w>;
    type SerializeStructVariant = Compound<'w>;

    fn serialize_bool(self, value: bool) -> Result<(), Error> {
        self.out
            .extend_from_slice(if value { b"true" } else { b"false" });
        Ok(())
    }

    fn serialize_i8(self, value: i8) -> Result<(), Error> {
        self.integer(value);
        Ok(())
    }

    fn serialize_i16(self, value: i16) -> Result<(), Error> {
        self.integer(value);
        Ok(())
    }

    fn serialize_i32(self, value: i32) -> Result<(), Error> {
        self.integer(value);
        Ok(())
    }

    fn serialize_i64(self, value: i64) -> Result<(), Error> {
        self.integer(value);
        Ok(())
    }

    fn serialize_i128(self, value: i128) -> Result<(), Error> {
        self.integer(value);
        Ok(())
    }

    fn serialize_u8(self, value: u8) -> Result<(), Error> {
        self.integer(value);
        Ok(())
    }

    fn serialize_u16(self, value: u16) -> Result<(), Error> {
        self.integer(value);
        Ok(())
    }

    fn serialize_u32(self, value: u32) -> Result<(), Error> {
        self.integer(value);
        Ok(())
    }

    fn serialize_u64(self, value: u64) -> Result<(), Error> {
        self.integer(value);
        Ok(())
    }

    fn serialize_u128(self, value: u128) -> Result<(), Error> {
        self.integer(value);
        Ok(())
    }

    fn serialize_f32(self, value: f32) -> Result<(), Error> {
        self.float(value)
    }

    fn serialize_f64(self, value: f64) -> Result<(), Error> {
        self.float(value)
    }

    fn serialize_char(self, value: char) -> Result<(), Error> {
        write_str(&mut self.out, value.encode_utf8(&mut [0u8; 4]));
        Ok(())
    }

    fn serialize_str(self, value: &str) -> Result<(), Error> {
        write_str(&mut self.out, value);
        Ok(())
    }

    fn serialize_bytes(self, value: &[u8]) -> Result<(), Error> {
        self.out.push(b'[');
        for (i, byte) in value.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            self.integer(*byte);
        }
        self.out.push(b']');
        Ok(())
    }

    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.open_variant(variant);
        value.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'w>, Error> {
        self.out.push(b'[');
        Ok(Compound::new(self, b"]"))
    }

    fn serialize_tuple(self, len: usize) -> Result<Compound<'w>, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Compound<'w>, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'w>, Error> {
        self.open_variant(variant);
        self.out.push(b'[');
        Ok(Compound::new(self, b"]}"))
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'w>, Error> {
        self.out.push(b'{');
        Ok(Compound::new(self, b"}"))
    }

    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Compound<'w>, Error> {
        // serde_json writes a `RawValue` (this name) as its text; no response has one.
        if name == "$serde_json::private::RawValue" {
            return Err(Error("a RawValue cannot be written here".to_owned()));
        }
        self.serialize_map(Some(len))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'w>, Error> {
        self.open_variant(variant);
        self.out.push(b'{');
        Ok(Compound::new(self, b"}}"))
    }
}

/// An array or object being written: a comma before every member but the first, and
/// `close` at the end.
pub struct Compound<'w> {
    writer: &'w mut Writer,
    first: bool,
    close: &'static [u8],
}

impl<'w> Compound<'w> {
    fn new(writer: &'w mut Writer, close: &'static [u8]) -> Self {
        Self {
            writer,
            first: true,
            close,
        }
    }

    fn separate(&mut self) {
        if self.first {
            self.first = false;
        } else {
            self.writer.out.push(b',');
        }
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.separate();
        value.serialize(&mut *self.writer)
    }

    /// `"key":value` of a struct's field. A struct's keys are `&'static str`s of this
    /// code base (field names and `rename`s), none of which needs escaping (checked in
    /// debug builds, and by a test over every property name in the OpenAPI document),
    /// so they are copied whole without the check other strings get: a page of work
    /// visits writes 1 350 keys.
    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        debug_assert!(
            is_plain(key.as_bytes()),
            "struct key {key:?} needs escaping"
        );
        let out = &mut self.writer.out;
        out.reserve(key.len() + 4);
        if self.first {
            self.first = false;
        } else {
            out.push(b',');
        }
        out.push(b'"');
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(b"\":");
        value.serialize(&mut *self.writer)
    }

    fn end(self) -> Result<(), Error> {
        self.writer.out.extend_from_slice(self.close);
        Ok(())
    }
}

/// The compound traits whose members are values alone: arrays, however serde names them.
macro_rules! elements {
    ($($member_trait:ident :: $method:ident),* $(,)?) => {$(
        impl ser::$member_trait for Compound<'_> {
            type Ok = ();
            type Error = Error;

            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.element(value)
            }

            fn end(self) -> Result<(), Error> {
                Compound::end(self)
            }
        }
    )*};
}

elements!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field,
);

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.separate();
        key.serialize(MapKey(&mut *self.writer))?;
        self.writer.out.push(b':');
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut *self.writer)
    }

    fn end(self) -> Result<(), Error> {
        Compound::end(self)
    }
}

/// The compound traits whose members are named fields: objects.
macro_rules! fields {
    ($($member_trait:ident),* $(,)?) => {$(
        impl ser::$member_trait for Compound<'_> {
            type Ok = ();
            type Error = Error;

            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                self.field(key, value)
            }

            fn end(self) -> Result<(), Error> {
                Compound::end(self)
            }
        }
    )*};
}

fields!(SerializeStruct, SerializeStructVariant);

/// A map's key, which JSON wants as a string: strings and unit variants as they are,
/// booleans and numbers quoted (finite floats only), as serde_json does; anything
/// else is refused.
struct MapKey<'w>(&'w mut Writer);

impl MapKey<'_> {
    fn quoted(self, write: impl FnOnce(&mut Writer) -> Result<(), Error>) -> Result<(), Error> {
        self.0.out.push(b'"');
        write(self.0)?;
        self.0.out.push(b'"');
        Ok(())
    }
}

impl ser::Serializer for MapKey<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_bool(self, value: bool) -> Result<(), Error> {
        self.quoted(|w| w.serialize_bool(value))
    }

    fn serialize_i8(self, value: i8) -> Result<(), Error> {
        self.quoted(|w| w.serialize_i8(value))
    }

    fn serialize_i16(self, value: i16) -> Result<(), Error> {
        self.quoted(|w| w.serialize_i16(value))
    }

    fn serialize_i32(self, value: i32) -> Result<(), Error> {
        self.quoted(|w| w.serialize_i32(value))
    }

    fn serialize_i64(self, value: i64) -> Result<(), Error> {
        self.quoted(|w| w.serialize_i64(value))
    }

    fn serialize_i128(self, value: i128) -> Result<(), Error> {
        self.quoted(|w| w.serialize_i128(value))
    }

    fn serialize_u8(self, value: u8) -> Result<(), Error> {
        self.quoted(|w| w.serialize_u8(value))
    }

    fn serialize_u16(self, value: u16) -> Result<(), Error> {
        self.quoted(|w| w.serialize_u16(value))
    }

    fn serialize_u32(self, value: u32) -> Result<(), Error> {
        self.quoted(|w| w.serialize_u32(value))
    }

    fn serialize_u64(self, value: u64) -> Result<(), Error> {
        self.quoted(|w| w.serialize_u64(value))
    }

    fn serialize_u128(self, value: u128) -> Result<(), Error> {
        self.quoted(|w| w.serialize_u128(value))
    }

    fn serialize_f32(self, value: f32) -> Result<(), Error> {
        if !value.is_finite() {
            return Err(Error("float key must be finite (got NaN or +/-inf)".into()));
        }
        self.quoted(|w| w.serialize_f32(value))
    }

    fn serialize_f64(self, value: f64) -> Result<(), Error> {
        if !value.is_finite() {
            return Err(Error("float key must be finite (got NaN or +/-inf)".into()));
        }
        self.quoted(|w| w.serialize_f64(value))
    }

    fn serialize_char(self, value: char) -> Result<(), Error> {
        self.0.serialize_char(value)
    }

    fn serialize_str(self, value: &str) -> Result<(), Error> {
        self.0.serialize_str(value)
    }

    fn serialize_bytes(self, _value: &[u8]) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_none(self) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_unit(self) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.0.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(key_must_be_a_string())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Serialize;

    use super::*;

    /// Ours and serde_json's output for `value`, which must be the same bytes.
    fn same<T: Serialize + ?Sized>(value: &T) -> String {
        let ours = to_vec(value, 0).expect("ours writes it");
        let theirs = serde_json::to_vec(value).expect("serde_json writes it");
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&theirs)
        );
        String::from_utf8(ours).expect("UTF-8")
    }

    #[test]
    fn strings_are_escaped_exactly_as_serde_json_escapes_them() {
        let every_ascii: String = (0u8..=0x7f).map(char::from).collect();
        same(&every_ascii);
        // Each character that must be escaped, at every position of an 8-byte word and
        // in the tail after the words, among plain and multi-byte text.
        let specials = [
            '"', '\\', '\n', '\r', '\t', '\u{8}', '\u{c}', '\0', '\u{1f}',
        ];
        for special in specials {
            for len in 0..40 {
                for at in 0..=len {
                    let text: String = (0..len)
                        .map(|i| if i == at { special } else { 'a' })
                        .collect();
                    same(&text);
                }
            }
        }
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        let alphabet = [
            'a', 'Z', ' ', '"', '\\', '\n', '\u{1}', '\u{7f}', 'é', 'ß', '€', '𝄞', '/', '<',
        ];
        for _ in 0..5_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = usize::try_from(seed % 48).expect("small");
            let text: String = (0..len)
                .map(|i| alphabet[usize::try_from((seed >> (i % 60)) % 14).expect("small")])
                .collect();
            same(&text);
        }
        assert_eq!(same("a\"b\\c\u{1}"), r#""a\"b\\c\u0001""#);
    }

    #[derive(Serialize)]
    enum Shape {
        Unit,
        Newtype(u8),
        Tuple(i32, String),
        Struct { a: Option<bool>, b: Vec<u16> },
    }

    #[derive(Serialize)]
    struct Newtype(i64);

    #[derive(Serialize)]
    struct Tuple(u8, char);

    #[derive(Serialize)]
    struct Unit;

    #[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
    enum Key {
        Left,
        Right,
    }

    struct Bytes(&'static [u8]);

    impl Serialize for Bytes {
        fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.serialize_bytes(self.0)
        }
    }

    #[derive(Serialize)]
    struct Everything {
        yes: bool,
        no: bool,
        small: i8,
        negative: i64,
        big: u128,
        low: i128,
        half: f32,
        third: f64,
        not_a_number: f64,
        infinite: f32,
        letter: char,
        text: &'static str,
        none: Option<u8>,
        some: Option<&'static str>,
        unit: (),
        unit_struct: Unit,
        newtype: Newtype,
        tuple: (u8, &'static str, bool),
        tuple_struct: Tuple,
        shapes: Vec<Shape>,
        empty: Vec<u8>,
        empty_map: BTreeMap<String, u8>,
        by_number: BTreeMap<i32, &'static str>,
        by_bool: BTreeMap<bool, u8>,
        by_variant: BTreeMap<Key, u8>,
        by_char: BTreeMap<char, u8>,
        bytes: Bytes,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        #[serde(flatten)]
        flattened: BTreeMap<String, u8>,
    }

    #[test]
    fn every_shape_serde_has_is_written_as_serde_json_writes_it() {
        let written = same(&Everything {
            yes: true,
            no: false,
            small: -8,
            negative: i64::MIN,
            big: u128::MAX,
            low: i128::MIN,
            half: 0.5,
            third: 1.0 / 3.0,
            not_a_number: f64::NAN,
            infinite: f32::INFINITY,
            letter: '€',
            text: "tekst",
            none: None,
            some: Some("iets"),
            unit: (),
            unit_struct: Unit,
            newtype: Newtype(42),
            tuple: (1, "twee", true),
            tuple_struct: Tuple(3, '"'),
            shapes: vec![
                Shape::Unit,
                Shape::Newtype(7),
                Shape::Tuple(-1, "x".into()),
                Shape::Struct {
                    a: Some(true),
                    b: vec![1, 2],
                },
                Shape::Struct { a: None, b: vec![] },
            ],
            empty: vec![],
            empty_map: BTreeMap::new(),
            by_number: BTreeMap::from([(-1, "min"), (2, "twee")]),
            by_bool: BTreeMap::from([(false, 0), (true, 1)]),
            by_variant: BTreeMap::from([(Key::Left, 1), (Key::Right, 2)]),
            by_char: BTreeMap::from([('a', 1), ('"', 2)]),
            bytes: Bytes(&[0, 1, 255]),
            skipped: None,
            flattened: BTreeMap::from([("extra".into(), 9)]),
        });
        assert!(written.contains(r#""not_a_number":null"#), "{written}");
        assert!(written.contains(r#""by_number":{"-1":"min","2":"twee"}"#));
        assert!(written.contains(r#""bytes":[0,1,255]"#));

        let floats_as_keys = BTreeMap::from([(1u8, 0.25f64)]);
        same(&floats_as_keys);
        let document: serde_json::Value = serde_json::from_str(
            r#"{"a":[1,-2,3.5,1e300,null,true,"\u0000\u00e9\ud834\udd1e"],"b":{"c":{}},"d":[]}"#,
        )
        .expect("a document");
        same(&document);
    }

    #[test]
    fn keys_that_are_not_strings_or_numbers_are_refused_as_serde_json_refuses_them() {
        let by_list = BTreeMap::from([(vec![1u8], 1u8)]);
        assert!(to_vec(&by_list, 0).is_err());
        assert!(serde_json::to_vec(&by_list).is_err());
        let by_nan = [(f64::NAN, 1u8)];
        struct Pairs<'a>(&'a [(f64, u8)]);
        impl Serialize for Pairs<'_> {
            fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
            }
        }
        assert!(to_vec(&Pairs(&by_nan), 0).is_err());
        assert!(serde_json::to_vec(&Pairs(&by_nan)).is_err());
        same(&Pairs(&[(1.5, 2)]));
    }
}
