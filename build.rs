//! Rebuild when a migration changes (embed_migrations! alone would miss new ones), and give the test
//! harness a fingerprint of the migrations so its template database is rebuilt exactly when they change.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    let mut files = Vec::new();
    collect(Path::new("migrations"), &mut files);
    files.sort();
    let mut hasher = DefaultHasher::new();
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        file.hash(&mut hasher);
        std::fs::read(file)
            .expect("migration file is readable")
            .hash(&mut hasher);
    }
    println!("cargo:rustc-env=SLS_MIGRATIONS_FINGERPRINT={:016x}", hasher.finish());
}

fn collect(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("migrations directory exists") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            collect(&path, files);
        } else {
            files.push(path);
        }
    }
}
