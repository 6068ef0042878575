//! Reading `http://` and `https://` URLs (the core's `http` feature): one GET
//! through `ureq` with `rustls`, bounded by the [`HttpOptions`] timeouts and
//! redirect limit, the body read incrementally and refused as soon as it
//! passes `Limits::max_alloc` (a `Content-Length` beyond it is refused before
//! any body byte is read). Bodies up to [`SPILL_THRESHOLD`] stay in memory,
//! larger ones go to a temporary file that lives as long as the request.
//! Loopback hosts are always reached directly, never through a proxy.
//!
//! Without the feature, [`fetch`] fails with a message naming the feature.

use std::fs::File;
#[cfg(feature = "http")]
use std::time::Duration;

use crate::uri::HttpOptions;
#[cfg(feature = "http")]
use crate::uri::{HTTP_CONNECT_TIMEOUT, HTTP_MAX_REDIRECTS, HTTP_READ_TIMEOUT, HTTP_TOTAL_TIMEOUT};
#[cfg(not(feature = "http"))]
use crate::ErrorKind;
use crate::{Error, Limits, Result};

/// Bodies larger than this (64 MiB) are spilled to a temporary file.
pub(crate) const SPILL_THRESHOLD: u64 = 64 << 20;

/// A downloaded body.
#[derive(Debug)]
#[cfg_attr(not(feature = "http"), allow(dead_code))]
pub(crate) enum Body {
    /// Held in memory.
    Memory(Vec<u8>),
    /// Spilled to a temporary file (positioned anywhere), `len` bytes.
    Spilled {
        file: File,
        len: u64,
        path: tempfile::TempPath,
    },
}

/// Downloads `url` within `options` and `limits`. `extension` (with its dot)
/// names a spilled file.
pub(crate) fn fetch(
    url: &str,
    options: &HttpOptions,
    extension: Option<&str>,
    limits: Limits,
) -> Result<Body> {
    fetch_spilling_at(url, options, extension, limits, SPILL_THRESHOLD)
}

#[cfg(not(feature = "http"))]
fn fetch_spilling_at(
    url: &str,
    _: &HttpOptions,
    _: Option<&str>,
    _: Limits,
    _: u64,
) -> Result<Body> {
    Err(Error::new(
        ErrorKind::Unsupported,
        "reading http(s) URLs needs the `http` feature: enable the `http` feature of the \
         imageio crate (or of imageio-core), or download the file first",
    )
    .with_resource(url))
}

#[cfg(feature = "http")]
fn fetch_spilling_at(
    url: &str,
    options: &HttpOptions,
    extension: Option<&str>,
    limits: Limits,
    spill_at: u64,
) -> Result<Body> {
    use std::io::{Read, Seek, Write};

    let full_url = url;
    // Everything printed from here on names the URL without its credentials.
    let shown = crate::uri::redact_url(full_url);
    let url = shown.as_str();
    let cfg = Resolved::new(options).map_err(|e| e.with_resource(url))?;
    let agent: ureq::Agent = agent_config(full_url, &cfg).into();
    let response = agent
        .get(full_url)
        .call()
        .map_err(|e| request_error(e, url, &cfg))?;
    let status = response.status();
    if !status.is_success() {
        let code = status.as_u16();
        let reason = status.canonical_reason().unwrap_or("");
        let (kind, what) = match code {
            404 | 410 => (crate::ErrorKind::NotFound, "no such resource on the server"),
            300..=399 => (
                crate::ErrorKind::Io,
                "a redirect that could not be followed",
            ),
            400..=499 => (crate::ErrorKind::Io, "the server refused the request"),
            _ => (crate::ErrorKind::Io, "the server failed"),
        };
        return Err(
            Error::new(kind, format!("HTTP status {code} {reason}: {what}")).with_resource(url),
        );
    }
    let body = response.into_body();
    let cap = limits.max_alloc;
    if let Some(n) = body.content_length() {
        if n > cap {
            return Err(too_large(url, cap, Some(n)));
        }
    }
    let mut reader = body.into_reader();
    let mut buf = vec![0u8; 64 * 1024];
    let mut mem: Vec<u8> = Vec::new();
    let mut spilled: Option<tempfile::NamedTempFile> = None;
    let mut total: u64 = 0;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(body_error(e, url, &cfg)),
        };
        total += n as u64;
        if total > cap {
            return Err(too_large(url, cap, None));
        }
        match spilled.as_mut() {
            Some(t) => t
                .write_all(&buf[..n])
                .map_err(|e| Error::io(e).with_resource(url))?,
            None => {
                mem.extend_from_slice(&buf[..n]);
                if mem.len() as u64 > spill_at {
                    let mut t = tempfile::Builder::new()
                        .prefix("imageio-http-")
                        .suffix(extension.unwrap_or(""))
                        .tempfile()
                        .map_err(|e| Error::io(e).with_resource(url))?;
                    t.write_all(&mem)
                        .map_err(|e| Error::io(e).with_resource(url))?;
                    mem = Vec::new();
                    spilled = Some(t);
                }
            }
        }
    }
    match spilled {
        None => Ok(Body::Memory(mem)),
        Some(t) => {
            let (mut file, path) = t.into_parts();
            file.flush()
                .and_then(|_| file.rewind())
                .map_err(|e| Error::io(e).with_resource(url))?;
            Ok(Body::Spilled {
                file,
                len: total,
                path,
            })
        }
    }
}

