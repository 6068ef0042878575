# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_imageio_global_optspecs
    string join \n h/help V/version
end

function __fish_imageio_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_imageio_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_imageio_using_subcommand
    set -l cmd (__fish_imageio_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c imageio -n "__fish_imageio_needs_command" -s h -l help -d 'Print help'
complete -c imageio -n "__fish_imageio_needs_command" -s V -l version -d 'Print version'
complete -c imageio -n "__fish_imageio_needs_command" -f -a "convert" -d 'Read an image and write it in the format of the output\'s extension'
complete -c imageio -n "__fish_imageio_needs_command" -f -a "info" -d 'Show which plugin reads a file, its properties and its metadata'
complete -c imageio -n "__fish_imageio_needs_command" -f -a "plugins" -d 'List the linked plugins: formats, read/write ability and options'
complete -c imageio -n "__fish_imageio_needs_command" -f -a "bench" -d 'Time reading files in this process: a warm-up read, then N timed reads; reports the median and minimum seconds and the plugin used. With --write, also N encodes of each file\'s array to a format, in memory'
complete -c imageio -n "__fish_imageio_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c imageio -n "__fish_imageio_using_subcommand convert" -l index -d 'Read image N (page, frame, array) instead of the first one' -r
complete -c imageio -n "__fish_imageio_using_subcommand convert" -l mode -d 'Convert to this colour mode after reading' -r -f -a "gray\t'One channel, (H, W); from colour by the ITU-R 601-2 luma transform'
gray-alpha\t'Gray and alpha, (H, W, 2)'
rgb\t'(H, W, 3); an alpha channel is dropped'
rgba\t'(H, W, 4); an added alpha is opaque'"
complete -c imageio -n "__fish_imageio_using_subcommand convert" -l dtype -d 'Convert the samples to this type after reading (and after --mode), rescaling values as described below' -r -f -a "uint8\t'8-bit unsigned, 0..255'
uint16\t'16-bit unsigned, 0..65535'
uint32\t'32-bit unsigned'
uint64\t'64-bit unsigned'
int8\t'8-bit signed'
int16\t'16-bit signed'
int32\t'32-bit signed'
int64\t'64-bit signed'
float32\t'32-bit float, 0.0..1.0 for images'
float64\t'64-bit float, 0.0..1.0 for images'"
complete -c imageio -n "__fish_imageio_using_subcommand convert" -l plugin -d 'Read with this plugin (see `imageio plugins`)' -r
complete -c imageio -n "__fish_imageio_using_subcommand convert" -s o -l option -d 'A write option of the output format (VALUE is read as an int, a float, true/false, or a string)' -r
complete -c imageio -n "__fish_imageio_using_subcommand convert" -l read-option -d 'A read option of the input format' -r
complete -c imageio -n "__fish_imageio_using_subcommand convert" -l to -d 'The output format (png, npy, tif, ...): with --out-dir for batch mode, or with the OUTPUT `-` (standard output)' -r
complete -c imageio -n "__fish_imageio_using_subcommand convert" -l out-dir -d 'Batch mode: the directory the outputs go to (created if missing). Files found in a directory input keep their folders below it, files matched by a glob their folders below the glob\'s fixed part' -r
complete -c imageio -n "__fish_imageio_using_subcommand convert" -s j -l jobs -d 'Batch mode: how many files to convert at once (default: one per core)' -r
complete -c imageio -n "__fish_imageio_using_subcommand convert" -l max-alloc -d 'Refuse reads that would allocate more than BYTES for one array or buffer (default 2 GiB)' -r
complete -c imageio -n "__fish_imageio_using_subcommand convert" -l max-pixels -d 'Refuse images of more than N pixels (default 2^28)' -r
complete -c imageio -n "__fish_imageio_using_subcommand convert" -l max-size -d 'Refuse images wider or taller than N pixels (default 2^20)' -r
complete -c imageio -n "__fish_imageio_using_subcommand convert" -l all -d 'Read every image, stacked on a new first axis'
complete -c imageio -n "__fish_imageio_using_subcommand convert" -l auto-convert -d 'When the output format cannot store the image (its dtype, its alpha channel), convert it to the nearest thing the format stores and say so on stderr, once per file'
complete -c imageio -n "__fish_imageio_using_subcommand convert" -l no-overwrite -d 'Never replace an existing output file'
complete -c imageio -n "__fish_imageio_using_subcommand convert" -s r -s R -l recursive -d 'Batch mode: also convert the files in the subdirectories of directory inputs'
complete -c imageio -n "__fish_imageio_using_subcommand convert" -l continue-on-error -d 'Batch mode: keep converting the other files when one fails, and list the failures at the end (the default)'
complete -c imageio -n "__fish_imageio_using_subcommand convert" -l fail-fast -d 'Batch mode: stop at the first file that fails (files in progress finish; no new file starts)'
complete -c imageio -n "__fish_imageio_using_subcommand convert" -l json -d 'Print one JSON object per file on stdout: input, output, plugin, writer, shape, dtype, seconds, converted (what --auto-convert did) and error (null, or {"kind", "message"}); the summary goes to stderr'
complete -c imageio -n "__fish_imageio_using_subcommand convert" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c imageio -n "__fish_imageio_using_subcommand convert" -s V -l version -d 'Print version'
complete -c imageio -n "__fish_imageio_using_subcommand info" -l index -d 'Read image N (page, frame, array) instead of the first one' -r
complete -c imageio -n "__fish_imageio_using_subcommand info" -l plugin -d 'Read with this plugin' -r
complete -c imageio -n "__fish_imageio_using_subcommand info" -l read-option -d 'A read option of the input format' -r
complete -c imageio -n "__fish_imageio_using_subcommand info" -l max-alloc -d 'Refuse reads that would allocate more than BYTES for one array or buffer (default 2 GiB)' -r
complete -c imageio -n "__fish_imageio_using_subcommand info" -l max-pixels -d 'Refuse images of more than N pixels (default 2^28)' -r
complete -c imageio -n "__fish_imageio_using_subcommand info" -l max-size -d 'Refuse images wider or taller than N pixels (default 2^20)' -r
complete -c imageio -n "__fish_imageio_using_subcommand info" -l all -d 'Read every image, stacked on a new first axis'
complete -c imageio -n "__fish_imageio_using_subcommand info" -s r -s R -l recursive -d 'Also list the files in the subdirectories of directory inputs'
complete -c imageio -n "__fish_imageio_using_subcommand info" -l json -d 'Print JSON instead of text (one line per file)'
complete -c imageio -n "__fish_imageio_using_subcommand info" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c imageio -n "__fish_imageio_using_subcommand info" -s V -l version -d 'Print version'
complete -c imageio -n "__fish_imageio_using_subcommand plugins" -l json -d 'Print JSON instead of text'
complete -c imageio -n "__fish_imageio_using_subcommand plugins" -s h -l help -d 'Print help'
complete -c imageio -n "__fish_imageio_using_subcommand plugins" -s V -l version -d 'Print version'
complete -c imageio -n "__fish_imageio_using_subcommand bench" -s n -l repeat -d 'Timed reads per file, after one warm-up read (and timed encodes with --write)' -r
complete -c imageio -n "__fish_imageio_using_subcommand bench" -l write -d 'Also time encoding each file\'s array to this format (png, .jpg, ...) in memory, after the reads' -r
complete -c imageio -n "__fish_imageio_using_subcommand bench" -s o -l option -d 'A write option of the --write format (VALUE is read as an int, a float, true/false, or a string), as in `imageio convert -o`' -r
complete -c imageio -n "__fish_imageio_using_subcommand bench" -l all -d 'Read every image of each file (pages, frames), stacked'
complete -c imageio -n "__fish_imageio_using_subcommand bench" -l json -d 'Print JSON instead of text'
complete -c imageio -n "__fish_imageio_using_subcommand bench" -l cold -d 'Time only the first read of each file, without a warm-up read (the first file\'s is the process\'s first call: lazy setup included); -n is ignored'
complete -c imageio -n "__fish_imageio_using_subcommand bench" -s h -l help -d 'Print help'
complete -c imageio -n "__fish_imageio_using_subcommand bench" -s V -l version -d 'Print version'
complete -c imageio -n "__fish_imageio_using_subcommand help; and not __fish_seen_subcommand_from convert info plugins bench help" -f -a "convert" -d 'Read an image and write it in the format of the output\'s extension'
complete -c imageio -n "__fish_imageio_using_subcommand help; and not __fish_seen_subcommand_from convert info plugins bench help" -f -a "info" -d 'Show which plugin reads a file, its properties and its metadata'
complete -c imageio -n "__fish_imageio_using_subcommand help; and not __fish_seen_subcommand_from convert info plugins bench help" -f -a "plugins" -d 'List the linked plugins: formats, read/write ability and options'
complete -c imageio -n "__fish_imageio_using_subcommand help; and not __fish_seen_subcommand_from convert info plugins bench help" -f -a "bench" -d 'Time reading files in this process: a warm-up read, then N timed reads; reports the median and minimum seconds and the plugin used. With --write, also N encodes of each file\'s array to a format, in memory'
complete -c imageio -n "__fish_imageio_using_subcommand help; and not __fish_seen_subcommand_from convert info plugins bench help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
