//! The fuzz targets' promises (`fuzz/src/promises.rs`, included here as
//! they are, so a test and a fuzz run check the same things) over every
//! input the runs found, in `tests/data/regressions/TARGET/`, and over the
//! targets' seeds in `fuzz/seeds/TARGET/`.

use std::path::{Path, PathBuf};

// The promises are the fuzz crate's public functions; only some of them
// are called from the tests.
#[allow(unreachable_pub, dead_code)]
#[path = "../fuzz/src/promises.rs"]
pub(crate) mod promises;

fn files(dir: &Path) -> Vec<PathBuf> {
    // Git keeps no empty directories: a target without finds has none.
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries.map(|entry| entry.unwrap().path()).collect();
    files.retain(|path| path.file_name().is_some_and(|name| name != ".gitkeep"));
    files.sort();
    files
}

/// A regression file is a line `# what it found`, then the input as the
/// fuzzer saved it, byte for byte.
#[test]
fn every_input_a_fuzz_run_found_keeps_the_promises() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/regressions");
    let mut replayed = 0;
    for target in promises::TARGETS {
        for path in files(&root.join(target)) {
            let bytes = std::fs::read(&path).unwrap();
            let newline = bytes.iter().position(|&b| b == b'\n');
            let (comment, input) = bytes.split_at(newline.map_or(bytes.len(), |n| n + 1));
            assert!(
                comment.starts_with(b"# ") && comment.len() > 3,
                "{}: the first line must say what the input found",
                path.display()
            );
            promises::replay(target, input);
            replayed += 1;
        }
    }
    assert!(
        replayed > 0,
        "no regression inputs under {}",
        root.display()
    );
}

#[test]
fn every_fuzz_seed_keeps_the_promises() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    for target in promises::TARGETS {
        let seeds = files(&root.join(target));
        assert!(!seeds.is_empty(), "{target} has no seeds");
        for path in seeds {
            promises::replay(target, &std::fs::read(&path).unwrap());
        }
    }
}
