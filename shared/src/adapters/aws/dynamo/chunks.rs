//! Splitting writes into transactions that DynamoDB accepts: at most 100 actions and 4 MB.

use super::MAX_TRANSACTION_ITEMS;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};

/// DynamoDB also limits a transaction to 4 MB; shadows hold whole events, so 100 of them can
/// exceed it. Chunks stay below this estimate, which leaves room for keys and overhead.
const MAX_TRANSACTION_BYTES: usize = 3 * 1024 * 1024;

/// Roughly what a write adds to a transaction's size: its item's names and values.
fn approximate_bytes(write: &TransactWriteItem) -> usize {
    let value_bytes = |value: &AttributeValue| match value {
        AttributeValue::S(text) | AttributeValue::N(text) => text.len(),
        AttributeValue::B(blob) => blob.as_ref().len(),
        _ => 16,
    };
    match write.put() {
        Some(put) => put
            .item()
            .iter()
            .map(|(name, value)| name.len() + value_bytes(value))
            .sum(),
        // Deletes, updates and checks name a key and a few small attributes.
        None => 512,
    }
}

/// Splits `writes` into transactions of at most `per_chunk` actions and
/// [`MAX_TRANSACTION_BYTES`].
pub(super) fn chunks(
    writes: Vec<TransactWriteItem>,
    per_chunk: usize,
) -> Vec<Vec<TransactWriteItem>> {
    let mut chunks = Vec::new();
    let mut chunk = Vec::new();
    let mut bytes = 0;
    for write in writes {
        let size = approximate_bytes(&write);
        if !chunk.is_empty() && (chunk.len() == per_chunk || bytes + size > MAX_TRANSACTION_BYTES) {
            chunks.push(std::mem::take(&mut chunk));
            bytes = 0;
        }
        bytes += size;
        chunk.push(write);
    }
    if !chunk.is_empty() {
        chunks.push(chunk);
    }
    chunks
}

/// Whether all `parts` together fit one transaction.
pub(super) fn fits_one_transaction(parts: &[&[TransactWriteItem]]) -> bool {
    let writes = || parts.iter().flat_map(|part| part.iter());
    writes().count() <= MAX_TRANSACTION_ITEMS
        && writes().map(approximate_bytes).sum::<usize>() <= MAX_TRANSACTION_BYTES
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::aws::dynamo::codec;
    use aws_sdk_dynamodb::types::Put;

    fn put_of(bytes: usize) -> TransactWriteItem {
        let item = codec::item(
            "p".into(),
            "s".into(),
            vec![("body", codec::s("x".repeat(bytes)))],
        );
        let put = Put::builder()
            .table_name("t")
            .set_item(Some(item))
            .build()
            .unwrap();
        TransactWriteItem::builder().put(put).build()
    }

    fn sizes(chunks: &[Vec<TransactWriteItem>]) -> Vec<usize> {
        chunks.iter().map(Vec::len).collect()
    }

    #[test]
    fn writes_are_chunked_by_count_and_by_size() {
        let small: Vec<_> = (0..250).map(|_| put_of(10)).collect();
        assert_eq!(sizes(&chunks(small, 100)), vec![100, 100, 50]);
        let large: Vec<_> = (0..5).map(|_| put_of(1_000_000)).collect();
        assert_eq!(sizes(&chunks(large, 99)), vec![3, 2]);
        assert!(!fits_one_transaction(&[
            &[put_of(2_000_000)],
            &[put_of(2_000_000)]
        ]));
        assert!(fits_one_transaction(&[&[put_of(10)], &[put_of(10)]]));
    }
}
