//! The key-pair wing: the forms of "Create an SSH key", modify, tags, delete and bind, and
//! the dialogs that wire them to the API ([`dialogs`], one host for every page). The forms
//! take callbacks instead of calling the API, so they can be mounted and clicked through in
//! browser tests.

pub mod batch_delete;
pub mod bind_buttons;
pub mod bind_instances;
pub mod bind_results;
pub mod create_key;
pub mod create_pair_fields;
pub mod delete_key;
pub mod dialogs;
pub mod edit_tags;
pub mod expiry_field;
pub mod import_keys;
pub mod instance_picker;
pub mod modify_key;
pub mod public_key_input;
