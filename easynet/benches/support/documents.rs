//! The JSON documents both protocol benches encode and decode.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Item {
    id: u64,
    name: String,
    score: f64,
    tags: Vec<String>,
    active: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Doc {
    version: u32,
    source: String,
    items: Vec<Item>,
}

/// A document whose compact JSON is about `size` bytes (ASCII, so that both sides write
/// the same bytes).
pub(crate) fn document(size: usize) -> Doc {
    let mut doc = Doc {
        version: 3,
        source: "bench-sensor-42".into(),
        items: Vec::new(),
    };
    let mut id = 0;
    while serde_json::to_vec(&doc).map_or(0, |v| v.len()) < size {
        id += 1;
        doc.items.push(Item {
            id: id * 7919,
            name: format!("item number {id}"),
            score: id as f64 * 1.25,
            tags: vec!["alpha".into(), "beta".into()],
            active: id % 2 == 0,
        });
    }
    doc
}
