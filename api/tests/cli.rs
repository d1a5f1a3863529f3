//! The `driehoek` binary as an operator meets it: bad configuration stops it with one
//! clear line and exit code 2, never a panic; `openapi` prints the committed document.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::process::Command;

fn driehoek(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_driehoek"));
    command
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .env_remove("DRIEHOEK_ADMIN_KEY")
        .env_remove("DRIEHOEK_SECRETS_KEY");
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().expect("run driehoek");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn bad_configuration_stops_with_one_clear_line() {
    let cases = [
        (
            vec![("DRIEHOEK_ADMIN_KEY", "too-short")],
            "DRIEHOEK_ADMIN_KEY must be at least 32 characters",
        ),
        (
            vec![("DATABASE_URL", "mysql://localhost/x")],
            "DATABASE_URL must start with sqlite: or postgres://",
        ),
        (
            vec![("DRIEHOEK_BIND", "not an address")],
            "DRIEHOEK_BIND must be an address",
        ),
        (
            vec![("DRIEHOEK_WORKERS", "0")],
            "DRIEHOEK_WORKERS must be at least 1",
        ),
        (
            vec![("DRIEHOEK_SECRETS_KEY", "c2hvcnQ=")],
            "DRIEHOEK_SECRETS_KEY: key 1 is not the base64 of 32 bytes",
        ),
    ];
    for (env, expected) in cases {
        let (code, _, stderr) = driehoek(&["migrate"], &env);
        assert_eq!(code, 2, "{env:?}: {stderr}");
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{env:?}: {stderr}");
        assert!(
            lines[0].starts_with("driehoek: ") && lines[0].contains(expected),
            "{env:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"));
    }
}

#[test]
fn an_unreachable_database_is_one_line_too() {
    let (code, _, stderr) = driehoek(
        &["migrate"],
        &[("DATABASE_URL", "sqlite:///nonexistent-dir/x/y.db")],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.starts_with("driehoek: cannot open the database"),
        "{stderr}"
    );
}

#[test]
fn migrate_then_create_admin_key_prints_a_usable_secret() {
    let dir = std::env::temp_dir().join(format!("driehoek-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("cli.db").display());
    let (code, stdout, stderr) = driehoek(&["migrate"], &[("DATABASE_URL", &url)]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("migrations applied"));
    let (code, stdout, _) = driehoek(&["create-admin-key"], &[("DATABASE_URL", &url)]);
    assert_eq!(code, 0);
    assert!(
        stdout.trim().starts_with("dhk_") && stdout.trim().len() > 40,
        "{stdout}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn openapi_subcommand_prints_the_committed_document() {
    let (code, stdout, _) = driehoek(&["openapi"], &[]);
    assert_eq!(code, 0);
    let printed: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let committed: serde_json::Value = serde_json::from_str(driehoek_openapi::COMMITTED).unwrap();
    assert_eq!(printed, committed);
}
