//! `zicht-regio`: the regional endpoint.
//!
//! ```text
//! zicht-regio serve [--listen 127.0.0.1:7878] [--data DIR] [--max-body BYTES]
//!                   [--retention-days 30] [--sweep-seconds 60]
//!                   [--uploads-per-hour 3000] [--mib-per-hour 2048] [--upload-memory-mib 512]
//! zicht-regio token [--data DIR] [--valid-days 7]
//! zicht-regio devices [--data DIR]
//! zicht-regio revoke DEVICE [--data DIR]
//! ```

use std::path::PathBuf;
use std::process::exit;
use std::sync::Arc;
use std::time::Duration;
use zicht_regio::{
    create_token_in, default_data_dir, init_logging, serve, Config, Regio, SystemClock,
    DEFAULT_LISTEN, DEFAULT_TOKEN_VALIDITY,
};

const USAGE: &str = "gebruik:
  zicht-regio serve [--listen ADRES:POORT] [--data MAP] [--max-body BYTES]
                    [--retention-days DAGEN] [--sweep-seconds SECONDEN]
                    [--uploads-per-hour N] [--mib-per-hour MIB] [--upload-memory-mib MIB]
      start het regionale eindpunt (standaard 127.0.0.1:7878, data onder de
      gebruikersdatamap: zicht-regio); per apparaat per uur standaard hoogstens
      3000 enveloppen en 2048 MiB, en samen hoogstens 512 MiB aan uploads in het geheugen
  zicht-regio token [--data MAP] [--valid-days DAGEN]
      maakt een eenmalig inschrijftoken voor één apparaat (standaard 7 dagen geldig)
      en drukt het af; mag terwijl het eindpunt draait
  zicht-regio devices [--data MAP]
      toont de ingeschreven apparaten (apparaat-id, ingeschreven, ingetrokken)
  zicht-regio revoke APPARAAT [--data MAP]
      trekt een apparaat in (bijvoorbeeld een verloren laptop): het eindpunt weigert
      vanaf het volgende verzoek alles van dat apparaat; berichten blijven staan.
      Mag terwijl het eindpunt draait";

fn fail(msg: impl std::fmt::Display) -> ! {
    eprintln!("zicht-regio: {msg}");
    exit(2)
}

struct Args {
    rest: Vec<String>,
}

impl Args {
    /// Takes `--name VALUE` (or `--name=VALUE`) out of the arguments.
    fn take(&mut self, name: &str) -> Option<String> {
        let prefix = format!("{name}=");
        let i = self
            .rest
            .iter()
            .position(|a| a == name || a.starts_with(&prefix))?;
        let a = self.rest.remove(i);
        if let Some(v) = a.strip_prefix(&prefix) {
            return Some(v.to_string());
        }
        if i < self.rest.len() {
            Some(self.rest.remove(i))
        } else {
            fail(format!("{name} verwacht een waarde\n{USAGE}"))
        }
    }

    fn take_num(&mut self, name: &str) -> Option<u64> {
        self.take(name).map(|v| {
            v.parse()
                .unwrap_or_else(|_| fail(format!("{name}: '{v}' is geen getal")))
        })
    }

    fn done(self) {
        if let Some(a) = self.rest.first() {
            fail(format!("onbekend argument '{a}'\n{USAGE}"));
        }
    }
}

/// At most this many days for a period given on the command line (100 years).
const MAX_DAYS: u64 = 36_500;

fn days(name: &str, d: u64) -> Duration {
    if d > MAX_DAYS {
        fail(format!("{name}: hoogstens {MAX_DAYS} dagen"));
    }
    Duration::from_secs(d * 86_400)
}

