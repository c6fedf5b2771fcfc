//! Benchmarks of the simulated kubectl (filled in with the interpreter).

fn main() {}
