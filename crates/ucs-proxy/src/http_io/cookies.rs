//! Reading cookies from a request and writing `Set-Cookie` values.

use http::HeaderMap;

/// The value of cookie `name` in the request's `Cookie` headers.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let [value] = cookies(headers, [name]);
    value
}

/// The values of cookies `names` (the first of each), read in one pass over the `Cookie` headers.
pub(crate) fn cookies<'a, const N: usize>(
    headers: &'a HeaderMap,
    names: [&str; N],
) -> [Option<&'a str>; N] {
    let values = headers.get_all(http::header::COOKIE).iter();
    cookies_in(values.filter_map(|v| v.to_str().ok()), names)
}

/// The values of cookies `names` (the first of each) in the `Cookie` header values `values`.
pub(crate) fn cookies_in<'a, const N: usize>(
    values: impl Iterator<Item = &'a str>,
    names: [&str; N],
) -> [Option<&'a str>; N] {
    let mut found = [None; N];
    let pairs = values
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='));
    for (key, value) in pairs {
        if let Some(i) = names.iter().position(|name| *name == key) {
            found[i].get_or_insert(value);
            if found.iter().all(Option::is_some) {
                break;
            }
        }
    }
    found
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
    [name, "=", value, "; Path=/; HttpOnly"].concat()
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
        assert_eq!(
            cookies(&headers, ["BAYEUX_BROWSER", "missing", "JSESSIONID"]),
            [Some("def"), None, Some("abc")]
        );
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
