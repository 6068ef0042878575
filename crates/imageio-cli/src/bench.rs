//! `imageio bench`: in-process timing of `imread`, to compare with other
//! libraries on the same files.

use std::time::Instant;

use imageio::{ImageFile, Index, ReadOptions};
use serde_json::{json, Map, Value as Json};

use crate::cli::BenchArgs;
use crate::Outcome;

/// Runs `imageio bench`.
pub(crate) fn run(a: BenchArgs) -> Outcome {
    let mut results = Map::new();
    let mut text = String::new();
    for file in &a.files {
        // Warm-up (caches, lazy statics), which also names the plugin.
        let mut f = ImageFile::open_read(file.as_str(), &ReadOptions::new())?;
        let plugin = f.plugin_name().to_owned();
        let img = f.read(Index::At(0))?;
        drop(f);
        let mut times = Vec::with_capacity(a.repeat as usize);
        for _ in 0..a.repeat {
            let t = Instant::now();
            let img = imageio::imread(file.as_str())?;
            times.push(t.elapsed().as_secs_f64());
            drop(img);
        }
        times.sort_by(f64::total_cmp);
        let n = times.len();
        let median = if n % 2 == 1 {
            times[n / 2]
        } else {
            (times[n / 2 - 1] + times[n / 2]) / 2.0
        };
        let min = times[0];
        results.insert(
            file.clone(),
            json!({"median_s": median, "min_s": min, "plugin": plugin}),
        );
        text.push_str(&format!(
            "{file}: median {median:.6} s, min {min:.6} s ({plugin}, {} {}, {n} runs)\n",
            crate::json::shape_text(img.shape()),
            img.dtype()
        ));
    }
    if a.json {
        let s = serde_json::to_string_pretty(&Json::Object(results))
            .map_err(|e| crate::Failed(e.to_string()))?;
        return crate::print(&format!("{s}\n"));
    }
    crate::print(&text)
}
