//! Runs every upstream test script in `scenarios/promqltest/` and requires zero failures.

use std::path::PathBuf;

use odyssey_simulator::promql::testscript::run_file;

fn scripts_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios/promqltest")
}

#[test]
fn promqltest_scripts_have_no_failures() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(scripts_dir())
        .expect("the scripts folder exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "test"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no scripts found");

    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for file in &files {
        let report = run_file(file).expect("script parses");
        println!("{}", report.summary());
        for s in &report.skipped {
            println!("  skipped line {}: {} ({})", s.line, s.query, s.reason);
        }
        for f in &report.failed {
            println!(
                "  FAILED {}:{}: {}\n    {}",
                f.file, f.line, f.query, f.message
            );
        }
        passed += report.passed;
        failed += report.failed.len();
        skipped += report.skipped.len();
    }
    println!("total: {passed} passed, {failed} failed, {skipped} skipped");
    assert_eq!(failed, 0, "conformance failures (see output above)");
}