/// The agent's settings for `url`: the timeouts and redirects of `cfg`; an
/// `https://` URL may only be redirected to `https://` (ureq refuses the
/// downgrade with `RequireHttpsOnly`); loopback hosts never go through a
/// proxy.
#[cfg(feature = "http")]
fn agent_config(url: &str, cfg: &Resolved) -> ureq::config::Config {
    let https = url
        .get(..8)
        .is_some_and(|s| s.eq_ignore_ascii_case("https://"));
    let mut builder = ureq::Agent::config_builder()
        .timeout_resolve(Some(cfg.connect))
        .timeout_connect(Some(cfg.connect))
        .timeout_send_request(Some(cfg.read))
        .timeout_recv_response(Some(cfg.read))
        .timeout_per_read(Some(cfg.read))
        .timeout_global(Some(cfg.total))
        .max_redirects(cfg.redirects)
        .https_only(https)
        .http_status_as_error(false);
    if is_loopback(url) {
        builder = builder.proxy(None);
    }
    builder.build()
}

/// The effective settings: options, else environment, else defaults.
#[cfg(feature = "http")]
#[derive(Debug)]
struct Resolved {
    connect: Duration,
    read: Duration,
    total: Duration,
    redirects: u32,
}

#[cfg(feature = "http")]
impl Resolved {
    fn new(o: &HttpOptions) -> Result<Resolved> {
        Self::with_env(o, |k| std::env::var(k).ok())
    }

    /// [`Resolved::new`] with `env` looking up environment variables.
    fn with_env(o: &HttpOptions, env: impl Fn(&str) -> Option<String>) -> Result<Resolved> {
        let secs = |set: Option<Duration>, var: &str| -> Result<Option<Duration>> {
            if set.is_some() {
                return Ok(set);
            }
            match env(var) {
                Some(v) => match v.trim().parse::<f64>() {
                    Ok(s) if s.is_finite() && s > 0.0 && s < 1e9 => {
                        Ok(Some(Duration::from_secs_f64(s)))
                    }
                    _ => Err(Error::invalid_option(format!(
                        "{var}={v:?}: give a number of seconds greater than 0, such as 30 or 2.5"
                    ))),
                },
                None => Ok(None),
            }
        };
        let redirects = match o.max_redirects {
            Some(n) => n,
            None => match env("IMAGEIO_HTTP_MAX_REDIRECTS") {
                Some(v) => v.trim().parse::<u32>().map_err(|_| {
                    Error::invalid_option(format!(
                        "IMAGEIO_HTTP_MAX_REDIRECTS={v:?}: give a whole number, such as 5"
                    ))
                })?,
                None => HTTP_MAX_REDIRECTS,
            },
        };
        Ok(Resolved {
            connect: secs(o.connect_timeout, "IMAGEIO_HTTP_CONNECT_TIMEOUT")?
                .unwrap_or(HTTP_CONNECT_TIMEOUT),
            read: secs(o.read_timeout, "IMAGEIO_HTTP_TIMEOUT")?.unwrap_or(HTTP_READ_TIMEOUT),
            total: secs(o.total_timeout, "IMAGEIO_HTTP_TOTAL_TIMEOUT")?
                .unwrap_or(HTTP_TOTAL_TIMEOUT),
            redirects,
        })
    }
}

