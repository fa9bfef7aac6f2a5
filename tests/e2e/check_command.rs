//! `ucs-proxy check`: validates a configuration and prints the effective one.

use crate::support::{config_dir, proxy_binary};
use std::process::Command;

#[test]
fn check_prints_the_effective_configuration_with_environment_overrides() {
    let output = Command::new(proxy_binary())
        .args(["check", "--config"])
        .arg(config_dir().join("default.toml"))
        .env("UCS_PROXY_LIMITS__MAX_SIZE", "250")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed: toml::Value = toml::from_str(&String::from_utf8(output.stdout).unwrap()).unwrap();
    assert_eq!(printed["limits"]["max_size"].as_integer(), Some(250));
    assert_eq!(printed["server"]["listen"].as_str(), Some("127.0.0.1:8080"));
    assert_eq!(printed["api"]["time_zone"].as_str(), Some("UTC"));
}

#[test]
fn every_example_configuration_is_valid() {
    for (file, mode, backend) in [
        ("default.toml", "static", "libucs_plugin_store_sqlite.so"),
        ("upstream.toml", "upstream", "libucs_plugin_gws_upstream.so"),
        (
            "postgres.toml",
            "upstream",
            "libucs_plugin_store_postgres.so",
        ),
    ] {
        let output = Command::new(proxy_binary())
            .args(["check", "--config"])
            .arg(config_dir().join(file))
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let printed: toml::Value =
            toml::from_str(&String::from_utf8(output.stdout).unwrap()).unwrap();
        assert_eq!(printed["auth"]["mode"].as_str(), Some(mode), "{file}");
        assert_eq!(
            printed["backends"][0]["library"].as_str(),
            Some(backend),
            "{file}"
        );
    }
}

#[test]
fn upstream_authentication_needs_upstream_servers() {
    let output = Command::new(proxy_binary())
        .args(["check", "--config"])
        .arg(config_dir().join("upstream.toml"))
        .env("UCS_PROXY_UPSTREAM__SERVERS", "[]")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("auth.mode"), "{stderr}");
}

#[test]
fn check_refuses_a_bad_configuration_and_names_the_key() {
    let dir = std::env::temp_dir().join(format!("ucs-proxy-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.toml");
    std::fs::write(&file, "[api]\ntime_zone = \"Mars/Olympus\"\n").unwrap();
    let output = Command::new(proxy_binary())
        .args(["check", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("api.time_zone"), "{stderr}");

    let missing = Command::new(proxy_binary())
        .args(["check", "--config", "/nonexistent.toml"])
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("does not exist"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn hash_password_prints_a_hash_that_a_configuration_accepts() {
    use std::io::Write;
    let mut child = Command::new(proxy_binary())
        .arg("hash-password")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"s3cret\n").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let hash = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    assert!(hash.starts_with("$argon2id$"), "{hash}");

    let dir = std::env::temp_dir().join(format!("ucs-proxy-hash-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("users.toml");
    let user = |hash: &str| {
        format!("[[auth.users]]\nuser_name = \"agent\"\npassword_hash = \"{hash}\"\nid = \"0123\"\ntenant = \"cc9\"\n")
    };
    std::fs::write(&file, user(&hash)).unwrap();
    let ok = Command::new(proxy_binary())
        .args(["check", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );

    std::fs::write(&file, user("plain-text-password")).unwrap();
    let refused = Command::new(proxy_binary())
        .args(["check", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("auth.users.password_hash"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_proxy_refuses_to_start_when_two_backends_claim_one_media_type() {
    let dir = std::env::temp_dir().join(format!("ucs-proxy-dup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("dup.toml");
    let backend = |db: &str, media: &str| {
        format!(
            "[[backends]]\nlibrary = \"libucs_plugin_store_sqlite.so\"\nmedia_types = [{media}]\n[backends.config]\npath = \"{}\"\n",
            dir.join(db).display()
        )
    };
    std::fs::write(
        &file,
        format!(
            "[server]\nlisten = \"127.0.0.1:{}\"\n{}{}",
            crate::support::free_port(),
            backend("a.db", r#""chat", "email""#),
            backend("b.db", r#""email""#)
        ),
    )
    .unwrap();
    let output = Command::new(proxy_binary())
        .arg("--config")
        .arg(&file)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("media type email is claimed by both store-sqlite and store-sqlite"),
        "{stderr}"
    );
    assert!(stderr.contains("backend #2"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn check_redacts_the_service_account_password() {
    let output = Command::new(proxy_binary())
        .args(["check", "--config"])
        .arg(config_dir().join("upstream.toml"))
        .output()
        .unwrap();
    assert!(output.status.success());
    let printed = String::from_utf8(output.stdout).unwrap();
    assert!(
        std::fs::read_to_string(config_dir().join("upstream.toml"))
            .unwrap()
            .contains("password = \"change-me\""),
        "the example holds a password to redact"
    );
    assert!(!printed.contains("change-me"), "{printed}");
    assert!(printed.contains("password = \"<redacted>\""), "{printed}");
}
