//! Serde's name of a unit variant as a `&'static str`, which serde keeps but hands over only
//! to a serializer: this one, which accepts nothing else.

use std::fmt;

use serde::ser::{self, Impossible};
use serde::Serialize;

/// A serializer that accepts only a unit variant and yields its serde name, which serde
/// keeps as a `&'static str`.
pub(super) struct VariantName;

/// Anything but a unit variant.
#[derive(Debug)]
pub(super) struct NotUnitVariant;

impl fmt::Display for NotUnitVariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("only unit variants have a spelling")
    }
}

impl std::error::Error for NotUnitVariant {}

impl ser::Error for NotUnitVariant {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Self
    }
}

/// The `Serializer` methods for everything that is not a unit variant: refused.
macro_rules! refuse {
    ($($method:ident($($arg:ty),*)),+ $(,)?) => {$(
        fn $method(self, $(_: $arg),*) -> Result<&'static str, NotUnitVariant> {
            Err(NotUnitVariant)
        }
    )+};
}

impl ser::Serializer for VariantName {
    type Ok = &'static str;
    type Error = NotUnitVariant;
    type SerializeSeq = Impossible<&'static str, NotUnitVariant>;
    type SerializeTuple = Impossible<&'static str, NotUnitVariant>;
    type SerializeTupleStruct = Impossible<&'static str, NotUnitVariant>;
    type SerializeTupleVariant = Impossible<&'static str, NotUnitVariant>;
    type SerializeMap = Impossible<&'static str, NotUnitVariant>;
    type SerializeStruct = Impossible<&'static str, NotUnitVariant>;
    type SerializeStructVariant = Impossible<&'static str, NotUnitVariant>;

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<&'static str, NotUnitVariant> {
        Ok(variant)
    }

    refuse!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
    );

    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<&'static str, NotUnitVariant> {
        Err(NotUnitVariant)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<&'static str, NotUnitVariant> {
        Err(NotUnitVariant)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<&'static str, NotUnitVariant> {
        Err(NotUnitVariant)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, NotUnitVariant> {
        Err(NotUnitVariant)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, NotUnitVariant> {
        Err(NotUnitVariant)
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, NotUnitVariant> {
        Err(NotUnitVariant)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, NotUnitVariant> {
        Err(NotUnitVariant)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, NotUnitVariant> {
        Err(NotUnitVariant)
    }

    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, NotUnitVariant> {
        Err(NotUnitVariant)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, NotUnitVariant> {
        Err(NotUnitVariant)
    }
}
