//! `docs/architecture.md` and the README's architecture section name files, directories and
//! `module::Name` paths of this repository; a rename that forgets them fails here.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(root().join(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

/// Top-level directories whose paths the docs cite.
const ROOTS: &[&str] = &[
    "src/",
    "tests/",
    "crates/",
    "docs/",
    "benches/",
    "examples/",
    "fuzz/",
    "mappers/",
    "pack/",
    "fixtures/",
];

/// The example vendor of "Adding a vendor" is not in the tree.
fn is_example(path: &str) -> bool {
    path.contains("acme") || path.contains('<')
}

fn path_chars(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/')
}

/// Every `root/...` path in `text` (trailing punctuation dropped).
fn rooted_paths(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (start, _) in text.char_indices() {
        let rest = &text[start..];
        let preceded_by_path = text[..start].chars().next_back().is_some_and(path_chars);
        if preceded_by_path || !ROOTS.iter().any(|r| rest.starts_with(r)) {
            continue;
        }
        let end = rest.find(|c| !path_chars(c)).unwrap_or(rest.len());
        let path = rest[..end].trim_end_matches('.');
        if !is_example(path) && !is_example(&rest[..rest.len().min(end + 1)]) {
            found.push(path.to_string());
        }
    }
    found
}

/// In a ```text tree block, the bare file and directory names of an entry (`vendor.rs`,
/// `markdown/`) are relative to the entry's directory: the last first-column path ending in
/// `/`, or the parent of the first one.
fn tree_paths(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut in_tree = false;
    let mut base = String::new();
    for line in text.lines() {
        if line.starts_with("```text") {
            in_tree = true;
            continue;
        }
        if line.starts_with("```") {
            in_tree = false;
            continue;
        }
        if !in_tree {
            continue;
        }
        let (names, description) = if line.starts_with(' ') {
            ("", line)
        } else {
            // The first column ends at the first run of two spaces.
            match line.find("  ") {
                Some(i) => (&line[..i], &line[i..]),
                None => (line, ""),
            }
        };
        if !names.is_empty() {
            let firsts: Vec<&str> = names.split([',', ' ']).filter(|s| !s.is_empty()).collect();
            base = match firsts.iter().rev().find(|p| p.ends_with('/')) {
                Some(dir) => dir.to_string(),
                None => match firsts.first().and_then(|p| p.rfind('/')) {
                    Some(i) => firsts[0][..=i].to_string(),
                    None => String::new(),
                },
            };
            found.extend(firsts.iter().map(|p| p.to_string()));
        }
        for word in description.split(|c: char| !path_chars(c)) {
            let word = word.trim_end_matches('.');
            let bare = word.ends_with(".rs") || word.ends_with(".py") || word.ends_with('/');
            if bare && !ROOTS.iter().any(|r| word.starts_with(r)) && !word.starts_with('/') {
                found.push(format!("{base}{word}"));
            }
        }
    }
    found.retain(|p| !is_example(p) && p.contains(['/', '.']));
    found
}

/// Markdown links to other files (`[protocol.md](protocol.md)`), relative to `dir`.
fn linked_paths(text: &str, dir: &str) -> Vec<String> {
    text.split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .filter(|target| !target.starts_with("http") && !target.starts_with('#'))
        .map(|target| format!("{dir}{}", target.split('#').next().unwrap_or(target)))
        .collect()
}

/// `a::b::Name` in backticks whose first segment is a module of the crate: the longest
/// prefix that is a module file, and the names after it, which must appear in that file.
fn module_paths(text: &str) -> Vec<(PathBuf, Vec<String>, String)> {
    let src = root().join("src");
    let mut found = Vec::new();
    for quoted in text.split('`').skip(1).step_by(2) {
        let head = quoted.split(['(', ' ', '<', '{']).next().unwrap_or("");
        let head = head.trim_start_matches('&').trim_start_matches("crate::");
        if !head.contains("::") {
            continue;
        }
        let segments: Vec<&str> = head.split("::").filter(|s| !s.is_empty()).collect();
        let mut dir = src.clone();
        let mut file = None;
        let mut taken = 0;
        for segment in &segments {
            let as_file = dir.join(format!("{segment}.rs"));
            let as_dir = dir.join(segment);
            if as_dir.join("mod.rs").is_file() {
                file = Some(as_dir.join("mod.rs"));
            } else if as_file.is_file() {
                file = Some(as_file);
            } else {
                break;
            }
            dir = as_dir;
            taken += 1;
        }
        let Some(file) = file else { continue };
        if is_example(quoted) {
            continue;
        }
        let names = segments[taken..].iter().map(|s| s.to_string()).collect();
        found.push((file, names, quoted.to_string()));
    }
    found
}

