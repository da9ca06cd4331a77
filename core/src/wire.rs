//! The pieces of the `Serialize` and `Deserialize` impls the generator writes for every
//! struct of the schema.
//!
//! The generator writes those impls itself rather than deriving them, so that a program
//! using the bindings does not compile serde's derive macro and its expansion for every type:
//! the derived code was most of the generated crate. The impls behave as serde's derive with
//! `#[serde(default, skip_serializing_if = "Option::is_none")]` on each optional field:
//!
//! - a struct is written as a map of its present fields, in declaration order, an optional
//!   field that is `None` left out;
//! - a struct is read from a map; a key the struct does not have is skipped, a key given twice
//!   is an error (`duplicate field`), a required field that is missing is an error
//!   (`missing field`), and an optional field that is missing or `null` is `None`.
//!
//! Unlike the derive, a struct is not read from a sequence of its fields in order: no Feishu
//! page writes an object that way, and a JSON array where an object belongs is an error.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize};

/// Reads a struct's key as the index of its field in a list of wire names, or `None` for
/// a key the struct does not have (which is then skipped).
#[derive(Debug, Clone, Copy)]
pub struct FieldIndex(pub &'static [&'static str]);

impl<'de> DeserializeSeed<'de> for FieldIndex {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for FieldIndex {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field identifier")
    }

    fn visit_u64<E: de::Error>(self, index: u64) -> Result<Self::Value, E> {
        Ok(usize::try_from(index).ok().filter(|i| *i < self.0.len()))
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().position(|name| *name == key))
    }

    fn visit_bytes<E: de::Error>(self, key: &[u8]) -> Result<Self::Value, E> {
        Ok(self.0.iter().position(|name| name.as_bytes() == key))
    }
}

/// Reads the value of the field `name` into its slot; a second value for the same field is
/// an error, as with serde's derive.
pub fn next_value<'de, T, A>(
    map: &mut A,
    slot: &mut Option<T>,
    name: &'static str,
) -> Result<(), A::Error>
where
    T: Deserialize<'de>,
    A: MapAccess<'de>,
{
    if slot.is_some() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

/// Skips the value of a key the struct does not have.
pub fn skip_value<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<de::IgnoredAny>().map(|_| ())
}

/// The value of a required field, or the `missing field` error.
pub fn required<T, E: de::Error>(slot: Option<T>, name: &'static str) -> Result<T, E> {
    slot.ok_or_else(|| E::missing_field(name))
}

/// The number of fields a struct writes: its required fields, and its optional fields that
/// are set (a serializer may rely on the count, as `serde_json` does for an empty map).
pub fn field_count(required: usize, optional_set: &[bool]) -> usize {
    required + optional_set.iter().filter(|set| **set).count()
}

/// Writes an optional field when it is set, and skips it otherwise.
pub fn optional_field<S, T>(
    state: &mut S,
    name: &'static str,
    value: &Option<T>,
) -> Result<(), S::Error>
where
    S: SerializeStruct,
    T: Serialize,
{
    match value {
        Some(value) => state.serialize_field(name, value),
        None => state.skip_field(name),
    }
}

/// A struct read from a map: what the generator writes for each struct of the schema.
/// [`deserialize_struct`] turns it into the struct's `Deserialize` impl.
pub trait FromMap<'de>: Sized {
    /// The struct's name, for the error that a value is not an object.
    const NAME: &'static str;
    /// The wire names of its fields, in declaration order.
    const FIELDS: &'static [&'static str];

    /// Reads the fields from `map`.
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
}

/// serde, for the impls the macros of this crate write in the generated crate.
#[doc(hidden)]
pub use serde;

