//! The JSON Schema of manifest format v1, generated from the same types the parser uses,
//! so editors validate and autocomplete exactly what `ombud check` accepts.

use crate::manifest::Manifest;

/// The schema as pretty JSON, ending with a newline.
pub fn json_schema() -> String {
    let mut schema = schemars::schema_for!(Manifest);
    schema.insert("$id".into(), "https://ombud.dev/schema/manifest-v1.json".into());
    schema.insert("title".into(), "ombud privacy program manifest, format v1".into());
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_else(|_| "{}".into());
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_lists_reference_data_and_forbids_unknown_fields() {
        let schema: serde_json::Value = serde_json::from_str(&json_schema()).expect("valid JSON");
        assert_eq!(schema["additionalProperties"], serde_json::Value::Bool(false));
        let text = json_schema();
        for id in [
            "identifiers",
            "precise_geolocation",
            "opt_out_sale_share",
            "D8",
            "G-e",
            "legitimate_interests",
        ] {
            assert!(text.contains(&format!("\"{id}\"")), "schema lacks {id}");
        }
    }
}
