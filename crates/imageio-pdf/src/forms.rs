//! How much work drawing a page's Form XObjects is, before hayro renders it.
//!
//! hayro interprets a form each time it is drawn, nested up to 50 levels
//! deep. A form that draws itself k times (through its own resources or
//! the page's, which a form without `/Resources` inherits) is therefore
//! k^50 interpretations: a file of a few hundred bytes that never finishes
//! rendering. Here the drawing is expanded the way hayro does it, with
//! hayro's own parser (so damaged content counts as hayro reads it), but
//! only counting the operators it would interpret, and stopping at
//! [`MAX_RENDER_OPS`]: a page over it is refused with a clear error instead
//! of hanging. Each form's content is parsed once.

use std::collections::HashMap;
use std::ops::Deref;
use std::rc::Rc;

use hayro::hayro_syntax::content::ops::TypedInstruction;
use hayro::hayro_syntax::content::TypedIter;
use hayro::hayro_syntax::object::dict::keys::{FORM, RESOURCES, SUBTYPE};
use hayro::hayro_syntax::object::{Dict, Name, ObjectIdentifier};
use hayro::hayro_syntax::page::{Page, Resources};
use hayro::hayro_syntax::Filter;
use imageio_core::{Error, Result};

/// The most content operators a page may make hayro interpret, counting
/// every form each time it is drawn: far above real documents (a dense page
/// of text has tens of thousands), far below a pathological one.
pub(crate) const MAX_RENDER_OPS: u64 = 5_000_000;

/// hayro's own bound on nested XObjects.
const HAYRO_MAX_DEPTH: u32 = 50;

/// A content stream reduced to what counts: its number of operators and
/// the names its `Do` operators draw.
struct Summary {
    ops: u64,
    draws: Vec<Vec<u8>>,
}

impl Summary {
    fn of(content: &[u8]) -> Summary {
        let mut s = Summary {
            ops: 0,
            draws: Vec::new(),
        };
        let mut iter = TypedIter::new(content);
        while let Some(op) = iter.next() {
            s.ops += 1;
            if let TypedInstruction::XObject(x) = op {
                s.draws.push(x.0.deref().to_vec());
            }
        }
        s
    }
}

/// Fails with `LimitExceeded` when rendering `page` (number `index`) would
/// make hayro interpret more than [`MAX_RENDER_OPS`] operators.
pub(crate) fn check_render_work(page: &Page<'_>, index: usize) -> Result<()> {
    let mut walk = Walk {
        index,
        forms: HashMap::new(),
        work: 0,
    };
    let content = page.page_stream().unwrap_or(&[]);
    walk.expand(&Summary::of(content), page.resources(), 0)
}

struct Walk {
    index: usize,
    /// Each form's summary, parsed on first use.
    forms: HashMap<ObjectIdentifier, Rc<Summary>>,
    /// Operators counted so far.
    work: u64,
}

impl Walk {
    fn expand(&mut self, s: &Summary, res: &Resources<'_>, depth: u32) -> Result<()> {
        self.work += s.ops;
        if self.work > MAX_RENDER_OPS {
            return Err(Error::limit(format!(
                "pdf: the forms of page {} draw each other (or themselves) so often that \
                 rendering would interpret more than {MAX_RENDER_OPS} operators; refused to \
                 render (the images are still readable without render=true)",
                self.index
            )));
        }
        if depth >= HAYRO_MAX_DEPTH {
            return Ok(());
        }
        for name in &s.draws {
            let Some(stream) = res.get_x_object(&Name::new_unescaped(name)) else {
                continue;
            };
            let dict = stream.dict();
            if dict.get::<Name<'_>>(SUBTYPE).as_deref() != Some(FORM) {
                // An image hayro would decode with its JPEG 2000 decoder:
                // refuse a tile grid that decoder would spend gigabytes on.
                if stream.filters().as_slice() == [Filter::JpxDecode] {
                    crate::decode::check_jpx_tiles(&stream.raw_data())?;
                }
                continue;
            }
            let own = dict.get::<Dict<'_>>(RESOURCES).map(Resources::new);
            let summary = match self.forms.get(&stream.obj_id()) {
                Some(s) => s.clone(),
                None => {
                    let data = stream.decoded().unwrap_or_default();
                    let s = Rc::new(Summary::of(&data));
                    self.forms.insert(stream.obj_id(), s.clone());
                    s
                }
            };
            self.expand(&summary, own.as_ref().unwrap_or(res), depth + 1)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damaged_content_counts_as_hayro_reads_it() {
        let s = Summary::of(b"q 50 0 0 50 0 0 cm /Im0 Do Q /F0 Do /F0 Do /F0\xff\xff");
        assert_eq!(
            s.draws,
            vec![b"Im0".to_vec(), b"F0".to_vec(), b"F0".to_vec()]
        );
        assert!(s.ops >= 6, "{}", s.ops);
        let e = Summary::of(b"");
        assert_eq!((e.ops, e.draws.len()), (0, 0));
    }
}
