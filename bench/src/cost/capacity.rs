//! DynamoDB capacity units of one request, estimated from its request and response bodies
//! (the wire JSON the SDK sends to the counting proxy), by the rules of on-demand billing:
//!
//! - reads: 1 read request unit per 4 KB of item read, strongly consistent; 0.5 eventually
//!   consistent; a Query or Scan adds up all items it returns before rounding up, and costs at
//!   least one unit even when it returns nothing; transactional reads cost 2 per 4 KB;
//! - writes: 1 write request unit per 1 KB of item written (at least 1); transactional writes
//!   and condition checks cost double.
//!
//! The item written by a PutItem is in the request. UpdateItem and DeleteItem are sized by
//! what the request names (key, values set), which is a lower bound: DynamoDB bills the larger
//! of the item before and after the write, and the proxy never sees the stored item.

use serde_json::Value;

#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Units {
    pub read: f64,
    pub write: f64,
}

const READ_UNIT_BYTES: f64 = 4096.0;
const WRITE_UNIT_BYTES: f64 = 1024.0;

/// The units of one DynamoDB `operation` with these bodies (absent when not JSON).
pub fn units(operation: &str, request: &Value, response: &Value) -> Units {
    let consistent = request["ConsistentRead"].as_bool().unwrap_or(false);
    let read_factor = if consistent { 1.0 } else { 0.5 };
    match operation {
        "GetItem" => Units {
            read: read_units(item_size(&response["Item"]), read_factor),
            write: 0.0,
        },
        "Query" | "Scan" => {
            let total: usize = items(&response["Items"]).map(item_size).sum();
            Units {
                read: read_units(total, read_factor),
                write: 0.0,
            }
        }
        "BatchGetItem" => Units {
            // BatchGetItem reads are sized per item, each rounded up.
            read: response["Responses"]
                .as_object()
                .map(|tables| {
                    tables
                        .values()
                        .flat_map(items)
                        .map(|item| read_units(item_size(item), read_factor))
                        .sum()
                })
                .unwrap_or(0.0),
            write: 0.0,
        },
        "PutItem" => Units {
            read: 0.0,
            write: write_units(item_size(&request["Item"])),
        },
        "UpdateItem" | "DeleteItem" => Units {
            read: 0.0,
            write: write_units(named_size(request)),
        },
        "TransactWriteItems" => {
            let mut total = Units::default();
            for action in request["TransactItems"].as_array().into_iter().flatten() {
                if let Some(put) = action.get("Put") {
                    total.write += 2.0 * write_units(item_size(&put["Item"]));
                } else if let Some(update) = action.get("Update") {
                    total.write += 2.0 * write_units(named_size(update));
                } else if let Some(delete) = action.get("Delete") {
                    total.write += 2.0 * write_units(named_size(delete));
                } else if action.get("ConditionCheck").is_some() {
                    // A condition check in a transaction is billed as a transactional read.
                    total.read += 2.0;
                }
            }
            total
        }
        "TransactGetItems" => Units {
            read: items_of_responses(response)
                .map(|item| 2.0 * read_units(item_size(item), 1.0))
                .sum(),
            write: 0.0,
        },
        _ => Units::default(),
    }
}

fn items(list: &Value) -> impl Iterator<Item = &Value> {
    list.as_array().into_iter().flatten()
}

fn items_of_responses(response: &Value) -> impl Iterator<Item = &Value> {
    response["Responses"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| &r["Item"])
}

fn read_units(bytes: usize, factor: f64) -> f64 {
    (bytes as f64 / READ_UNIT_BYTES).ceil().max(1.0) * factor
}

fn write_units(bytes: usize) -> f64 {
    (bytes as f64 / WRITE_UNIT_BYTES).ceil().max(1.0)
}

/// What an update or delete names: its key and the values it sets.
fn named_size(action: &Value) -> usize {
    item_size(&action["Key"])
        + action["ExpressionAttributeValues"]
            .as_object()
            .map(|values| values.values().map(value_size).sum::<usize>())
            .unwrap_or(0)
}

/// An item's size as DynamoDB counts it: attribute names plus values.
pub fn item_size(item: &Value) -> usize {
    item.as_object()
        .map(|attributes| {
            attributes
                .iter()
                .map(|(name, value)| name.len() + value_size(value))
                .sum()
        })
        .unwrap_or(0)
}

/// One attribute value in the wire format (`{"S": "..."}`, `{"N": "12"}`, ...).
fn value_size(value: &Value) -> usize {
    let Some((kind, inner)) = value.as_object().and_then(|o| o.iter().next()) else {
        return 0;
    };
    match kind.as_str() {
        "S" => inner.as_str().map_or(0, str::len),
        // About one byte per two significant digits, plus one.
        "N" => inner.as_str().map_or(1, |n| n.len().div_ceil(2) + 1),
        // Base64 on the wire: three bytes per four characters.
        "B" => inner.as_str().map_or(0, |b| b.len() * 3 / 4),
        "BOOL" | "NULL" => 1,
        "SS" | "NS" | "BS" => inner
            .as_array()
            .map(|set| set.iter().map(|v| v.as_str().map_or(0, str::len)).sum())
            .unwrap_or(0),
        "L" => {
            3 + inner
                .as_array()
                .map(|list| list.iter().map(|v| 1 + value_size(v)).sum::<usize>())
                .unwrap_or(0)
        }
        "M" => {
            3 + inner
                .as_object()
                .map(|map| {
                    map.iter()
                        .map(|(k, v)| 1 + k.len() + value_size(v))
                        .sum::<usize>()
                })
                .unwrap_or(0)
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_small_strongly_consistent_get_costs_one_read_unit_and_an_eventual_one_half() {
        let item = json!({"Item": {"pk": {"S": "T#a"}, "sk": {"S": "LINK#b"}}});
        let strong = units("GetItem", &json!({"ConsistentRead": true}), &item);
        let eventual = units("GetItem", &json!({}), &item);
        assert_eq!(strong.read, 1.0);
        assert_eq!(eventual.read, 0.5);
    }

    #[test]
    fn a_query_rounds_the_sum_of_its_items_and_costs_one_unit_when_empty() {
        let big = "x".repeat(3000);
        let items = json!({"Items": [{"body": {"S": big}}, {"body": {"S": big}}]});
        assert_eq!(
            units("Query", &json!({"ConsistentRead": true}), &items).read,
            2.0
        );
        assert_eq!(units("Query", &json!({}), &json!({"Items": []})).read, 0.5);
    }

    #[test]
    fn transactional_writes_cost_double_per_kilobyte() {
        let request = json!({"TransactItems": [
            {"Put": {"Item": {"body": {"S": "y".repeat(1500)}}}},
            {"ConditionCheck": {"Key": {"pk": {"S": "a"}}}},
        ]});
        let counted = units("TransactWriteItems", &request, &json!({}));
        assert_eq!(counted.write, 4.0);
        assert_eq!(counted.read, 2.0);
    }
}
