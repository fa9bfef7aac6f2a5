//! Loading: defaults, files, environment, units, and refusals naming the key.

use super::*;
use std::time::Duration;
use ucs_history::{CachePolicy, ScopeKind};
use ucs_model::{MediaType, Tz};

fn load_str(toml: &str) -> Result<Config, ConfigError> {
    Config::from_figment(
        Figment::from(Serialized::defaults(Config::default())).merge(Toml::string(toml)),
    )
}

/// The error of `toml`, which must be refused, as text.
fn refusal(toml: &str) -> String {
    load_str(toml).expect_err("refused").to_string()
}

#[test]
fn an_empty_file_gives_the_documented_defaults() {
    let config = load_str("").unwrap();
    assert_eq!(config, Config::default());
    assert_eq!(config.server.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(config.limits.max_body_bytes, 65536);
    assert_eq!(config.limits.max_size, 1000);
    assert_eq!(config.api.time_zone, Tz::UTC);
}

#[test]
fn unknown_keys_and_bad_values_are_refused() {
    assert!(matches!(
        load_str("[server]\nlisen = \"x\""),
        Err(ConfigError::Invalid(_))
    ));
    assert!(refusal("[server]\nlisten = \"nowhere\"").contains("server.listen"));
    assert!(refusal("[api]\ntime_zone = \"Mars/Olympus\"").contains("api.time_zone"));
    assert!(matches!(
        load_str("[limits]\nmax_size = 0"),
        Err(ConfigError::Value {
            key: "limits.max_size",
            ..
        })
    ));
}

#[test]
// figment's Jail closure returns figment's own (large) error type; not ours to shrink.
#[allow(clippy::result_large_err)]
fn environment_overrides_the_file() {
    figment::Jail::expect_with(|jail| {
        jail.create_file("proxy.toml", "[server]\nlisten = \"127.0.0.1:1111\"\n")?;
        jail.set_env("UCS_PROXY_SERVER__LISTEN", "127.0.0.1:2222");
        jail.set_env("UCS_PROXY_LIMITS__MAX_SIZE", "50");
        jail.set_env("UCS_PROXY_CONFIG", "proxy.toml");
        let config = Config::load(Some(Path::new("proxy.toml"))).unwrap();
        assert_eq!(config.server.listen.to_string(), "127.0.0.1:2222");
        assert_eq!(config.limits.max_size, 50);
        Ok(())
    });
}

#[test]
fn every_cometd_key_reaches_the_engine() {
    let config = load_str(
        "[cometd]\ntimeout_ms = 1\ninterval_ms = 2\nmax_interval_ms = 3\nmax_queue = 4\n\
         max_sessions_per_browser = 5\nmulti_session_interval_ms = 6\nwebsocket = true\n",
    )
    .unwrap();
    let engine = config.cometd.to_bayeux();
    let ms = Duration::from_millis;
    assert_eq!(
        (
            engine.timeout,
            engine.interval,
            engine.max_interval,
            engine.max_queue
        ),
        (ms(1), ms(2), ms(3), 4)
    );
    assert_eq!(engine.max_sessions_per_browser, 5);
    assert_eq!(engine.multi_session_interval, ms(6));
    assert!(engine.websocket);
}

#[test]
fn every_cache_key_reaches_the_policy() {
    let config = load_str(
        "[cache]\nenabled = false\nscope = \"tenant\"\nmax_bytes = 1024\nttl_seconds = 7\n\
         empty_ttl_seconds = 2\nstale_while_revalidate_seconds = 0\n\
         [cache.media_ttl_seconds]\nchat = 3\n",
    )
    .unwrap();
    let policy = config.cache.to_policy();
    let s = Duration::from_secs;
    assert!(!policy.enabled);
    assert_eq!(policy.scope, ScopeKind::Tenant);
    assert_eq!(policy.max_bytes, 1024);
    assert_eq!(
        (policy.ttl, policy.empty_ttl, policy.stale_while_revalidate),
        (s(7), s(2), s(0))
    );
    assert_eq!(policy.fresh_for(MediaType::Chat, false), s(3));
    assert_eq!(
        load_str("").unwrap().cache.to_policy(),
        CachePolicy::default()
    );
}

#[test]
fn durations_and_sizes_take_units_and_print_back_in_the_key_s_unit() {
    let config = load_str(
        "[cache]\nmax_bytes = \"64MiB\"\nttl_seconds = \"15m\"\n\
         [cache.media_ttl_seconds]\nemail = \"2h\"\n\
         [limits]\nmax_body_bytes = \"16KiB\"\nbody_read_timeout_ms = \"2s\"\n\
         [cometd]\ntimeout_ms = \"20s\"\n",
    )
    .unwrap();
    assert_eq!(config.cache.max_bytes, 64 << 20);
    assert_eq!(config.cache.ttl, Duration::from_secs(900));
    assert_eq!(
        config.cache.media_ttl[&MediaType::Email],
        Duration::from_secs(7200)
    );
    assert_eq!(config.limits.max_body_bytes, 16 << 10);
    assert_eq!(config.limits.body_read_timeout, Duration::from_secs(2));
    assert_eq!(config.cometd.timeout, Duration::from_secs(20));
    let printed = config.to_toml();
    assert!(printed.contains("ttl_seconds = 900"), "{printed}");
    assert!(printed.contains("body_read_timeout_ms = 2000"), "{printed}");
    assert!(printed.contains("max_bytes = 67108864"), "{printed}");
    assert_eq!(
        load_str(&printed).unwrap(),
        config,
        "check's output loads back"
    );
    assert!(refusal("[cache]\nttl_seconds = \"soon\"").contains("cache.ttl_seconds"));
    assert!(refusal("[cache]\nmax_bytes = \"lots\"").contains("cache.max_bytes"));
}

#[test]
fn cache_and_admin_values_are_checked() {
    assert!(matches!(
        load_str("[cache]\nscope = \"everyone\""),
        Err(ConfigError::Invalid(_))
    ));
    assert!(matches!(
        load_str("[cache]\nmax_bytes = 0"),
        Err(ConfigError::Value {
            key: "cache.max_bytes",
            ..
        })
    ));
    assert!(matches!(
        load_str("[cache.media_ttl_seconds]\nfax = 3"),
        Err(ConfigError::Invalid(_))
    ));
    assert!(refusal("[admin]\nlisten = \"nowhere\"").contains("admin.listen"));
}

#[test]
fn users_are_checked_without_the_authenticator() {
    let user = |name: &str, hash: &str| {
        format!(
            "[[auth.users]]\nuser_name = \"{name}\"\npassword_hash = \"{hash}\"\nid = \"1\"\n\
             tenant = \"t\"\n"
        )
    };
    let hash = crate::hash_password("pw");
    assert!(load_str(&user("a", &hash)).is_ok());
    assert!(matches!(
        load_str(&user("a", "plain")),
        Err(ConfigError::Value {
            key: "auth.users.password_hash",
            ..
        })
    ));
    assert!(matches!(
        load_str(&(user("a", &hash) + &user("a", &hash))),
        Err(ConfigError::Value {
            key: "auth.users.user_name",
            ..
        })
    ));
}

#[test]
fn a_missing_file_is_an_error_not_the_defaults() {
    assert!(matches!(
        Config::load(Some(Path::new("/nonexistent/proxy.toml"))),
        Err(ConfigError::Missing(_))
    ));
}

#[test]
fn check_prints_no_secret() {
    let hash = crate::hash_password("pw");
    let config = load_str(&format!(
        "[[auth.users]]\nuser_name = \"a\"\npassword_hash = \"{hash}\"\nid = \"1\"\ntenant = \"t\"\n\
         [[backends]]\nlibrary = \"x.so\"\n[backends.config]\napi_token = \"tok\"\n\
         [[backends.config.accounts]]\nuser_name = \"svc\"\npassword = \"hunter2\"\n"
    ))
    .unwrap();
    let printed = config.to_toml();
    assert!(!printed.contains("hunter2"), "{printed}");
    assert!(!printed.contains("tok\""), "{printed}");
    assert!(!printed.contains(&hash), "{printed}");
    assert!(printed.contains("user_name = \"svc\""), "{printed}");
    assert_eq!(printed.matches(REDACTED).count(), 3, "{printed}");
}

#[test]
fn one_worker_thread_never_steals_work() {
    let stealing = |toml: &str| load_str(toml).expect("valid").server.steals_work();
    assert!(stealing("[server]\nthreads = 2"));
    assert!(!stealing("[server]\nthreads = 2\nwork_stealing = false"));
    assert!(!stealing("[server]\nthreads = 1\nwork_stealing = true"));
}
