//! Reading cookies from a request and writing `Set-Cookie` values.

use http::HeaderMap;

/// The value of cookie `name` in the request's `Cookie` headers.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// The value an answer's `Set-Cookie` headers give cookie `name`, if one does.
pub(crate) fn set_cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(http::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|cookie| {
            let (key, value) = cookie.split(';').next()?.trim().split_once('=')?;
            (key == name).then_some(value)
        })
}

/// A session cookie for the whole site, not readable by scripts.
pub(crate) fn set_cookie(name: &str, value: &str) -> String {
    format!("{name}={value}; Path=/; HttpOnly")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_cookie_among_several_headers_and_pairs() {
        let mut headers = HeaderMap::new();
        headers.append("cookie", "a=1; JSESSIONID=abc".parse().unwrap());
        headers.append("cookie", "BAYEUX_BROWSER=def".parse().unwrap());
        assert_eq!(cookie(&headers, "JSESSIONID"), Some("abc"));
        assert_eq!(cookie(&headers, "BAYEUX_BROWSER"), Some("def"));
        assert_eq!(cookie(&headers, "a"), Some("1"));
        assert_eq!(cookie(&headers, "missing"), None);
    }

    #[test]
    fn reads_a_cookie_an_answer_sets() {
        let mut headers = HeaderMap::new();
        headers.append("set-cookie", "GWSECHO=1; Path=/".parse().unwrap());
        headers.append(
            "set-cookie",
            "JSESSIONID=abc; Path=/; HttpOnly".parse().unwrap(),
        );
        assert_eq!(set_cookie_value(&headers, "JSESSIONID"), Some("abc"));
        assert_eq!(set_cookie_value(&headers, "JSESSION"), None);
    }
}