fn main() {
    let mut argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.is_empty() || argv.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        exit(if argv.is_empty() { 2 } else { 0 });
    }
    let cmd = argv.remove(0);
    let mut args = Args { rest: argv };
    match cmd.as_str() {
        "serve" => {
            let listen = args
                .take("--listen")
                .unwrap_or_else(|| DEFAULT_LISTEN.into());
            let data = args
                .take("--data")
                .map(PathBuf::from)
                .unwrap_or_else(default_data_dir);
            let mut cfg = Config::new(data);
            if let Some(n) = args.take_num("--max-body") {
                cfg.max_body = n;
            }
            if let Some(d) = args.take_num("--retention-days") {
                cfg.retention = days("--retention-days", d);
            }
            if let Some(s) = args.take_num("--sweep-seconds") {
                cfg.sweep_interval = Duration::from_secs(s.max(1));
            }
            if let Some(n) = args.take_num("--uploads-per-hour") {
                cfg.quota.uploads_per_hour = n.clamp(1, u32::MAX as u64) as u32;
            }
            if let Some(n) = args.take_num("--mib-per-hour") {
                cfg.quota.bytes_per_hour = n.max(1).saturating_mul(1 << 20);
            }
            if let Some(n) = args.take_num("--upload-memory-mib") {
                cfg.quota.upload_memory = n.max(1).saturating_mul(1 << 20);
            }
            args.done();
            run_server(listen, cfg);
        }
        "token" => {
            let data = args
                .take("--data")
                .map(PathBuf::from)
                .unwrap_or_else(default_data_dir);
            let validity = args
                .take_num("--valid-days")
                .map(|d| days("--valid-days", d))
                .unwrap_or(DEFAULT_TOKEN_VALIDITY);
            args.done();
            match create_token_in(&data, validity, &SystemClock) {
                Ok((token, key)) => {
                    eprintln!(
                        "Eenmalig inschrijftoken voor één apparaat, {} dagen geldig \
                         (geef het alleen aan de beheerder van dat apparaat):",
                        validity.as_secs() / 86_400
                    );
                    println!("{token}");
                    eprintln!(
                        "Sleutel van dit eindpunt (laat het apparaat deze vastpinnen):\n{}",
                        hex::encode(key)
                    );
                }
                Err(e) => fail(e),
            }
        }
        "devices" => {
            let data = args
                .take("--data")
                .map(PathBuf::from)
                .unwrap_or_else(default_data_dir);
            args.done();
            let list = zicht_regio::roster::list(&data).unwrap_or_else(|e| fail(e));
            if list.is_empty() {
                eprintln!("Nog geen apparaten ingeschreven.");
            }
            let when =
                |ms: Option<i64>| ms.and_then(chrono_like).unwrap_or_else(|| "-".to_string());
            for d in list {
                println!(
                    "{}\tingeschreven {}\tingetrokken {}",
                    d.device,
                    when(d.enrolled_at_ms),
                    when(d.revoked_at_ms)
                );
            }
        }
        "revoke" => {
            let data = args
                .take("--data")
                .map(PathBuf::from)
                .unwrap_or_else(default_data_dir);
            if args.rest.len() != 1 {
                fail(format!("revoke verwacht één apparaat-id\n{USAGE}"));
            }
            let device = args.rest.remove(0).to_ascii_lowercase();
            let now_ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as i64)
                .unwrap_or(0);
            match zicht_regio::roster::revoke(&data, &device, now_ms) {
                Ok(true) => eprintln!("Apparaat {device} is ingetrokken."),
                Ok(false) => eprintln!("Apparaat {device} was al ingetrokken."),
                Err(e) => fail(e),
            }
        }
        other => fail(format!("onbekend commando '{other}'\n{USAGE}")),
    }
}

/// Milliseconds since 1970 as a UTC date and time, "2026-12-07 21:40 UTC".
fn chrono_like(ms: i64) -> Option<String> {
    chrono::DateTime::from_timestamp_millis(ms)
        .filter(|_| ms > 0)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
}

fn run_server(listen: String, cfg: Config) {
    init_logging();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(format!("kan de runtime niet starten: {e}")));
    rt.block_on(async move {
        let data = cfg.data_dir.clone();
        let cfg = Config {
            clock: Arc::new(SystemClock),
            ..cfg
        };
        let regio = Regio::open(cfg).unwrap_or_else(|e| fail(e));
        let listener = tokio::net::TcpListener::bind(&listen)
            .await
            .unwrap_or_else(|e| fail(format!("kan niet luisteren op {listen}: {e}")));
        let addr = listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or(listen);
        tracing::info!(
            listen = %addr,
            data = %data.display(),
            endpoint_key = %hex::encode(regio.endpoint_public_key()),
            "zicht-regio started"
        );
        let result = serve(listener, regio, shutdown_signal()).await;
        tracing::info!("zicht-regio stopped");
        if let Err(e) = result {
            fail(e);
        }
    });
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
