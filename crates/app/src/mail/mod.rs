//! Email: templates and delivery (being written).