/// True when the URL's host is a loopback name or address.
#[cfg(any(feature = "http", test))]
fn is_loopback(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    let host = host.to_ascii_lowercase();
    host == "localhost"
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|a| a.is_loopback())
}

#[cfg(feature = "http")]
fn too_large(url: &str, cap: u64, announced: Option<u64>) -> Error {
    let what = match announced {
        Some(n) => format!("the server announces {n} bytes"),
        None => "the download is larger".into(),
    };
    Error::limit(format!(
        "too large: {what}, beyond the limit of {cap} bytes"
    ))
    .with_hint(crate::Hint::RaiseMaxAlloc)
    .with_resource(url)
}

#[cfg(feature = "http")]
fn timeout_error(url: &str, which: &str, cfg: &Resolved) -> Error {
    Error::new(
        crate::ErrorKind::Io,
        format!(
            "timed out ({which}; connect {:?}, read {:?}, total {:?}); raise \
             IMAGEIO_HTTP_TIMEOUT / IMAGEIO_HTTP_CONNECT_TIMEOUT / IMAGEIO_HTTP_TOTAL_TIMEOUT \
             (seconds) or use HttpOptions",
            cfg.connect, cfg.read, cfg.total
        ),
    )
    .with_resource(url)
}

#[cfg(feature = "http")]
fn request_error(e: ureq::Error, url: &str, cfg: &Resolved) -> Error {
    use crate::ErrorKind;
    let msg = |kind: ErrorKind, m: String| Error::new(kind, m).with_resource(url);
    match e {
        ureq::Error::Timeout(t) => timeout_error(url, &format!("{t} timeout"), cfg),
        ureq::Error::HostNotFound => msg(
            ErrorKind::Io,
            "DNS lookup failed: host not found; check the URL and the network".into(),
        ),
        ureq::Error::TooManyRedirects => msg(
            ErrorKind::Io,
            format!(
                "more than {} redirects; raise IMAGEIO_HTTP_MAX_REDIRECTS or use the final URL",
                cfg.redirects
            ),
        ),
        ureq::Error::BadUri(s) => msg(
            ErrorKind::InvalidInput,
            format!("not a valid URL: {}", scrub(&s)),
        ),
        ureq::Error::RequireHttpsOnly(to) => msg(
            ErrorKind::Io,
            format!(
                "refused a redirect from https to plain http ({}): the download would not be \
                 protected; use the http URL yourself if you trust it",
                crate::uri::redact_url(&to)
            ),
        ),
        ureq::Error::Io(io) => io_error(io, url, cfg),
        ureq::Error::ConnectionFailed => msg(ErrorKind::Io, "cannot connect to the server".into()),
        // No source attached: ureq's errors may quote URLs with credentials.
        other => msg(
            ErrorKind::Io,
            format!("HTTP request failed: {}", scrub(&other.to_string())),
        ),
    }
}

