//! Runner for the PromQL test-script language.
