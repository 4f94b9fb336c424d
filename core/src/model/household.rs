//! Children in the household (a repeatable group).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Answer;
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
    /// Children's social care is involved: yes, no or not known. Mandatory whenever children
    /// are listed. (A version 2 document's `true`/`false` reads as yes/no.)
    pub involved: Option<Answer>,
    /// A social worker is allocated (only when involved).
    pub social_worker_allocated: Option<bool>,
}
redacted_debug!(ChildrensSocialCare);

/// One child in the household (under 18). Every field is mandatory once a child is added,
/// except that the date of birth is to follow when an approximate age is given.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Child {
    /// Name.
    pub name: Option<String>,
    /// Date of birth; to follow when an approximate age is given.
    pub date_of_birth: Option<DateValue>,
    /// Approximate age in years, when the date of birth is not known at the scene.
    pub approximate_age: Option<u8>,
    /// Relationship to the victim.
    pub relationship_to_victim: Option<ChildRelationship>,
    /// Relationship to the perpetrator.
    pub relationship_to_perpetrator: Option<ChildRelationship>,
    /// Lives at the victim's address.
    pub lives_at_address: Option<bool>,
    /// Was present at or witnessed the incident.
    pub present_or_witnessed: Option<bool>,
    /// Saw, heard or experienced the effects of the abuse: a victim in their own right
    /// (Domestic Abuse Act 2021, s.3). Mandatory once a child is added.
    pub saw_heard_or_experienced: Option<Answer>,
    /// The child's school or nursery, if any.
    pub school: Option<String>,
}
redacted_debug!(Child);
