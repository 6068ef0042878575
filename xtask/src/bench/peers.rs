//! The Python side: the virtual environment with the peers from PyPI, the
//! peer program `peers.py` (built into xtask and written out on each run),
//! its long-lived timing server, and its `median` command, which takes
//! every median the report shows.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{json, Value as Json};

use super::text::first_line;
use crate::system::run as sh;

/// The peer program: generators (`gen-jpeg`, `gen-video`), `median`, and the
/// timing server (`serve`); its header comment describes the protocol.
const PEERS_PY: &str = include_str!("peers.py");

/// The Python packages the peers need, installed into the venv from PyPI.
const PY_PACKAGES: &[&str] = &[
    "numpy",
    "pillow",
    "opencv-python-headless",
    "tifffile",
    "av",
    "imageio",
    // tifffile needs it for LZW (and other codecs); without it those rows
    // would lose their tifffile column.
    "imagecodecs",
];

/// Makes `target/bench-venv` with the peers from PyPI unless they import;
/// returns its Python.
pub fn ensure_venv(target: &Path) -> Result<PathBuf, String> {
    let venv = target.join("bench-venv");
    let python = venv.join("bin").join("python");
    let imports = || {
        Command::new(&python)
            .args([
                "-c",
                "import numpy, PIL, cv2, tifffile, av, imageio, imagecodecs",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    };
    if imports() {
        return Ok(python);
    }
    if !python.exists() {
        sh(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    }
    sh(Command::new(&python)
        .args(["-m", "pip", "install", "--quiet", "--upgrade"])
        .args(PY_PACKAGES))?;
    if !imports() {
        return Err(format!(
            "the peers do not import in {} after pip install",
            venv.display()
        ));
    }
    Ok(python)
}

/// Writes the peer program to `dir/peers.py`; returns its path.
pub fn write_script(dir: &Path) -> Result<PathBuf, String> {
    let script = dir.join("peers.py");
    std::fs::write(&script, PEERS_PY)
        .map_err(|e| format!("cannot write {}: {e}", script.display()))?;
    Ok(script)
}

/// The median of each list (NaN for an empty one), taken by `python script
/// median` (Python's `statistics.median`), one process per call so that it
/// works whatever became of the timing server.
pub fn medians(python: &Path, script: &Path, lists: &[&[f64]]) -> Result<Vec<f64>, String> {
    let mut child = Command::new(python)
        .arg(script)
        .arg("median")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", python.display()))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let sent = serde_json::to_writer(&mut stdin, lists);
    drop(stdin);
    let out = child
        .wait_with_output()
        .map_err(|e| format!("peers.py median: {e}"))?;
    sent.map_err(|e| format!("peers.py median: {e}"))?;
    if !out.status.success() {
        return Err(first_line(&String::from_utf8_lossy(&out.stderr)));
    }
    let answer: Json = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("peers.py median answered badly: {e}"))?;
    match answer.as_array() {
        Some(m) if m.len() == lists.len() => {
            Ok(m.iter().map(|v| v.as_f64().unwrap_or(f64::NAN)).collect())
        }
        _ => Err(format!("peers.py median answered {answer}")),
    }
}

/// The timing server: one long-lived peer process answering JSON lines.
pub struct PeerServer {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    python: PathBuf,
    script: PathBuf,
}

impl PeerServer {
    /// Starts `python script serve`.
    pub fn start(python: &Path, script: &Path) -> Result<PeerServer, String> {
        let mut child = Command::new(python)
            .arg(script)
            .arg("serve")
            .env("OPENCV_LOG_LEVEL", "ERROR")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", python.display()))?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
        Ok(PeerServer {
            child,
            stdin,
            stdout,
            python: python.to_owned(),
            script: script.to_owned(),
        })
    }

    /// Sends one request; returns the answer.
    pub fn call(&mut self, req: &Json) -> Result<Json, String> {
        writeln!(self.stdin, "{req}").map_err(|e| format!("peers.py: {e}"))?;
        self.stdin.flush().map_err(|e| format!("peers.py: {e}"))?;
        let mut line = String::new();
        self.stdout
            .read_line(&mut line)
            .map_err(|e| format!("peers.py: {e}"))?;
        if line.is_empty() {
            return Err("peers.py exited".into());
        }
        serde_json::from_str(&line).map_err(|e| format!("peers.py answered {line:?}: {e}"))
    }

    /// `medians` with this server's Python and program.
    pub fn medians(&self, lists: &[&[f64]]) -> Result<Vec<f64>, String> {
        medians(&self.python, &self.script, lists)
    }
}

impl Drop for PeerServer {
    fn drop(&mut self) {
        let _ = writeln!(self.stdin, "{}", json!({"cmd": "quit"}));
        let _ = self.stdin.flush();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_are_taken_by_the_peer_program() {
        let python = Path::new("python3");
        if Command::new(python).arg("--version").output().is_err() {
            eprintln!("skipped: no python3");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let script = write_script(dir.path()).unwrap();
        let lists: [&[f64]; 4] = [&[3.0, 1.0, 2.0], &[4.0, 1.0, 2.0, 3.0], &[], &[0.1, 0.2]];
        let m = medians(python, &script, &lists).unwrap();
        assert_eq!(m[..2], [2.0, 2.5]);
        assert!(m[2].is_nan());
        // The mean of the middle two as in Rust, to the bit.
        assert_eq!(m[3], (0.1 + 0.2) / 2.0);
    }
}
