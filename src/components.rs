//! Reusable pieces. The forms here take callbacks instead of calling the API, so they can
//! be mounted and clicked through in browser tests.

pub mod batch_delete;
pub mod bind_instances;
pub mod bind_results;
pub mod copy_button;
pub mod create_key;
pub mod create_pair_fields;
pub mod create_token;
pub mod delete_key;
pub mod dialog;
pub mod edit_tags;
pub mod form;
pub mod instance_picker;
pub mod instance_state;
pub mod layout;
pub mod modify_key;
pub mod pagination;
pub mod public_key_input;
pub mod refresh_button;
pub mod request;
pub mod search_box;
pub mod status;
pub mod tag_editor;
pub mod toast;
