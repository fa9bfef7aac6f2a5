//! What the history store plugins of `ucs-history-proxy` share, and nothing a plugin must have.
//!
//! The bundled stores (`store-sqlite`, `store-postgres`) keep the same UCS-like schema
//! (`interactions`, `custom_attributes`) in different databases. What does not depend on the
//! database driver lives here, once:
//!
//! * [`sql`]: one backend request as one `SELECT` with every filter, the order and the limit
//!   pushed down as bound parameters; a store only chooses its [`sql::SqlDialect`];
//! * [`row`]: the schema's columns and an [`InteractionRow`] that is the same for every driver,
//!   so turning a row into an interaction (and back) is written once;
//! * [`content`]: the content tables (body, attachments, transcript) and their statements;
//! * [`demo`]: the deterministic demo history (and contents) every store can load.
//!
//! # Where it sits
//!
//! A plugin depends on `ucs-plugin-api` and, if it is a store of this schema, on this crate;
//! nothing here touches the host, the cache or HTTP. A store of another schema (or a relay)
//! has no use for it.
//!
//! ```
//! use ucs_store_kit::demo::{demo_interaction, DEMO_SEED};
//! use ucs_store_kit::InteractionRow;
//! use ucs_plugin_api::ucs_model::chrono::Utc;
//!
//! let (tenant, interaction) = demo_interaction(DEMO_SEED, 0, Utc::now());
//! let row = InteractionRow::from_interaction(&interaction);
//! assert_eq!(row.clone().into_interaction()?.id, interaction.id);
//! assert!(!tenant.is_empty());
//! # Ok::<(), ucs_store_kit::RowError>(())
//! ```
#![deny(missing_docs)]

pub mod content;
pub mod demo;
pub mod row;
pub mod sql;

pub use content::{BodyRow, ContentRows, ContentStatements, MessageRow};
pub use row::{InteractionRow, RowError};
