//! Checks of the files named on the command line, made before anything runs, so a wrong
//! path is a usage error (exit 2) at start-up instead of an error entry on every command.

use std::path::Path;

use super::StartupError;

/// `--state FILE`: FILE may not exist yet, but it must not be a directory, and the directory
/// it would be written into must exist (the file is replaced atomically through a temporary
/// file beside it).
pub fn check_state_path(path: &Path) -> Result<(), StartupError> {
    check_output_path(path).map_err(|detail| StartupError::State {
        path: path.display().to_string(),
        detail,
    })
}

/// `--record FILE`: the same rule as the state file (what FILE already holds is checked when
/// the cassette is loaded for appending).
pub fn check_record_path(path: &Path) -> Result<(), StartupError> {
    check_output_path(path).map_err(|detail| StartupError::Record {
        path: path.display().to_string(),
        detail,
    })
}

/// A file the daemon will write: not a directory, in a directory that exists.
fn check_output_path(path: &Path) -> Result<(), String> {
    if path.as_os_str().is_empty() {
        return Err("the path is empty".into());
    }
    if path.is_dir() {
        return Err("it is a directory; give a file path".into());
    }
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    match std::fs::metadata(parent) {
        Ok(metadata) if metadata.is_dir() => Ok(()),
        Ok(_) => Err(format!("{} is not a directory", parent.display())),
        Err(_) => Err(format!("the directory {} does not exist", parent.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_or_a_missing_parent_is_refused_and_a_new_file_is_fine() {
        let dir = std::env::temp_dir();
        assert!(check_state_path(&dir).is_err());
        assert!(check_state_path(&dir.join("okta-iam-no-such-dir/state.json")).is_err());
        assert!(check_state_path(&dir.join("okta-iam-new-state.json")).is_ok());
        assert!(check_state_path(Path::new("state.json")).is_ok());
        assert!(check_state_path(Path::new("")).is_err());
        assert!(check_record_path(&dir).is_err());
    }
}
