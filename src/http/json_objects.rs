//! A deserializer over a parsed JSON document that reads a struct (or map) only from a JSON object.
//!
//! serde's derived structs also accept an array of their fields in order, and serde_json offers it
//! (serde-rs/serde#1587): `["x"]` would be read as `{"assignee": "x"}`. Every body this API takes is
//! an object, as the OpenAPI document says, so an array where an object belongs is refused as the
//! type error it is, at any depth. Everything else is read exactly as serde_json reads it.

use serde::de::value::{MapDeserializer, SeqDeserializer};
use serde::de::{self, IntoDeserializer, Unexpected, Visitor};
use serde_json::{Error, Value};

/// A JSON value whose structs and maps must be objects.
pub struct ObjectsOnly(pub Value);

impl<'de> IntoDeserializer<'de, Error> for ObjectsOnly {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

/// Scalars are serde_json's own; a container asked for as a scalar gets serde_json's type error.
macro_rules! as_serde_json {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.0 {
                Value::Array(_) | Value::Object(_) => self.deserialize_any(visitor),
                scalar => scalar.$method(visitor),
            }
        }
    )*};
}

impl ObjectsOnly {
    fn object<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(_) => Err(de::Error::invalid_type(Unexpected::Seq, &visitor)),
            _ => de::Deserializer::deserialize_any(self, visitor),
        }
    }
}

impl<'de> de::Deserializer<'de> for ObjectsOnly {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(items) => {
                let mut items = SeqDeserializer::new(items.into_iter().map(ObjectsOnly));
                let value = visitor.visit_seq(&mut items)?;
                items.end()?;
                Ok(value)
            }
            Value::Object(fields) => {
                let mut fields = MapDeserializer::new(fields.into_iter().map(|(k, v)| (k, ObjectsOnly(v))));
                let value = visitor.visit_map(&mut fields)?;
                fields.end()?;
                Ok(value)
            }
            scalar => scalar.deserialize_any(visitor),
        }
    }

    as_serde_json! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64 deserialize_char deserialize_str deserialize_string
        deserialize_bytes deserialize_byte_buf deserialize_unit deserialize_identifier
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(_) | Value::Object(_) => self.deserialize_any(visitor),
            scalar => scalar.deserialize_unit_struct(name, visitor),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_any(visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_any(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_any(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.object(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.object(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        // The API's enums are codes (strings); serde_json reads them, and any other shape, as it would.
        self.0.deserialize_enum(name, variants, visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;
    use serde_json::json;

    use super::ObjectsOnly;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Assignment {
        assignee: String,
        #[serde(default)]
        note: Option<String>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Batch {
        items: Vec<Assignment>,
        labels: Option<BTreeMap<String, u8>>,
        #[serde(default)]
        pair: Option<(u8, bool)>,
    }

    fn read<T: for<'de> Deserialize<'de>>(value: serde_json::Value) -> Result<T, String> {
        T::deserialize(ObjectsOnly(value)).map_err(|e| e.to_string())
    }

    #[test]
    fn an_object_reads_as_serde_json_reads_it() {
        let body = json!({"items": [{"assignee": "cw-1", "note": null}], "labels": {"a": 1}, "pair": [2, true]});
        let expected: Batch = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(read::<Batch>(body).unwrap(), expected);
    }

    #[test]
    fn an_array_for_a_struct_is_refused_at_the_top_and_nested() {
        assert!(
            serde_json::from_value::<Assignment>(json!(["cw-1"])).is_ok(),
            "serde_json alone takes it"
        );
        let top = read::<Assignment>(json!(["cw-1"])).unwrap_err();
        assert!(
            top.starts_with("invalid type: sequence, expected struct Assignment"),
            "{top}"
        );
        let nested = read::<Batch>(json!({"items": [["cw-1", null]], "labels": null})).unwrap_err();
        assert!(nested.contains("expected struct Assignment"), "{nested}");
        let map = read::<Batch>(json!({"items": [], "labels": [["a", 1]]})).unwrap_err();
        assert!(map.contains("invalid type: sequence, expected a map"), "{map}");
    }

    #[test]
    fn scalars_and_their_type_errors_are_serde_json_s() {
        for bad in [
            json!({"assignee": 3}),
            json!({"assignee": ["x"]}),
            json!({"assignee": {"x": 1}}),
        ] {
            let ours = read::<Assignment>(bad.clone()).unwrap_err();
            let theirs = serde_json::from_value::<Assignment>(bad).unwrap_err().to_string();
            assert_eq!(ours, theirs);
        }
        let too_big = read::<Batch>(json!({"items": [], "labels": {"a": 300}})).unwrap_err();
        assert!(too_big.contains("invalid value: integer `300`"), "{too_big}");
    }
}