/// The `Deserialize` impl of each [`FromMap`] struct named: [`deserialize_struct`].
///
/// ```
/// # use feishu_perf_core::wire::{self, FromMap};
/// # use serde::de::MapAccess;
/// struct Empty;
/// impl<'de> FromMap<'de> for Empty {
///     const NAME: &'static str = "Empty";
///     const FIELDS: &'static [&'static str] = &[];
///     fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
///         while map.next_key_seed(wire::FieldIndex(Self::FIELDS))?.is_some() {
///             wire::skip_value(&mut map)?;
///         }
///         Ok(Empty)
///     }
/// }
/// feishu_perf_core::deserialize_from_map!(Empty);
/// let _: Empty = serde_json::from_str(r#"{"other": 1}"#).unwrap();
/// ```
#[macro_export]
macro_rules! deserialize_from_map {
    ($($name:ty),+ $(,)?) => {
        $(
            impl<'de> $crate::wire::serde::Deserialize<'de> for $name {
                fn deserialize<D: $crate::wire::serde::Deserializer<'de>>(
                    deserializer: D,
                ) -> ::std::result::Result<Self, D::Error> {
                    $crate::wire::deserialize_struct(deserializer)
                }
            }
        )+
    };
}

/// The body of the `Deserialize` impl of a [`FromMap`] struct.
pub fn deserialize_struct<'de, T, D>(deserializer: D) -> Result<T, D::Error>
where
    T: FromMap<'de>,
    D: Deserializer<'de>,
{
    deserializer.deserialize_struct(T::NAME, T::FIELDS, StructVisitor(PhantomData))
}

struct StructVisitor<T>(PhantomData<fn() -> T>);

