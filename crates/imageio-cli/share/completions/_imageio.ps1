
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'imageio' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'imageio'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'imageio' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('convert', 'convert', [CompletionResultType]::ParameterValue, 'Read an image and write it in the format of the output''s extension')
            [CompletionResult]::new('info', 'info', [CompletionResultType]::ParameterValue, 'Show which plugin reads a file, its properties and its metadata')
            [CompletionResult]::new('plugins', 'plugins', [CompletionResultType]::ParameterValue, 'List the linked plugins: formats, read/write ability and options')
            [CompletionResult]::new('bench', 'bench', [CompletionResultType]::ParameterValue, 'Time reading files in this process: a warm-up read, then N timed reads; reports the median and minimum seconds and the plugin used. With --write, also N encodes of each file''s array to a format, in memory')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'imageio;convert' {
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Read image N (page, frame, array) instead of the first one')
            [CompletionResult]::new('--mode', '--mode', [CompletionResultType]::ParameterName, 'Convert to this colour mode after reading')
            [CompletionResult]::new('--dtype', '--dtype', [CompletionResultType]::ParameterName, 'Convert the samples to this type after reading (and after --mode), rescaling values as described below')
            [CompletionResult]::new('--plugin', '--plugin', [CompletionResultType]::ParameterName, 'Read with this plugin (see `imageio plugins`)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'A write option of the output format (VALUE is read as an int, a float, true/false, or a string)')
            [CompletionResult]::new('--option', '--option', [CompletionResultType]::ParameterName, 'A write option of the output format (VALUE is read as an int, a float, true/false, or a string)')
            [CompletionResult]::new('--read-option', '--read-option', [CompletionResultType]::ParameterName, 'A read option of the input format')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The output format (png, npy, tif, ...): with --out-dir for batch mode, or with the OUTPUT `-` (standard output)')
            [CompletionResult]::new('--out-dir', '--out-dir', [CompletionResultType]::ParameterName, 'Batch mode: the directory the outputs go to (created if missing). Files found in a directory input keep their folders below it, files matched by a glob their folders below the glob''s fixed part')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Batch mode: how many files to convert at once (default: one per core)')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Batch mode: how many files to convert at once (default: one per core)')
            [CompletionResult]::new('--max-alloc', '--max-alloc', [CompletionResultType]::ParameterName, 'Refuse reads that would allocate more than BYTES for one array or buffer (default 2 GiB)')
            [CompletionResult]::new('--max-pixels', '--max-pixels', [CompletionResultType]::ParameterName, 'Refuse images of more than N pixels (default 2^28)')
            [CompletionResult]::new('--max-size', '--max-size', [CompletionResultType]::ParameterName, 'Refuse images wider or taller than N pixels (default 2^20)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Read every image, stacked on a new first axis')
            [CompletionResult]::new('--auto-convert', '--auto-convert', [CompletionResultType]::ParameterName, 'When the output format cannot store the image (its dtype, its alpha channel), convert it to the nearest thing the format stores and say so on stderr, once per file')
            [CompletionResult]::new('--no-overwrite', '--no-overwrite', [CompletionResultType]::ParameterName, 'Never replace an existing output file')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Batch mode: also convert the files in the subdirectories of directory inputs')
            [CompletionResult]::new('-R', '-R ', [CompletionResultType]::ParameterName, 'Batch mode: also convert the files in the subdirectories of directory inputs')
            [CompletionResult]::new('--recursive', '--recursive', [CompletionResultType]::ParameterName, 'Batch mode: also convert the files in the subdirectories of directory inputs')
            [CompletionResult]::new('--continue-on-error', '--continue-on-error', [CompletionResultType]::ParameterName, 'Batch mode: keep converting the other files when one fails, and list the failures at the end (the default)')
            [CompletionResult]::new('--fail-fast', '--fail-fast', [CompletionResultType]::ParameterName, 'Batch mode: stop at the first file that fails (files in progress finish; no new file starts)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per file on stdout: input, output, plugin, writer, shape, dtype, seconds, converted (what --auto-convert did) and error (null, or {"kind", "message"}); the summary goes to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'imageio;info' {
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Read image N (page, frame, array) instead of the first one')
            [CompletionResult]::new('--plugin', '--plugin', [CompletionResultType]::ParameterName, 'Read with this plugin')
            [CompletionResult]::new('--read-option', '--read-option', [CompletionResultType]::ParameterName, 'A read option of the input format')
            [CompletionResult]::new('--max-alloc', '--max-alloc', [CompletionResultType]::ParameterName, 'Refuse reads that would allocate more than BYTES for one array or buffer (default 2 GiB)')
            [CompletionResult]::new('--max-pixels', '--max-pixels', [CompletionResultType]::ParameterName, 'Refuse images of more than N pixels (default 2^28)')
            [CompletionResult]::new('--max-size', '--max-size', [CompletionResultType]::ParameterName, 'Refuse images wider or taller than N pixels (default 2^20)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Read every image, stacked on a new first axis')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Also list the files in the subdirectories of directory inputs')
            [CompletionResult]::new('-R', '-R ', [CompletionResultType]::ParameterName, 'Also list the files in the subdirectories of directory inputs')
            [CompletionResult]::new('--recursive', '--recursive', [CompletionResultType]::ParameterName, 'Also list the files in the subdirectories of directory inputs')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of text (one line per file)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'imageio;plugins' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of text')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'imageio;bench' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Timed reads per file, after one warm-up read (and timed encodes with --write)')
            [CompletionResult]::new('--repeat', '--repeat', [CompletionResultType]::ParameterName, 'Timed reads per file, after one warm-up read (and timed encodes with --write)')
            [CompletionResult]::new('--write', '--write', [CompletionResultType]::ParameterName, 'Also time encoding each file''s array to this format (png, .jpg, ...) in memory, after the reads')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'A write option of the --write format (VALUE is read as an int, a float, true/false, or a string), as in `imageio convert -o`')
            [CompletionResult]::new('--option', '--option', [CompletionResultType]::ParameterName, 'A write option of the --write format (VALUE is read as an int, a float, true/false, or a string), as in `imageio convert -o`')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Read every image of each file (pages, frames), stacked')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of text')
            [CompletionResult]::new('--cold', '--cold', [CompletionResultType]::ParameterName, 'Time only the first read of each file, without a warm-up read (the first file''s is the process''s first call: lazy setup included); -n is ignored')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'imageio;help' {
            [CompletionResult]::new('convert', 'convert', [CompletionResultType]::ParameterValue, 'Read an image and write it in the format of the output''s extension')
            [CompletionResult]::new('info', 'info', [CompletionResultType]::ParameterValue, 'Show which plugin reads a file, its properties and its metadata')
            [CompletionResult]::new('plugins', 'plugins', [CompletionResultType]::ParameterValue, 'List the linked plugins: formats, read/write ability and options')
            [CompletionResult]::new('bench', 'bench', [CompletionResultType]::ParameterValue, 'Time reading files in this process: a warm-up read, then N timed reads; reports the median and minimum seconds and the plugin used. With --write, also N encodes of each file''s array to a format, in memory')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'imageio;help;convert' {
            break
        }
        'imageio;help;info' {
            break
        }
        'imageio;help;plugins' {
            break
        }
        'imageio;help;bench' {
            break
        }
        'imageio;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
