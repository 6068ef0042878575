//! Timing reads: on each file of the set, our CLI's reads and the peers'
//! alternately, round by round, reduced to one row of the table.

use std::path::Path;

use serde_json::{json, Value as Json};

use super::memory::{own_peak, peak_rss};
use super::ours::{ours_once, seconds};
use super::peers::PeerServer;
use super::set::{Entry, Generated};
use super::text::ms;
use super::Timing;

/// One peer's result on one file.
pub struct PeerResult {
    /// The peer (`pillow`, `opencv`, ...), or `python` when the peer server
    /// stopped answering.
    pub name: String,
    /// Median seconds of its reads over all rounds; NaN without any.
    pub median_s: f64,
    /// Why the peer is not compared (failed, or returns other data).
    pub excluded: Option<String>,
}

/// One row of the table.
pub struct Row {
    /// The file in the set.
    pub file: &'static str,
    /// What the file is.
    pub what: &'static str,
    /// An uncompressed format, compared with memcpy.
    pub raw: bool,
    /// Why the file has no figures.
    pub skipped: Option<String>,
    /// The plugin our CLI read it with.
    pub plugin: String,
    /// The shape of what our CLI read.
    pub shape: Vec<usize>,
    /// The dtype of what our CLI read.
    pub dtype: String,
    /// The bytes of what our CLI read.
    pub nbytes: u64,
    /// Median seconds of our reads over all rounds.
    pub ours_s: f64,
    /// Median over the rounds of the CLI's memcpy time of the array's bytes.
    pub memcpy_s: f64,
    /// The peers, in the order the peer server names them.
    pub peers: Vec<PeerResult>,
    /// Whole process: maximum RSS of `imageio bench -n 1` (`/usr/bin/time`).
    pub rss_kib: Option<u64>,
    /// The read's own peak in bytes (`own_peak`), the largest over our runs.
    pub own_peak: Option<u64>,
    /// The fastest peer's memory of one read (`memory::peer_peaks`).
    pub peer_peak: Option<super::memory::PeerPeak>,
}

impl Row {
    /// A row without figures, saying why.
    pub fn skipped(e: &Entry, why: String) -> Row {
        Row {
            file: e.file,
            what: e.what,
            raw: e.raw,
            skipped: Some(why),
            plugin: String::new(),
            shape: vec![],
            dtype: String::new(),
            nbytes: 0,
            ours_s: f64::NAN,
            memcpy_s: f64::NAN,
            peers: vec![],
            rss_kib: None,
            own_peak: None,
            peer_peak: None,
        }
    }

    /// A row with what our CLI's first read (`probe`) says of the file.
    fn probed(e: &Entry, probe: &Json) -> Row {
        let mut row = Row::skipped(e, String::new());
        row.skipped = None;
        row.plugin = probe["plugin"].as_str().unwrap_or("?").to_owned();
        row.shape = shape_of(probe);
        row.dtype = probe["dtype"].as_str().unwrap_or("?").to_owned();
        row.nbytes = probe["nbytes"].as_u64().unwrap_or(0);
        row.own_peak = own_peak(probe);
        row
    }

    /// The fastest comparable peer: name and median.
    pub fn fastest_peer(&self) -> Option<(&str, f64)> {
        self.peers
            .iter()
            .filter(|p| p.excluded.is_none() && !p.median_s.is_nan())
            .map(|p| (p.name.as_str(), p.median_s))
            .min_by(|a, b| a.1.total_cmp(&b.1))
    }

    /// Ours / the fastest comparable peer.
    pub fn ratio(&self) -> Option<f64> {
        if self.skipped.is_some() {
            return None;
        }
        self.fastest_peer().map(|(_, t)| self.ours_s / t)
    }

    /// Each peer's name, `after_name`, then its median or why it is not
    /// compared.
    pub fn peer_figures(&self, after_name: &str) -> Vec<String> {
        self.peers
            .iter()
            .map(|p| match &p.excluded {
                Some(why) => format!("{}{after_name} n/a ({why})", p.name),
                None => format!("{}{after_name} {}", p.name, ms(p.median_s)),
            })
            .collect()
    }

    /// The progress line of the row.
    pub fn line(&self) -> String {
        if let Some(why) = &self.skipped {
            return format!("{}: skipped: {why}", self.file);
        }
        format!(
            "{}: ours {} ({}); {}; ratio {}",
            self.file,
            ms(self.ours_s),
            self.plugin,
            self.peer_figures("").join(", "),
            self.ratio()
                .map(|r| format!("{r:.2}"))
                .unwrap_or_else(|| "-".into())
        )
    }
}

/// One peer's times on one file as they come in, round by round.
struct PeerTally {
    name: String,
    times: Vec<f64>,
    excluded: Option<String>,
}

/// The raw times of one file, gathered round by round.
#[derive(Default)]
struct Samples {
    ours: Vec<f64>,
    memcpy: Vec<f64>,
    /// In the order the peer server first names them.
    peers: Vec<PeerTally>,
    /// Why the peer server stopped answering.
    lost: Option<String>,
}

