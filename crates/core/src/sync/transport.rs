//! The HTTP exchange with the endpoint, as a trait so that tests can script the endpoint's
//! answers, and the real transport on ureq (rustls on ring).

use super::*;

/// One HTTP exchange, as the transport sees it.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: &'static str,
    /// Path and query, exactly as signed.
    pub path: String,
    pub headers: Vec<(&'static str, String)>,
    pub content_type: Option<&'static str>,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Sends requests to the endpoint. `Err` means the endpoint could not be reached (offline,
/// refused, dropped mid-request): nothing is concluded from it. Its text is shown to the user
/// (in "Het knooppunt is niet bereikt: …."), so it is Dutch.
pub trait Transport: Send + Sync {
    fn send(&self, base_url: &str, req: &HttpRequest) -> std::result::Result<HttpResponse, String>;
}

/// The real transport: ureq (rustls on ring for https), with timeouts.
pub struct HttpTransport {
    agent: ureq::Agent,
}

impl Default for HttpTransport {
    fn default() -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(5)))
            .timeout_global(Some(Duration::from_secs(120)))
            .build();
        HttpTransport {
            agent: ureq::Agent::new_with_config(config),
        }
    }
}

impl Transport for HttpTransport {
    fn send(&self, base_url: &str, req: &HttpRequest) -> std::result::Result<HttpResponse, String> {
        let url = format!("{}{}", base_url.trim_end_matches('/'), req.path);
        let result = match req.method {
            "GET" => {
                let mut r = self.agent.get(&url);
                for (k, v) in &req.headers {
                    r = r.header(*k, v);
                }
                r.call()
            }
            method => {
                let mut r = if method == "PUT" {
                    self.agent.put(&url)
                } else {
                    self.agent.post(&url)
                };
                for (k, v) in &req.headers {
                    r = r.header(*k, v);
                }
                if let Some(ct) = req.content_type {
                    r = r.header("content-type", ct);
                }
                r.send(&req.body[..])
            }
        };
        let mut resp = result.map_err(|e| unreachable_because(&e))?;
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(128 * 1024 * 1024)
            .read_to_vec()
            .map_err(|e| unreachable_because(&e))?;
        Ok(HttpResponse { status, body })
    }
}

/// Why the endpoint could not be reached, in Dutch for the status line; the library's own
/// (English) text goes to the log only.
pub fn unreachable_because(e: &ureq::Error) -> String {
    use std::io::ErrorKind as K;
    const NOT_FOUND: &str = "het adres is niet gevonden (geen netwerk, of een verkeerd adres)";
    tracing::info!(error = %e, "endpoint not reached");
    match e {
        ureq::Error::Io(io) => match io.kind() {
            K::ConnectionRefused => {
                "de verbinding werd geweigerd (het knooppunt draait niet, of het adres klopt niet)"
            }
            K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => {
                "de verbinding werd onderbroken"
            }
            K::TimedOut | K::WouldBlock => "het knooppunt antwoordde niet op tijd",
            K::NotConnected
            | K::NetworkUnreachable
            | K::HostUnreachable
            | K::NetworkDown
            | K::AddrNotAvailable => "er is geen netwerk",
            // A failed name lookup comes as std's uncategorised error, without an OS code.
            _ if io.raw_os_error().is_none() && io.to_string().contains("lookup address") => {
                NOT_FOUND
            }
            _ => "een netwerkfout",
        },
        ureq::Error::Timeout(_) | ureq::Error::BodyStalled => {
            "het knooppunt antwoordde niet op tijd"
        }
        ureq::Error::HostNotFound => NOT_FOUND,
        ureq::Error::ConnectProxyFailed(_) | ureq::Error::InvalidProxyUrl => {
            "de proxy van dit netwerk liet de verbinding niet door"
        }
        ureq::Error::ConnectionFailed => "er kon geen verbinding worden gemaakt",
        ureq::Error::Tls(_)
        | ureq::Error::Rustls(_)
        | ureq::Error::Pem(_)
        | ureq::Error::TlsRequired => "de beveiligde verbinding (https) kwam niet tot stand",
        ureq::Error::BadUri(_) => "het adres van het knooppunt is ongeldig",
        ureq::Error::BodyExceedsLimit(_) => {
            "het antwoord van het knooppunt was te groot om te lezen"
        }
        _ => "het antwoord was geen geldig antwoord van een knooppunt",
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::super::enrol::endpoint_request;
    use super::super::round::offline;
    use super::*;

    /// Regression: the status line showed the HTTP library's English text, e.g. "Geen
    /// verbinding met het regionale knooppunt (io: Connection refused (os error 111))." —
    /// in the field, offline is the normal case, so users saw it all the time.
    #[test]
    fn an_unreachable_endpoint_is_described_in_dutch() {
        fn check(e: ureq::Error, expected: &str) {
            assert_eq!(unreachable_because(&e), expected, "{e}");
        }
        use std::io::ErrorKind as K;
        let refused =
            "de verbinding werd geweigerd (het knooppunt draait niet, of het adres klopt niet)";
        let cut = "de verbinding werd onderbroken";
        let slow = "het knooppunt antwoordde niet op tijd";
        check(ureq::Error::Io(K::ConnectionRefused.into()), refused);
        check(ureq::Error::Io(K::ConnectionReset.into()), cut);
        check(ureq::Error::Io(K::UnexpectedEof.into()), cut);
        check(ureq::Error::Io(K::TimedOut.into()), slow);
        check(ureq::Error::Timeout(ureq::Timeout::Global), slow);
        check(
            ureq::Error::Io(K::NetworkUnreachable.into()),
            "er is geen netwerk",
        );
        check(ureq::Error::Io(K::Other.into()), "een netwerkfout");
        let not_found = "het adres is niet gevonden (geen netwerk, of een verkeerd adres)";
        // What std gives for a failed name lookup (its kind is not nameable on stable).
        check(
            ureq::Error::Io(std::io::Error::other(
                "failed to lookup address information: Name or service not known",
            )),
            not_found,
        );
        check(
            ureq::Error::ConnectProxyFailed("407".into()),
            "de proxy van dit netwerk liet de verbinding niet door",
        );
        check(
            ureq::Error::HostNotFound,
            "het adres is niet gevonden (geen netwerk, of een verkeerd adres)",
        );
        check(
            ureq::Error::ConnectionFailed,
            "er kon geen verbinding worden gemaakt",
        );
        check(
            ureq::Error::Tls("handshake"),
            "de beveiligde verbinding (https) kwam niet tot stand",
        );
        check(
            ureq::Error::BadUri("x".into()),
            "het adres van het knooppunt is ongeldig",
        );
        check(
            ureq::Error::StatusCode(418),
            "het antwoord was geen geldig antwoord van een knooppunt",
        );

        // And through the real transport: a port nobody listens on.
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let e = HttpTransport::default()
            .send(&format!("http://127.0.0.1:{port}"), &endpoint_request())
            .unwrap_err();
        assert_eq!(e, refused);
        assert_eq!(
            offline(e).1,
            format!(
                "Het knooppunt is niet bereikt: {refused}. Er gaat niets verloren; Zicht probeert het opnieuw."
            )
        );
    }
}