/// `msg` with the credentials of any URL in it replaced by `***`.
#[cfg(feature = "http")]
fn scrub(msg: &str) -> String {
    msg.split(' ')
        .map(|w| match w.find("://") {
            Some(i) => format!("{}{}", &w[..i], crate::uri::redact_url(&w[i..])),
            None => w.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(feature = "http")]
fn io_error(io: std::io::Error, url: &str, cfg: &Resolved) -> Error {
    use std::io::ErrorKind as K;
    match io.kind() {
        K::TimedOut | K::WouldBlock => timeout_error(url, "no data from the server", cfg),
        K::ConnectionRefused => Error::new(
            crate::ErrorKind::Io,
            "connection refused: nothing listens at that address and port",
        )
        .with_source(io)
        .with_resource(url),
        _ => Error::new(crate::ErrorKind::Io, format!("HTTP transfer failed: {io}"))
            .with_source(io)
            .with_resource(url),
    }
}

#[cfg(feature = "http")]
fn body_error(e: std::io::Error, url: &str, cfg: &Resolved) -> Error {
    if e.get_ref().is_some_and(|i| i.is::<ureq::Error>()) {
        if let Ok(inner) = e.into_inner().expect("checked").downcast::<ureq::Error>() {
            return request_error(*inner, url, cfg);
        }
        return Error::new(crate::ErrorKind::Io, "HTTP transfer failed").with_resource(url);
    }
    io_error(e, url, cfg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        assert!(is_loopback("http://127.0.0.1:8080/a.png"));
        assert!(is_loopback("http://LOCALHOST/a.png"));
        assert!(is_loopback("http://user:pw@127.0.0.2/a.png"));
        assert!(is_loopback("http://[::1]:80/a.png"));
        assert!(!is_loopback("http://example.com/a.png"));
        assert!(!is_loopback("http://127.0.0.1.example.com/a.png"));
        assert!(!is_loopback("http://10.0.0.1/a.png"));
    }

    #[cfg(not(feature = "http"))]
    #[test]
    fn without_the_feature_urls_name_it() {
        let e = fetch(
            "http://127.0.0.1:9/a.png",
            &HttpOptions::new(),
            None,
            Limits::default(),
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        assert!(e.to_string().contains("`http` feature"), "{e}");
        assert!(e.to_string().contains("http://127.0.0.1:9/a.png"), "{e}");
    }

    /// A loopback server that answers one request with `respond` (given
    /// the connection after the request was read); its port and thread.
    #[cfg(feature = "http")]
    fn serve_once(
        respond: impl FnOnce(&mut std::net::TcpStream) + Send + 'static,
    ) -> (u16, std::thread::JoinHandle<()>) {
        use std::io::Read;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut req = [0u8; 4096];
            let _ = s.read(&mut req).unwrap();
            respond(&mut s);
        });
        (port, server)
    }

    #[cfg(feature = "http")]
    #[test]
    fn large_bodies_spill_to_a_file() {
        use std::io::Write;
        let body: Vec<u8> = (0..300_000u32).map(|i| (i * 7) as u8).collect();
        let sent = body.clone();
        let (port, server) = serve_once(move |s| {
            write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                sent.len()
            )
            .unwrap();
            s.write_all(&sent).unwrap();
        });
        let url = format!("http://127.0.0.1:{port}/big.raw");
        let got = fetch_spilling_at(
            &url,
            &HttpOptions::new().read_timeout(Duration::from_secs(10)),
            Some(".raw"),
            Limits::default(),
            100_000,
        )
        .unwrap();
        server.join().unwrap();
        match got {
            Body::Spilled { len, path, .. } => {
                assert_eq!(len, 300_000);
                assert!(path.to_str().unwrap().ends_with(".raw"));
                assert_eq!(std::fs::read(&path).unwrap(), body);
            }
            Body::Memory(_) => panic!("300 kB past a 100 kB threshold must spill"),
        }
    }

    #[cfg(feature = "http")]
    #[test]
    fn a_total_timeout_is_on_by_default() {
        // Without one, a server sending a byte just within each read
        // timeout held a read open for ever.
        let d = Resolved::with_env(&HttpOptions::new(), |_| None).unwrap();
        assert_eq!(d.total, HTTP_TOTAL_TIMEOUT);
        assert_eq!(HTTP_TOTAL_TIMEOUT, Duration::from_secs(300));
        let c = agent_config("http://example.com/a.png", &d);
        assert_eq!(c.timeouts().global, Some(HTTP_TOTAL_TIMEOUT));
    }

    #[cfg(feature = "http")]
    #[test]
    fn https_is_never_redirected_to_http() {
        let d = Resolved::with_env(&HttpOptions::new(), |_| None).unwrap();
        assert!(agent_config("https://example.com/a.png", &d).https_only());
        assert!(agent_config("HTTPS://example.com/a.png", &d).https_only());
        assert!(!agent_config("http://example.com/a.png", &d).https_only());
        let e = request_error(
            ureq::Error::RequireHttpsOnly("http://u:pw@example.com/a.png".into()),
            "https://example.com/a.png",
            &d,
        );
        assert_eq!(e.kind(), crate::ErrorKind::Io);
        let text = e.to_string();
        assert!(
            text.contains("refused a redirect from https to plain http"),
            "{text}"
        );
        assert!(!text.contains("pw"), "{text}");
    }

    #[cfg(feature = "http")]
    #[test]
    fn a_slow_trickle_ends_at_the_total_timeout() {
        use std::io::Write;
        let (port, server) = serve_once(|s| {
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n"
            );
            // One byte every 200 ms: each read is well within the read timeout.
            for _ in 0..40 {
                if s.write_all(b"x").is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        });
        let url = format!("http://127.0.0.1:{port}/slow.png");
        let start = std::time::Instant::now();
        let o = HttpOptions::new()
            .read_timeout(Duration::from_secs(5))
            .total_timeout(Duration::from_millis(1500));
        let e = fetch(&url, &o, None, Limits::default()).unwrap_err();
        let took = start.elapsed();
        assert_eq!(e.kind(), crate::ErrorKind::Io, "{e}");
        assert!(e.to_string().contains("timed out"), "{e}");
        assert!(took < Duration::from_secs(5), "took {took:?}");
        drop(server);
    }

    #[cfg(feature = "http")]
    #[test]
    fn credentials_never_appear_in_messages() {
        use std::io::Write;
        let (port, server) = serve_once(|s| {
            let _ = write!(
                s,
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        });
        let url = format!("http://alice:hunter2@127.0.0.1:{port}/missing.png");
        let e = fetch(&url, &HttpOptions::new(), None, Limits::default()).unwrap_err();
        server.join().unwrap();
        assert_eq!(e.kind(), crate::ErrorKind::NotFound);
        let text = format!("{e} {e:?}");
        assert!(
            !text.contains("hunter2") && !text.contains("alice"),
            "{text}"
        );
        assert!(text.contains("http://***@127.0.0.1"), "{text}");
        // A refused connection, too.
        let e = fetch(
            "http://bob:pw1234@127.0.0.1:9/a.png",
            &HttpOptions::new().connect_timeout(Duration::from_secs(2)),
            None,
            Limits::default(),
        )
        .unwrap_err();
        let text = format!("{e} {e:?}");
        assert!(!text.contains("pw1234") && !text.contains("bob"), "{text}");
        assert_eq!(
            scrub("failed for https://u:p@h/x and http://h/y"),
            "failed for https://***@h/x and http://h/y"
        );
    }

    #[cfg(feature = "http")]
    #[test]
    fn bad_environment_values_are_named() {
        // Options set explicitly never read the environment.
        let o = HttpOptions::new()
            .connect_timeout(Duration::from_millis(1500))
            .read_timeout(Duration::from_secs(2))
            .total_timeout(Duration::from_secs(3))
            .max_redirects(1);
        let r = Resolved::new(&o).unwrap();
        assert_eq!(r.connect, Duration::from_millis(1500));
        assert_eq!(r.read, Duration::from_secs(2));
        assert_eq!(r.total, Duration::from_secs(3));
        assert_eq!(r.redirects, 1);
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let d = Resolved::with_env(&HttpOptions::new(), env(&[])).unwrap();
        assert_eq!(
            (d.connect, d.read, d.total, d.redirects),
            (
                HTTP_CONNECT_TIMEOUT,
                HTTP_READ_TIMEOUT,
                HTTP_TOTAL_TIMEOUT,
                HTTP_MAX_REDIRECTS
            )
        );
        let e = Resolved::with_env(
            &HttpOptions::new(),
            env(&[
                ("IMAGEIO_HTTP_TIMEOUT", "2.5"),
                ("IMAGEIO_HTTP_TOTAL_TIMEOUT", "60"),
            ]),
        )
        .unwrap();
        assert_eq!(e.read, Duration::from_millis(2500));
        assert_eq!(e.total, Duration::from_secs(60));
        // The option wins over the environment.
        let o = HttpOptions::new().read_timeout(Duration::from_secs(1));
        let w = Resolved::with_env(&o, env(&[("IMAGEIO_HTTP_TIMEOUT", "9")])).unwrap();
        assert_eq!(w.read, Duration::from_secs(1));
        for bad in [
            ("IMAGEIO_HTTP_TIMEOUT", "soon"),
            ("IMAGEIO_HTTP_CONNECT_TIMEOUT", "-1"),
            ("IMAGEIO_HTTP_MAX_REDIRECTS", "many"),
        ] {
            let vars: &'static [(&'static str, &'static str)] = Box::leak(Box::new([bad]));
            let err = Resolved::with_env(&HttpOptions::new(), env(vars)).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::InvalidOption);
            assert!(err.to_string().contains(bad.0), "{err}");
        }
    }
}
