//! An event, as documented on one Feishu event page
//! (`schema/<service>/<version>/events/<resource>.<event>.yaml`).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use super::{AppType, Body, Field, Scope, Spanned, TypeDef};

/// One event kind: its type on the wire, its envelope as the page gives it, and its `event` object.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventFile {
    /// Service name, as in the portal path (`performance`).
    #[schemars(with = "String")]
    pub service: Spanned<String>,
    /// Version, as in the portal path (`v2`).
    #[schemars(with = "String")]
    pub version: Spanned<String>,
    /// Resource name in snake_case (`review_data`).
    pub resource: String,
    /// The event's name in the portal path, snake_case (`changed`).
    pub event: String,
    /// The event type on the wire (`performance.review_data.changed_v2`): the
    /// envelope's `header.event_type`.
    #[schemars(with = "String")]
    pub event_type: Spanned<String>,
    /// PascalCase stem of the generated names (`ReviewDataChangedV2`).
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// The page title.
    pub summary: String,
    /// The page's `#` heading, when it differs from its title.
    #[serde(default)]
    pub heading: Option<String>,
    /// The page's introduction.
    pub description: String,
    /// The page's `前提条件`.
    #[serde(default)]
    pub prerequisites: Option<String>,
    /// Remarks that the page itself does not carry.
    #[serde(default)]
    pub notes: Option<String>,
    /// The documentation page.
    pub doc_url: String,
    /// The page's last update (YYYY-MM-DD).
    #[serde(default)]
    pub last_updated: Option<String>,
    /// App types that may subscribe.
    #[serde(default)]
    pub app_types: Vec<AppType>,
    /// Scopes: any one of them suffices to subscribe.
    #[serde(default)]
    pub scopes: Vec<Scope>,
    /// Field-level scopes: needed only to receive the sensitive fields they name.
    #[serde(default)]
    pub field_scopes: Vec<Scope>,
    /// `推送方式`, as the page writes it (`Webhook`).
    #[serde(default)]
    pub delivery: Vec<String>,
    /// The envelope's rows as the page gives them (`schema`, `header`): they
    /// must be the platform's v2 envelope, which the runtime reads.
    pub envelope: Vec<Field>,
    /// The `event` object.
    pub event_body: Body,
    /// Named types used by the envelope's and the event's fields.
    #[serde(default)]
    pub types: Vec<TypeDef>,
    /// The page's example of a whole delivery, verbatim.
    #[serde(default)]
    pub example: Option<String>,
    /// Facts that come from elsewhere than the page: the key they set, and the source.
    #[serde(default)]
    pub sources: BTreeMap<String, String>,
}