fn contains_word(haystack: &str, word: &str) -> bool {
    haystack.match_indices(word).any(|(i, _)| {
        let before = haystack[..i].chars().next_back();
        let after = haystack[i + word.len()..].chars().next();
        let ident = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        !ident(before) && !ident(after)
    })
}

/// The text of a module file and, for `mod.rs` or `x.rs` with an `x/` directory, of the
/// files beside it (names are often re-exported from a submodule).
fn module_text(file: &Path) -> String {
    let mut text = std::fs::read_to_string(file).unwrap_or_default();
    let dir = if file.ends_with("mod.rs") {
        file.parent().map(Path::to_path_buf)
    } else {
        Some(file.with_extension(""))
    };
    if let Some(Ok(entries)) = dir.map(std::fs::read_dir) {
        for entry in entries.flatten() {
            text.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
        }
    }
    text
}

/// The part of `text` under the heading `heading`, up to the next heading of its level.
fn section<'a>(text: &'a str, heading: &str) -> &'a str {
    let start = text
        .find(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("no {heading:?}"));
    let body = &text[start + heading.len() + 2..];
    let level = heading.split(' ').next().unwrap_or("##");
    let end = body.find(&format!("\n{level} ")).unwrap_or(body.len());
    &body[..end]
}

fn check(doc: &str, text: &str, dir: &str) {
    let mut missing = Vec::new();
    let mut paths = rooted_paths(text);
    paths.extend(tree_paths(text));
    paths.extend(linked_paths(text, dir));
    assert!(paths.len() > 10, "{doc}: too few paths found: {paths:?}");
    for path in paths {
        if !root().join(&path).exists() {
            missing.push(path);
        }
    }
    for (file, names, quoted) in module_paths(text) {
        let source = module_text(&file);
        for name in names {
            if !contains_word(&source, &name) {
                missing.push(format!("`{quoted}`: no `{name}` in {}", file.display()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "{doc} names what does not exist: {missing:#?}"
    );
}

#[test]
fn the_architecture_doc_names_files_and_items_that_exist() {
    check(
        "docs/architecture.md",
        &read("docs/architecture.md"),
        "docs/",
    );
}

#[test]
fn the_readme_architecture_names_files_that_exist() {
    let readme = read("README.md");
    check("README.md", section(&readme, "## Architecture"), "");
}

#[test]
fn the_path_finders_find_paths() {
    assert_eq!(
        section("# A\n## B\nb\n### C\nc\n## D\nd", "## B"),
        "b\n### C\nc"
    );
    let text = "see `src/http/` and src/okta/vendor.rs.\n```text\nsrc/okta/   vendor.rs, auth/\nsrc/a.rs, src/b/  c.rs\n```\n[x](protocol.md) `http::pacer::Pacer::reserve`";
    assert_eq!(rooted_paths(text)[..2], ["src/http/", "src/okta/vendor.rs"]);
    let tree = tree_paths(text);
    for expected in [
        "src/okta/vendor.rs",
        "src/okta/auth/",
        "src/b/c.rs",
        "src/a.rs",
    ] {
        assert!(tree.iter().any(|p| p == expected), "{expected} in {tree:?}");
    }
    assert_eq!(linked_paths(text, "docs/"), ["docs/protocol.md"]);
    let items = module_paths(text);
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].1, ["Pacer", "reserve"]);
    assert!(items[0].0.ends_with("src/http/pacer.rs"));
}
