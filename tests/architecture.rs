//! The layers of docs/architecture.md, held against the code: every
//! `use crate::…` in a top-level module names a module of its own layer or a
//! lower one, and no two top-level modules import each other.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Top-level modules by layer, lowest first, as docs/architecture.md lists them.
const LAYERS: [&[&str]; 9] = [
    &["model", "catalog", "engine", "error", "stats", "digest", "interrupt", "aws_json"],
    &["cluster"],
    &["placement", "scaling", "traces", "billing", "commitments", "metrics", "prices"],
    &["scenario", "schema", "workload", "scheduler"],
    &["record"],
    &["simulation"],
    &["output"],
    &["sweep", "check", "optimize", "import"],
    &["cli"],
];

fn layer_of(module: &str) -> usize {
    LAYERS
        .iter()
        .position(|layer| layer.contains(&module))
        .unwrap_or_else(|| panic!("module `{module}` is in no layer of docs/architecture.md; add it there and here"))
}

/// The top-level module a source file belongs to (`src/sweep/run.rs` → `sweep`).
fn module_of(path: &Path, src: &Path) -> Option<String> {
    let relative = path.strip_prefix(src).ok()?;
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "lib" && name != "main").then(|| name.to_string())
}

fn rust_files(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// Every (importing module, imported module) pair in the crate's sources.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut imports: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let Some(module) = module_of(&file, &src) else { continue };
        let text = std::fs::read_to_string(&file).unwrap();
        for line in text.lines() {
            let Some(rest) = line.trim_start().strip_prefix("use crate::") else { continue };
            let imported: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if imported != module {
                imports.entry(module.clone()).or_default().insert(imported);
            }
        }
    }
    imports
}

#[test]
fn imports_never_run_up_a_layer() {
    let mut upward = Vec::new();
    for (module, imported) in imports() {
        for other in imported {
            if layer_of(&other) > layer_of(&module) {
                upward.push(format!("{module} imports {other}"));
            }
        }
    }
    assert!(upward.is_empty(), "imports that run up a layer: {upward:?}");
}

#[test]
fn no_two_modules_import_each_other() {
    let imports = imports();
    let mut circles = Vec::new();
    for (module, imported) in &imports {
        for other in imported {
            if imports.get(other).is_some_and(|back| back.contains(module)) && module < other {
                circles.push(format!("{module} <-> {other}"));
            }
        }
    }
    assert!(circles.is_empty(), "modules that import each other: {circles:?}");
}

#[test]
fn the_layers_name_every_module() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    let declared: Vec<&str> = lib
        .lines()
        .filter(|l| l.starts_with("pub mod ") || l.starts_with("pub(crate) mod ") || l.starts_with("mod "))
        .filter_map(|l| l.strip_suffix(';')?.rsplit(' ').next())
        .collect();
    assert!(declared.len() >= 15, "read the module list of lib.rs: {declared:?}");
    for module in declared {
        layer_of(module);
    }
}
