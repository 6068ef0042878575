//! Errors in the command's own words: the library's [`Hint`]s name Rust
//! calls (`.cast(DType::U8)`); here each one names the flag that does the
//! same thing. The hint itself stays the one source of truth.

use imageio::{Error, Hint};

use crate::options::mode_flag;

/// The error's one-line form, its hint naming command-line flags.
pub(crate) fn render(e: &Error) -> String {
    e.display_with(flag)
}

/// The flags that act on `hint`.
pub(crate) fn flag(hint: &Hint) -> String {
    match hint {
        Hint::Cast(to) => {
            let flags: Vec<String> = to.iter().map(|d| format!("--dtype {d}")).collect();
            format!(
                "convert it with {} (values rescaled; see --help), or let --auto-convert choose",
                flags.join(" or ")
            )
        }
        Hint::DropAlpha { option } => {
            let mut s = format!(
                "drop the alpha channel with --mode {} (--mode {} for gray+alpha)",
                mode_flag(imageio::Mode::Rgb),
                mode_flag(imageio::Mode::Gray)
            );
            if let Some(o) = option {
                s.push_str(&format!(" or -o {o}=true"));
            }
            s.push_str(", or let --auto-convert do it");
            s
        }
        Hint::WriteAsBatch => {
            "add --all to write the stack one image per page (or give an output pattern such \
             as frame_{:04}.png)"
                .into()
        }
        Hint::RaiseMaxAlloc => {
            "raise the limit with --max-alloc BYTES if the input is trusted".into()
        }
        Hint::RaiseMaxPixels => {
            "raise the limit with --max-pixels N if the input is trusted".into()
        }
        Hint::RaiseMaxSize => "raise the limit with --max-size N if the input is trusted".into(),
        Hint::NameFormat => {
            "give the output an extension (out.png), or with - as OUTPUT name the format with --to"
                .into()
        }
        Hint::ReadOneByOne => {
            "write one file per image with an output pattern such as frame_{:04}.png and --all, \
             or raise the limit with --max-alloc BYTES if the input is trusted"
                .into()
        }
        Hint::WriteElsewhere => {
            "write to a file, or to standard output with - as OUTPUT and --to FORMAT".into()
        }
        // A hint this version does not know: the library's wording.
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use imageio::DType;

    #[test]
    fn hints_name_flags_not_calls() {
        let e = Error::unsupported("PNG stores u8 or u16 samples, not float32")
            .with_resource("a.png")
            .with_plugin("png")
            .with_hint(Hint::Cast(vec![DType::U16, DType::U8]));
        assert_eq!(
            render(&e),
            "a.png: [png] PNG stores u8 or u16 samples, not float32; convert it with --dtype \
             uint16 or --dtype uint8 (values rescaled; see --help), or let --auto-convert choose"
        );
        let alpha = Hint::DropAlpha {
            option: Some("drop_alpha"),
        };
        for h in [
            alpha,
            Hint::WriteAsBatch,
            Hint::RaiseMaxAlloc,
            Hint::RaiseMaxPixels,
            Hint::RaiseMaxSize,
            Hint::NameFormat,
            Hint::ReadOneByOne,
            Hint::WriteElsewhere,
            Hint::Cast(vec![DType::U8]),
        ] {
            let text = flag(&h);
            assert!(text.contains("--"), "{text}");
            assert!(!text.contains("::") && !text.contains(".cast("), "{text}");
            for call in ["imiter", "imencode", "Uri::", "Limits", "Options"] {
                assert!(!text.contains(call), "{text}");
            }
        }
        assert!(flag(&Hint::DropAlpha {
            option: Some("drop_alpha")
        })
        .contains("-o drop_alpha=true"));
        assert_eq!(render(&Error::decode("bad").with_resource("x")), "x: bad");
    }
}
