//! Forward-compatible enumerations.

/// An enumeration of documented values that keeps any other value it meets.
///
/// Generated enums have one variant per documented value and an `Unknown(String)`
/// variant: a value the docs don't list deserialises into it and serialises back
/// unchanged, so a new server-side value never breaks a response.
pub trait OpenEnum {
    /// The documented values, in the doc's order.
    const VALUES: &'static [&'static str];
    /// The value on the wire.
    fn as_str(&self) -> &str;
    /// Whether the value is one the docs don't list.
    fn is_unknown(&self) -> bool;
}

/// Declares an open enumeration: one variant a documented value, written as
/// `Variant = "wire value"`, and `Unknown(String)` for any other value; with `as_str`,
/// [`OpenEnum`], `From<&str>`, `From<String>`, `Display`, `Serialize` and `Deserialize`
/// (as the wire string).
///
/// ```
/// feishu_perf_core::open_enum! {
///     /// How a semester is grouped.
///     pub enum TypeGroup {
///         /// `Annual`: 年
///         Annual = "Annual",
///         /// `Semi-annual`: 半年
///         SemiAnnual = "Semi-annual",
///     }
/// }
///
/// use feishu_perf_core::OpenEnum;
/// assert_eq!(TypeGroup::from("Semi-annual"), TypeGroup::SemiAnnual);
/// assert_eq!(TypeGroup::from("Decade"), TypeGroup::Unknown("Decade".into()));
/// assert_eq!(TypeGroup::Unknown("Decade".into()).to_string(), "Decade");
/// assert_eq!(TypeGroup::VALUES, ["Annual", "Semi-annual"]);
/// ```
#[macro_export]
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $wire:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        $vis enum $name {
            $( $(#[$variant_meta])* $variant, )*
            /// A value the docs don't list, kept verbatim.
            Unknown(::std::string::String),
        }

        impl $name {
            /// The value on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )*
                    Self::Unknown(value) => value,
                }
            }
        }

        impl $crate::OpenEnum for $name {
            const VALUES: &'static [&'static str] = &[$($wire),*];

            fn as_str(&self) -> &str {
                $name::as_str(self)
            }

            fn is_unknown(&self) -> bool {
                matches!(self, Self::Unknown(_))
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $( $wire => Self::$variant, )*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl ::std::convert::From<::std::string::String> for $name {
            fn from(value: ::std::string::String) -> Self {
                match Self::from(value.as_str()) {
                    Self::Unknown(_) => Self::Unknown(value),
                    known => known,
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::wire::serde::Serialize for $name {
            fn serialize<S: $crate::wire::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::wire::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::wire::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                <::std::string::String as $crate::wire::serde::Deserialize>::deserialize(deserializer)
                    .map(Self::from)
            }
        }
    };
}