impl<'de, T: FromMap<'de>> Visitor<'de> for StructVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "struct {}", T::NAME)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::from_map(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A struct written the way the generator writes one: a required and an optional field,
    /// one of them renamed.
    #[derive(Debug, PartialEq)]
    struct Row {
        id: String,
        type_: Option<i64>,
    }

    impl Serialize for Row {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut state =
                serializer.serialize_struct("Row", field_count(1, &[self.type_.is_some()]))?;
            state.serialize_field("id", &self.id)?;
            optional_field(&mut state, "type", &self.type_)?;
            state.end()
        }
    }

    impl<'de> FromMap<'de> for Row {
        const NAME: &'static str = "Row";
        const FIELDS: &'static [&'static str] = &["id", "type"];

        fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Row, A::Error> {
            let mut id: Option<String> = None;
            let mut type_: Option<Option<i64>> = None;
            while let Some(key) = map.next_key_seed(FieldIndex(Self::FIELDS))? {
                match key {
                    Some(0) => next_value(&mut map, &mut id, "id")?,
                    Some(1) => next_value(&mut map, &mut type_, "type")?,
                    _ => skip_value(&mut map)?,
                }
            }
            Ok(Row {
                id: required(id, "id")?,
                type_: type_.flatten(),
            })
        }
    }

    impl<'de> Deserialize<'de> for Row {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserialize_struct(deserializer)
        }
    }

    fn read(json: &str) -> Result<Row, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    /// The same struct as serde's derive writes it, to compare with.
    mod derived {
        #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        pub struct Row {
            pub id: String,
            #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
            pub type_: Option<i64>,
        }
    }
    use derived::Row as Derived;

    #[test]
    fn a_struct_reads_like_the_derive() {
        let inputs = [
            r#"{"id":"a","type":3,"other":{"x":[1]}}"#,
            r#"{"type":null,"id":"a"}"#,
            r#"{"id":"a"}"#,
            r#"{"\u0069d":"a"}"#,
            r#"{"type":1}"#,
            r#"{"id":"a","id":"b"}"#,
            r#"{"type":1,"type":null,"id":"a"}"#,
            r#"{"id":"a","type":"x"}"#,
            r#"{"id":"a","type":1.5}"#,
            r#"{"id":null}"#,
            "7",
            "null",
            r#"{"id":"a""#,
        ];
        for json in inputs {
            let ours = read(json);
            let derived = serde_json::from_str::<Derived>(json)
                .map(|d| Row {
                    id: d.id,
                    type_: d.type_,
                })
                .map_err(|e| e.to_string());
            assert_eq!(ours, derived, "{json}");
        }
        assert_eq!(
            read(r#"{"\u0069d":"a"}"#),
            Ok(Row {
                id: "a".into(),
                type_: None
            })
        );
        assert_eq!(
            read(r#"{"id":"a","id":"b"}"#),
            Err("duplicate field `id` at line 1 column 14".into())
        );
        // The one difference: the derive also reads a struct from an array of its fields.
        assert_eq!(
            read(r#"["a",1]"#),
            Err("invalid type: sequence, expected struct Row at line 1 column 1".into())
        );
    }

    /// A format whose keys are numbers (not JSON, which `serde_json` never gives): a key is
    /// the index of a field, as in the derive, and an index past the fields is skipped.
    #[test]
    fn a_key_given_as_a_number_is_a_field_index_as_in_the_derive() {
        use serde::de::value::MapDeserializer;
        use serde_json::Error;
        use serde_json::{Value, json};

        fn both(entries: Vec<(u64, Value)>) -> (Result<Row, String>, Result<Row, String>) {
            let ours = Row::deserialize(MapDeserializer::<_, Error>::new(
                entries.clone().into_iter(),
            ))
            .map_err(|e| e.to_string());
            let derived =
                Derived::deserialize(MapDeserializer::<_, Error>::new(entries.into_iter()))
                    .map(|d| Row {
                        id: d.id,
                        type_: d.type_,
                    })
                    .map_err(|e| e.to_string());
            (ours, derived)
        }
        let cases = [
            vec![(0, json!("a")), (1, json!(3))],
            vec![(1, json!(null)), (0, json!("a"))],
            vec![(0, json!("a")), (2, json!("x")), (u64::MAX, json!([1]))],
            vec![(0, json!("a")), (0, json!("b"))],
            vec![(1, json!(3))],
        ];
        for entries in cases {
            let (ours, derived) = both(entries.clone());
            assert_eq!(ours, derived, "{entries:?}");
        }
        assert_eq!(
            both(vec![(0, json!("a")), (7, json!(1))]).0,
            Ok(Row {
                id: "a".into(),
                type_: None
            })
        );
    }

    #[test]
    fn a_struct_writes_its_set_fields_in_order() {
        let row = Row {
            id: "a".into(),
            type_: Some(3),
        };
        assert_eq!(
            serde_json::to_string(&row).unwrap(),
            r#"{"id":"a","type":3}"#
        );
        let row = Row {
            id: "a".into(),
            type_: None,
        };
        assert_eq!(serde_json::to_string(&row).unwrap(), r#"{"id":"a"}"#);
        assert_eq!(
            serde_json::to_value(&row).unwrap(),
            serde_json::json!({"id": "a"})
        );
        for type_ in [None, Some(3)] {
            let derived = Derived {
                id: "a".into(),
                type_,
            };
            let row = Row {
                id: "a".into(),
                type_,
            };
            assert_eq!(
                serde_json::to_string_pretty(&row).unwrap(),
                serde_json::to_string_pretty(&derived).unwrap()
            );
        }
    }

    #[test]
    fn a_struct_with_nothing_set_is_an_empty_object() {
        struct Empty(Option<i64>);
        impl Serialize for Empty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut state =
                    serializer.serialize_struct("Empty", field_count(0, &[self.0.is_some()]))?;
                optional_field(&mut state, "a", &self.0)?;
                state.end()
            }
        }
        assert_eq!(serde_json::to_string(&Empty(None)).unwrap(), "{}");
        assert_eq!(
            serde_json::to_string(&Empty(Some(1))).unwrap(),
            r#"{"a":1}"#
        );
        let pretty = serde_json::to_string_pretty(&Empty(None)).unwrap();
        assert_eq!(pretty, "{}");
    }
}
