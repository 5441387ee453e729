//! The catalogue's checks, on catalogues written to a temporary directory.

#![allow(clippy::unwrap_used)]

use super::*;

fn catalogue_of(files: &[(&str, &str)]) -> Result<Vec<Message>, Vec<String>> {
    let dir = std::env::temp_dir().join(format!(
        "keyrack-catalogue-test-{}-{}",
        std::process::id(),
        files[0].0
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let loaded = load(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    loaded
}

#[test]
fn a_message_missing_a_language_or_a_placeholder_is_refused() {
    let problems = catalogue_of(&[(
        "one.toml",
        "[ok]\nen = \"{n} deleted\"\nzh-CN = \"已删除 {n} 个\"\n\
         [no-chinese]\nen = \"New\"\n\
         [placeholder]\nen = \"{count} keys\"\nzh-CN = \"{n} 个密钥\"\n\
         [empty]\nen = \"Close\"\nzh-CN = \" \"\n\
         [french]\nen = \"Yes\"\nzh-CN = \"是\"\nfr = \"Oui\"\n\
         [not-a-name]\nen = \"{Count} keys\"\nzh-CN = \"{Count} 个密钥\"\n",
    )])
    .unwrap_err();
    assert_eq!(problems.len(), 5, "{problems:?}");
    assert!(problems
        .iter()
        .any(|p| p == "one.no-chinese: no zh-CN text"));
    assert!(problems
        .iter()
        .any(|p| p.starts_with("one.placeholder: placeholders differ")));
    assert!(problems
        .iter()
        .any(|p| p == "one.empty: the zh-CN text is empty"));
    assert!(problems
        .iter()
        .any(|p| p == "one.french: unknown language `fr`"));
    assert!(problems
        .iter()
        .any(|p| p.starts_with("one.not-a-name: placeholder `{Count}`")));
}

#[test]
fn messages_are_ordered_by_id_across_files_as_the_constants_are() {
    let messages = catalogue_of(&[
        (
            "b.toml",
            "[z]\nen = \"Z\"\nzh-CN = \"乙\"\n[a]\nen = \"A\"\nzh-CN = \"甲\"\n",
        ),
        ("a.toml", "[m]\nen = \"M\"\nzh-CN = \"丙\"\n"),
    ])
    .unwrap();
    let ids: Vec<_> = messages.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["a.m", "b.a", "b.z"]);
    assert_eq!(variant("keys.batch-delete"), "KeysBatchDelete");
    assert_eq!(function("keys.batch-delete"), "keys_batch_delete");
}

#[test]
fn an_english_plural_is_loaded_with_the_number_it_counts() {
    let messages = catalogue_of(&[(
        "bind.toml",
        "[bound]\n\
         en.one = \"Bound to {done} of 1 instance\"\n\
         en.other = \"Bound to {done} of {total} instances\"\n\
         zh-CN = \"共 {total} 个实例，已绑定 {done} 个\"\n",
    )])
    .unwrap();
    assert_eq!(messages[0].en, "Bound to {done} of {total} instances");
    assert_eq!(
        messages[0].one,
        Some(One {
            text: "Bound to {done} of 1 instance".into(),
            count: "total".into(),
        })
    );
    assert_eq!(messages[0].parameters(), ["done", "total"]);
    assert_eq!(messages[0].zh_cn, "共 {total} 个实例，已绑定 {done} 个");
}

#[test]
fn an_incomplete_or_mismatched_plural_is_refused() {
    let problems = catalogue_of(&[(
        "two.toml",
        "[no-one]\nen = { other = \"{count} keys\" }\nzh-CN = \"{count} 个密钥\"\n\
         [no-other]\nen = { one = \"1 key\" }\nzh-CN = \"{count} 个密钥\"\n\
         [few]\nen = { one = \"1 key\", other = \"{count} keys\", few = \"{count} keys\" }\nzh-CN = \"{count} 个\"\n\
         [same]\nen = { one = \"{count} key\", other = \"{count} keys\" }\nzh-CN = \"{count} 个密钥\"\n\
         [chinese]\nen = { one = \"1 key\", other = \"{count} keys\" }\nzh-CN = \"{n} 个密钥\"\n\
         [extra]\nen = { one = \"1 key of {name}\", other = \"{count} keys\" }\nzh-CN = \"{count} 个密钥\"\n",
    )])
    .unwrap_err();
    assert_eq!(problems.len(), 6, "{problems:?}");
    assert!(problems.contains(&"two.no-one: no en one text".to_string()));
    assert!(problems.contains(&"two.no-other: no en other text".to_string()));
    assert!(problems
        .iter()
        .any(|p| p.starts_with("two.few: unknown English form `few`")));
    assert!(problems
        .iter()
        .any(|p| p.starts_with("two.same: the one form must")));
    assert!(problems
        .iter()
        .any(|p| p.starts_with("two.chinese: placeholders differ")));
    assert!(problems
        .iter()
        .any(|p| p.starts_with("two.extra: the one form must")));
}
