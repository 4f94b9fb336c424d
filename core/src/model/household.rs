//! Children in the household (a repeatable group).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::redacted_debug;
use crate::values::DateValue;

/// How a child relates to an adult.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChildRelationship {
    /// Their child.
    Child,
    /// Stepchild or partner's child.
    Stepchild,
    /// Foster or adopted child.
    FosterChild,
    /// Grandchild.
    Grandchild,
    /// Sibling.
    Sibling,
    /// Another relationship.
    Other,
    /// Not related.
    None,
}

/// Whether children's social care is involved with the family.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChildrensSocialCare {
    /// Children's social care is involved. Mandatory once this group is given.
    pub involved: Option<bool>,
    /// A social worker is allocated (only when involved).
    pub social_worker_allocated: Option<bool>,
}
redacted_debug!(ChildrensSocialCare);

/// One child in the household (under 18). Every field is mandatory once a child is added.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Child {
    /// Name.
    pub name: Option<String>,
    /// Date of birth.
    pub date_of_birth: Option<DateValue>,
    /// Relationship to the victim.
    pub relationship_to_victim: Option<ChildRelationship>,
    /// Relationship to the perpetrator.
    pub relationship_to_perpetrator: Option<ChildRelationship>,
    /// Lives at the victim's address.
    pub lives_at_address: Option<bool>,
    /// Was present at or witnessed the incident.
    pub present_or_witnessed: Option<bool>,
}
redacted_debug!(Child);
