//! Generic pieces of the console: the layout, dialogs, forms, lists and feedback that every
//! page uses. Nothing here knows about key pairs.

pub mod batch;
pub mod copy_button;
pub mod dialog;
pub mod form;
pub mod instance_state;
pub mod layout;
pub mod list_page;
pub mod pagination;
pub mod preferences;
pub mod refresh_button;
pub mod request;
pub mod search_box;
pub mod status;
pub mod tag_editor;
pub mod text_field;
pub mod toast;
