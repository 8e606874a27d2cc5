//! A throwaway PostgreSQL cluster for tests: `initdb` in a temporary
//! directory, `pg_ctl start` on 127.0.0.1 at a free port (trust
//! authentication, loopback only), stopped and deleted when dropped.
//!
//! The binaries are found through `pg_config --bindir`, the `PATH`, or
//! Debian's `/usr/lib/postgresql/<version>/bin`. `initdb` refuses to run as
//! root: as root the cluster runs as the `postgres` system user, which owns
//! the temporary directory.
//!
//! Without any binaries [`TempCluster::start`] returns `None` and prints a
//! loud notice, so a test can skip; with `FINHUB_REQUIRE_POSTGRES` set (CI
//! installs PostgreSQL) it panics instead. Anything else that goes wrong
//! panics.

use std::net::TcpListener;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A running throwaway cluster.
pub struct TempCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    owner: Option<String>,
}

fn bindir() -> Option<PathBuf> {
    let has_tools = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if has_tools(&dir) {
            return Some(dir);
        }
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if has_tools(&dir) {
                return Some(dir);
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let dir = entry.path().join("bin");
            has_tools(&dir).then_some((version, dir))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, dir)| dir)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port on 127.0.0.1")
}

fn id_of(flag: &str, user: &str) -> u32 {
    let out = Command::new("id")
        .args([flag, user])
        .output()
        .expect("`id`");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("no system user `{user}` to run PostgreSQL as"))
}

impl TempCluster {
    /// Starts a cluster, or `None` (after a loud notice) when this machine
    /// has no PostgreSQL binaries.
    pub fn start() -> Option<TempCluster> {
        let Some(bin) = bindir() else {
            let notice = "NO POSTGRESQL BINARIES (initdb, pg_ctl) FOUND: the PostgreSQL store tests are SKIPPED. Install Debian's `postgresql` package to run them.";
            if std::env::var_os("FINHUB_REQUIRE_POSTGRES").is_some() {
                panic!("{notice} (FINHUB_REQUIRE_POSTGRES is set)");
            }
            eprintln!("\n!!!!! {notice} !!!!!\n");
            return None;
        };
        let dir = tempfile::Builder::new()
            .prefix("finhub-pg-")
            .tempdir()
            .expect("a temporary directory");
        let root = std::fs::metadata("/proc/self")
            .map(|m| m.uid())
            .unwrap_or(1)
            == 0;
        let owner = root.then(|| "postgres".to_string());
        if let Some(user) = &owner {
            std::os::unix::fs::chown(dir.path(), Some(id_of("-u", user)), Some(id_of("-g", user)))
                .expect("hand the temporary directory to the postgres user");
        }
        let mut cluster = TempCluster {
            dir,
            bin,
            port: 0,
            owner,
        };
        let data = cluster.data();
        cluster.run(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        // Trust, on the socket in the temporary directory and on loopback
        // only.
        std::fs::write(
            Path::new(&data).join("pg_hba.conf"),
            "local all all trust\nhost all all 127.0.0.1/32 trust\n",
        )
        .expect("write pg_hba.conf");
        for _ in 0..5 {
            cluster.port = free_port();
            let options = format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off",
                cluster.port,
                cluster.dir.path().display()
            );
            let log = cluster.dir.path().join("server.log");
            let started = cluster.try_run(
                "pg_ctl",
                &[
                    "-D",
                    &data,
                    "-l",
                    &log.display().to_string(),
                    "-o",
                    &options,
                    "-w",
                    "start",
                ],
            );
            if started.status.success() {
                return Some(cluster);
            }
        }
        let log =
            std::fs::read_to_string(cluster.dir.path().join("server.log")).unwrap_or_default();
        panic!("PostgreSQL did not start:\n{log}");
    }

    /// A `tokio-postgres` configuration of the cluster's `postgres`
    /// database.
    pub fn config(&self) -> String {
        format!(
            "host=127.0.0.1 port={} user=postgres dbname=postgres",
            self.port
        )
    }

    /// The same database as a `postgres://` URL.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn try_run(&self, tool: &str, args: &[&str]) -> Output {
        let program = self.bin.join(tool);
        let mut command = match &self.owner {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.args(["-u", user, "--"]).arg(&program);
                command
            }
            None => Command::new(&program),
        };
        command
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap_or_else(|e| panic!("run {tool}: {e}"))
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let out = self.try_run(tool, args);
        assert!(
            out.status.success(),
            "{tool} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for TempCluster {
    fn drop(&mut self) {
        let data = self.data();
        let _ = self.try_run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
    }
}
