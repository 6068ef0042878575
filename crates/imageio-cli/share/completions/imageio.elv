
use builtin;
use str;

set edit:completion:arg-completer[imageio] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'imageio'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'imageio'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand convert 'Read an image and write it in the format of the output''s extension'
            cand info 'Show which plugin reads a file, its properties and its metadata'
            cand plugins 'List the linked plugins: formats, read/write ability and options'
            cand bench 'Time reading files in this process: a warm-up read, then N timed reads; reports the median and minimum seconds and the plugin used. With --write, also N encodes of each file''s array to a format, in memory'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'imageio;convert'= {
            cand --index 'Read image N (page, frame, array) instead of the first one'
            cand --mode 'Convert to this colour mode after reading'
            cand --dtype 'Convert the samples to this type after reading (and after --mode), rescaling values as described below'
            cand --plugin 'Read with this plugin (see `imageio plugins`)'
            cand -o 'A write option of the output format (VALUE is read as an int, a float, true/false, or a string)'
            cand --option 'A write option of the output format (VALUE is read as an int, a float, true/false, or a string)'
            cand --read-option 'A read option of the input format'
            cand --to 'The output format (png, npy, tif, ...): with --out-dir for batch mode, or with the OUTPUT `-` (standard output)'
            cand --out-dir 'Batch mode: the directory the outputs go to (created if missing). Files found in a directory input keep their folders below it, files matched by a glob their folders below the glob''s fixed part'
            cand -j 'Batch mode: how many files to convert at once (default: one per core)'
            cand --jobs 'Batch mode: how many files to convert at once (default: one per core)'
            cand --max-alloc 'Refuse reads that would allocate more than BYTES for one array or buffer (default 2 GiB)'
            cand --max-pixels 'Refuse images of more than N pixels (default 2^28)'
            cand --max-size 'Refuse images wider or taller than N pixels (default 2^20)'
            cand --all 'Read every image, stacked on a new first axis'
            cand --auto-convert 'When the output format cannot store the image (its dtype, its alpha channel), convert it to the nearest thing the format stores and say so on stderr, once per file'
            cand --no-overwrite 'Never replace an existing output file'
            cand -r 'Batch mode: also convert the files in the subdirectories of directory inputs'
            cand -R 'Batch mode: also convert the files in the subdirectories of directory inputs'
            cand --recursive 'Batch mode: also convert the files in the subdirectories of directory inputs'
            cand --continue-on-error 'Batch mode: keep converting the other files when one fails, and list the failures at the end (the default)'
            cand --fail-fast 'Batch mode: stop at the first file that fails (files in progress finish; no new file starts)'
            cand --json 'Print one JSON object per file on stdout: input, output, plugin, writer, shape, dtype, seconds, converted (what --auto-convert did) and error (null, or {"kind", "message"}); the summary goes to stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'imageio;info'= {
            cand --index 'Read image N (page, frame, array) instead of the first one'
            cand --plugin 'Read with this plugin'
            cand --read-option 'A read option of the input format'
            cand --max-alloc 'Refuse reads that would allocate more than BYTES for one array or buffer (default 2 GiB)'
            cand --max-pixels 'Refuse images of more than N pixels (default 2^28)'
            cand --max-size 'Refuse images wider or taller than N pixels (default 2^20)'
            cand --all 'Read every image, stacked on a new first axis'
            cand -r 'Also list the files in the subdirectories of directory inputs'
            cand -R 'Also list the files in the subdirectories of directory inputs'
            cand --recursive 'Also list the files in the subdirectories of directory inputs'
            cand --json 'Print JSON instead of text (one line per file)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'imageio;plugins'= {
            cand --json 'Print JSON instead of text'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'imageio;bench'= {
            cand -n 'Timed reads per file, after one warm-up read (and timed encodes with --write)'
            cand --repeat 'Timed reads per file, after one warm-up read (and timed encodes with --write)'
            cand --write 'Also time encoding each file''s array to this format (png, .jpg, ...) in memory, after the reads'
            cand -o 'A write option of the --write format (VALUE is read as an int, a float, true/false, or a string), as in `imageio convert -o`'
            cand --option 'A write option of the --write format (VALUE is read as an int, a float, true/false, or a string), as in `imageio convert -o`'
            cand --all 'Read every image of each file (pages, frames), stacked'
            cand --json 'Print JSON instead of text'
            cand --cold 'Time only the first read of each file, without a warm-up read (the first file''s is the process''s first call: lazy setup included); -n is ignored'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'imageio;help'= {
            cand convert 'Read an image and write it in the format of the output''s extension'
            cand info 'Show which plugin reads a file, its properties and its metadata'
            cand plugins 'List the linked plugins: formats, read/write ability and options'
            cand bench 'Time reading files in this process: a warm-up read, then N timed reads; reports the median and minimum seconds and the plugin used. With --write, also N encodes of each file''s array to a format, in memory'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'imageio;help;convert'= {
        }
        &'imageio;help;info'= {
        }
        &'imageio;help;plugins'= {
        }
        &'imageio;help;bench'= {
        }
        &'imageio;help;help'= {
        }
    ]
    $completions[$command]
}
