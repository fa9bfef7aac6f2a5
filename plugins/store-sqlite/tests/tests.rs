//! The store loaded as the real plugin library, against the reference semantics.

mod equivalence;
