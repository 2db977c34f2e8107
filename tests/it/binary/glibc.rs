//! The binary runs in the XSOAR image: the newest glibc symbol version it needs is at most
//! the glibc of `demisto/python3-deb` (the Dockerfile's base image).
//!
//! Reads the ELF dynamic section's version needs (`.gnu.version_r`) of the built binary (the
//! one this test run built; the release binary too when it exists) and compares every
//! `GLIBC_x.y` with [`IMAGE_GLIBC`]. Where that number comes from: docs/xsoar.md ("The
//! image's glibc").

use crate::support as common;

use std::path::Path;

/// glibc of `demisto/python3-deb:3.12.13.11753038`: built `FROM python:3.12.13-slim-bookworm`,
/// Debian 12, whose libc6 is 2.36.
const IMAGE_GLIBC: (u32, u32) = (2, 36);

/// The `GLIBC_x.y` versions an ELF64 little-endian executable needs, from `.gnu.version_r`.
fn glibc_versions_needed(bytes: &[u8]) -> Result<Vec<(u32, u32)>, String> {
    let u16_at = |at: usize| -> Result<u16, String> {
        bytes
            .get(at..at + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .ok_or_else(|| format!("truncated at {at}"))
    };
    let u32_at = |at: usize| -> Result<u32, String> {
        bytes
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(|| format!("truncated at {at}"))
    };
    let u64_at = |at: usize| -> Result<u64, String> {
        bytes
            .get(at..at + 8)
            .map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
            .ok_or_else(|| format!("truncated at {at}"))
    };
    if bytes.get(0..4) != Some(b"\x7fELF") || bytes.get(4) != Some(&2) || bytes.get(5) != Some(&1) {
        return Err("not an ELF64 little-endian file".into());
    }
    let section_headers = u64_at(0x28)? as usize;
    let entry_size = u16_at(0x3A)? as usize;
    let count = u16_at(0x3C)? as usize;
    const SHT_GNU_VERNEED: u32 = 0x6fff_fffe;
    let section = |index: usize| -> Result<(u32, usize, usize, u32, u32), String> {
        let at = section_headers + index * entry_size;
        Ok((
            u32_at(at + 4)?,             // sh_type
            u64_at(at + 0x18)? as usize, // sh_offset
            u64_at(at + 0x20)? as usize, // sh_size
            u32_at(at + 0x28)?,          // sh_link (the string table)
            u32_at(at + 0x2C)?,          // sh_info (number of entries)
        ))
    };
    let mut versions = Vec::new();
    for index in 0..count {
        let (kind, offset, _, link, entries) = section(index)?;
        if kind != SHT_GNU_VERNEED {
            continue;
        }
        let (_, strings, strings_size, _, _) = section(link as usize)?;
        let name_at = |offset: usize| -> Result<&str, String> {
            let start = strings + offset;
            let end = bytes[start..strings + strings_size]
                .iter()
                .position(|&b| b == 0)
                .map(|n| start + n)
                .ok_or("unterminated string")?;
            std::str::from_utf8(&bytes[start..end]).map_err(|e| e.to_string())
        };
        let mut need = offset;
        for _ in 0..entries {
            let aux_count = u16_at(need + 2)?;
            let mut aux = need + u32_at(need + 8)? as usize;
            for _ in 0..aux_count {
                let name = name_at(u32_at(aux + 8)? as usize)?;
                if let Some(version) = name.strip_prefix("GLIBC_") {
                    let mut parts = version.split('.').map(|p| p.parse::<u32>());
                    if let (Some(Ok(major)), Some(Ok(minor))) = (parts.next(), parts.next()) {
                        versions.push((major, minor));
                    }
                }
                aux += u32_at(aux + 12)? as usize;
            }
            let next = u32_at(need + 12)? as usize;
            if next == 0 {
                break;
            }
            need += next;
        }
    }
    Ok(versions)
}

fn check(binary: &Path) {
    let bytes = std::fs::read(binary).expect("read the binary");
    let versions = glibc_versions_needed(&bytes).expect("parse the ELF version needs");
    assert!(
        !versions.is_empty(),
        "{} needs no GLIBC_ version: not a glibc binary?",
        binary.display()
    );
    let newest = versions.iter().max().copied().unwrap_or_default();
    eprintln!(
        "{} needs GLIBC_{}.{} at most",
        binary.display(),
        newest.0,
        newest.1
    );
    assert!(
        newest <= IMAGE_GLIBC,
        "{} needs GLIBC_{}.{}, newer than the image's glibc {}.{}: build it on Debian 12 (the Dockerfile does)",
        binary.display(),
        newest.0,
        newest.1,
        IMAGE_GLIBC.0,
        IMAGE_GLIBC.1
    );
}

#[cfg(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64"))]
#[test]
fn the_binary_needs_no_newer_glibc_than_the_image_has() {
    check(&common::binary());
    let release = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/okta-iam");
    if release.exists() {
        check(&release);
    }
}

#[test]
fn the_reader_finds_the_versions_of_a_known_binary() {
    // /bin/sh is a glibc binary on the Linux machines CI runs on; elsewhere there is nothing
    // to read, and the check above does not run either.
    let Ok(bytes) = std::fs::read("/bin/sh") else {
        eprintln!("skipped: no /bin/sh");
        return;
    };
    if let Ok(versions) = glibc_versions_needed(&bytes) {
        assert!(versions.iter().all(|v| v.0 == 2), "{versions:?}");
    }
    assert!(glibc_versions_needed(b"not an elf").is_err());
}
