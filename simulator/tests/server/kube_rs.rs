//! kube_rs