impl Samples {
    /// Adds one answer of the peer server; a peer that fails, or returns
    /// other data than `row`'s, is excluded.
    fn add_peers(&mut self, answer: &Json, row: &Row, stacked: bool) {
        for p in answer.as_array().into_iter().flatten() {
            let t = self.tally(p["peer"].as_str().unwrap_or("?"));
            if let Some(err) = p["error"].as_str() {
                t.excluded = Some(format!(
                    "failed: {}",
                    err.chars().take(80).collect::<String>()
                ));
                continue;
            }
            let shape = shape_of(p);
            let dtype = p["dtype"].as_str().unwrap_or("?");
            if dtype != row.dtype || pixels(&shape, stacked) != pixels(&row.shape, stacked) {
                t.excluded = Some(format!("returns {dtype} {shape:?}, not the same data"));
            }
            t.times.extend(seconds(p, "times"));
        }
    }

    /// The tally of the peer `name`, a new one at the end if need be.
    fn tally(&mut self, name: &str) -> &mut PeerTally {
        let i = match self.peers.iter().position(|t| t.name == name) {
            Some(i) => i,
            None => {
                self.peers.push(PeerTally {
                    name: name.to_owned(),
                    times: vec![],
                    excluded: None,
                });
                self.peers.len() - 1
            }
        };
        &mut self.peers[i]
    }

    /// Puts the medians (taken by the peer program) and the peers into `row`.
    fn reduce_into(self, row: &mut Row, peers: &PeerServer) -> Result<(), String> {
        let mut lists = vec![self.ours.as_slice(), self.memcpy.as_slice()];
        lists.extend(self.peers.iter().map(|t| t.times.as_slice()));
        let medians = peers.medians(&lists)?;
        (row.ours_s, row.memcpy_s) = (medians[0], medians[1]);
        if let Some(why) = self.lost {
            row.peers.push(PeerResult {
                name: "python".into(),
                median_s: f64::NAN,
                excluded: Some(why),
            });
        }
        let results = self.peers.into_iter().zip(&medians[2..]);
        row.peers.extend(results.map(|(t, &median_s)| PeerResult {
            name: t.name,
            median_s,
            excluded: t.excluded,
        }));
        Ok(())
    }
}

/// The `shape` list of an answer, ours or a peer's.
fn shape_of(answer: &Json) -> Vec<usize> {
    answer["shape"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|d| d.as_u64().map(|d| d as usize))
                .collect()
        })
        .unwrap_or_default()
}

/// The pixel count of a result: its shape without a trailing colour axis.
fn pixels(shape: &[usize], stacked: bool) -> usize {
    let colour_axis = shape.len() >= if stacked { 4 } else { 3 };
    let s = if colour_axis && matches!(shape.last(), Some(1..=4)) {
        &shape[..shape.len() - 1]
    } else {
        shape
    };
    s.iter().product()
}

/// Reads per round after a probe read of `probe_s` seconds: fast reads get
/// more (about 0.25 s of reads per round, at most 40), so that their medians
/// are not one scheduler hiccup.
fn read_repeat(probe_s: f64, repeat: u32) -> u32 {
    ((0.25 / probe_s.max(1e-6)) as u32).clamp(repeat, 40)
}

/// Every file of the set, measured in turn (a file that could not be
/// generated becomes a skipped row); prints each row's progress line.
pub fn measure_set(
    entries: &[Entry],
    generated: &Generated,
    dir: &Path,
    exe: &Path,
    peers: &mut PeerServer,
    timing: Timing,
) -> Vec<Row> {
    let mut rows = Vec::new();
    for e in entries {
        let row = match generated.get(e.file) {
            Some(Err(why)) => Row::skipped(e, format!("could not generate: {why}")),
            _ => measure(e, &dir.join(e.file), exe, peers, timing),
        };
        eprintln!("{}", row.line());
        rows.push(row);
    }
    rows
}

/// Times the reads of one file: per round ours (`imageio bench --json`)
/// then the peers'; then the whole process's peak RSS of one read.
fn measure(e: &Entry, path: &Path, exe: &Path, peers: &mut PeerServer, timing: Timing) -> Row {
    // Probe: is there a plugin that reads it?
    let probe = match ours_once(exe, path, e.kind.all(), 1) {
        Ok(j) => j,
        Err(why) => return Row::skipped(e, format!("our CLI cannot read it: {why}")),
    };
    let mut row = Row::probed(e, &probe);
    let repeat = read_repeat(probe["median_s"].as_f64().unwrap_or(1.0), timing.repeat);
    let mut samples = Samples::default();
    for _ in 0..timing.rounds {
        match ours_once(exe, path, e.kind.all(), repeat) {
            Ok(j) => {
                samples.ours.extend(seconds(&j, "times_s"));
                samples.memcpy.extend(j["memcpy_s"].as_f64());
                row.own_peak = row.own_peak.max(own_peak(&j));
            }
            Err(why) => return Row::skipped(e, format!("our read failed: {why}")),
        }
        let req = json!({"cmd": "time", "kind": e.kind.name(), "path": path, "repeat": repeat});
        match peers.call(&req) {
            Ok(answer) => samples.add_peers(&answer, &row, e.kind.all()),
            Err(why) => {
                samples.lost = Some(why);
                break;
            }
        }
    }
    if let Err(why) = samples.reduce_into(&mut row, peers) {
        return Row::skipped(e, format!("could not take the medians: {why}"));
    }
    row.rss_kib = peak_rss(exe, path, e.kind.all());
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixels_leave_out_the_colour_axis() {
        assert_eq!(pixels(&[2160, 3840, 3], false), 2160 * 3840);
        assert_eq!(pixels(&[2160, 3840], false), 2160 * 3840);
        assert_eq!(pixels(&[64, 512, 512], true), 64 * 512 * 512);
        assert_eq!(pixels(&[60, 270, 480, 4], true), 60 * 270 * 480);
    }
}
