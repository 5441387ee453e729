//! Lists in request bodies that a rule caps (100 ids, 100 instances, 50 tags): read from
//! JSON keeping only the first `N + 1` items, enough for the rule to refuse the list by its
//! count. A hostile body packs thousands of items into the 64 KiB limit; the rest is read
//! past without being kept, so such a body costs about what one just over the limit does.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde::Deserialize;

/// `deserialize_with` for a list the rules cap at `N` items.
pub(crate) fn capped<'de, D, T, const N: usize>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    d.deserialize_seq(Capped::<T, N>(PhantomData))
}

struct Capped<T, const N: usize>(PhantomData<T>);

impl<'de, T: Deserialize<'de>, const N: usize> Visitor<'de> for Capped<T, N> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut items = Vec::new();
        while items.len() <= N {
            match seq.next_element()? {
                Some(item) => items.push(item),
                None => return Ok(items),
            }
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Three {
        #[serde(deserialize_with = "capped::<_, _, 3>")]
        items: Vec<String>,
    }

    #[test]
    fn keeps_one_more_than_the_cap_and_reads_past_the_rest() {
        let read = |json: &str| serde_json::from_str::<Three>(json).map(|t| t.items);
        assert_eq!(read(r#"{"items":["a","b"]}"#).expect("two"), ["a", "b"]);
        let many = format!(
            r#"{{"items":[{}]}}"#,
            (0..5_000)
                .map(|i| format!("\"{i}\""))
                .collect::<Vec<_>>()
                .join(",")
        );
        assert_eq!(read(&many).expect("many"), ["0", "1", "2", "3"]);
        // What follows the list is still read, and bad items past the cap still fail.
        assert!(read(r#"{"items":["a","b","c","d",1,{"x":[]}]}"#).is_ok());
        assert!(read(r#"{"items":["a","b","c","d","e",]}"#).is_err());
        assert!(read(r#"{"items":[1]}"#).is_err());
    }
}
