//! The synthetic model.
