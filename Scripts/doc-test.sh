#!/usr/bin/env bash
# Run the command blocks of a Markdown document and check what they print.
#
#   Scripts/doc-test.sh docs/tour.md
#
# A fenced block runs when the last non-blank line before its opening fence is
#
#     <!-- run -->            the commands must succeed
#     <!-- run: exit N -->    the block must end with exit status N
#
# Blocks run in document order from the repository root, each with `bash -e`
# (so the first failing command ends it); variables a block exports are set
# for the blocks after it. A fenced block marked `<!-- output -->` lists lines
# the last run block's output (stdout and stderr) must contain, in that order:
# each is found as a whole line, `…` standing for any text within it; a line
# that is only `…` stands for lines left out, and is skipped.
#
# Exit status: 0 when every block ran as marked and printed what was quoted,
# 1 otherwise (each failure names the block's line in the document), 2 on bad
# usage.
set -euo pipefail

if [ $# -ne 1 ] || [ ! -f "$1" ]; then
    echo "usage: $0 DOCUMENT.md" >&2
    exit 2
fi
doc=$1
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Split the document: N.sh (the commands of the N-th run block), N.exit (its
# expected status), N.line (its fence's line number), N.expect (quoted output).
awk -v dir="$work" '
    function fail(msg) { print FILENAME ":" FNR ": " msg > "/dev/stderr"; bad = 1; exit 2 }
    /^<!-- run -->$/ { marker = "run"; code = 0; next }
    /^<!-- run: exit [0-9]+ -->$/ { marker = "run"; code = $4 + 0; next }
    /^<!-- output -->$/ { marker = "output"; next }
    /^```/ {
        if (mode != "") { close(file); mode = ""; next }
        if (marker == "run") {
            n++
            mode = "run"; file = dir "/" n ".sh"
            printf "" > file
            print code > (dir "/" n ".exit"); close(dir "/" n ".exit")
            print FNR > (dir "/" n ".line"); close(dir "/" n ".line")
        } else if (marker == "output") {
            if (n == 0) fail("an output block before any run block")
            mode = "output"; file = dir "/" n ".expect"
        } else {
            mode = "skip"
        }
        marker = ""
        next
    }
    mode == "run" || mode == "output" { print >> file; next }
    mode == "skip" { next }
    /[^[:space:]]/ { marker = "" }
    END { if (bad) exit 2; if (mode != "") fail("a fenced block is not closed"); print n + 0 > (dir "/count") }
' "$doc"

# Whether every line of EXPECT occurs in OUTPUT, in order (see above).
check() {
    awk '
        # Whether the output line s is the quoted line: equal, or with each
        # "…" standing for any text (the first and last pieces anchored).
        function matches(s, pattern,   parts, k, m, at, i, tail) {
            m = split(pattern, parts, "…")
            if (m == 1) return s == pattern
            if (substr(s, 1, length(parts[1])) != parts[1]) return 0
            at = length(parts[1]) + 1
            for (k = 2; k < m; k++) {
                if (parts[k] == "") continue
                i = index(substr(s, at), parts[k])
                if (i == 0) return 0
                at += i - 1 + length(parts[k])
            }
            tail = length(s) - length(parts[m]) + 1
            return tail >= at && substr(s, tail) == parts[m]
        }
        { sub(/[[:space:]]+$/, "") }
        FNR == NR { want[++w] = $0; next }
        { got[++g] = $0 }
        END {
            j = 1
            for (q = 1; q <= w; q++) {
                if (want[q] ~ /^[[:space:]]*(…)?[[:space:]]*$/) continue
                while (j <= g && !matches(got[j], want[q])) j++
                if (j > g) { print "    not in the output (in this order): " want[q]; missing = 1 }
                else j++
            }
            exit missing
        }
    ' "$1" "$2"
}

cd "$root"
count=$(cat "$work/count")
failed=0
: > "$work/env"
for i in $(seq 1 "$count"); do
    line=$(cat "$work/$i.line")
    want=$(cat "$work/$i.exit")
    echo "== $doc:$line"
    sed 's/^/   $ /' "$work/$i.sh"
    set +e
    bash -e -c 'source "$1"; source "$2"; export -p > "$1"' doc-test "$work/env" "$work/$i.sh" > "$work/$i.out" 2>&1
    status=$?
    set -e
    cat "$work/$i.out"
    if [ "$status" -ne "$want" ]; then
        echo "FAIL $doc:$line: exit status $status, expected $want" >&2
        failed=1
    elif [ -f "$work/$i.expect" ] && ! check "$work/$i.expect" "$work/$i.out" > "$work/$i.missing"; then
        echo "FAIL $doc:$line: the output no longer contains what $doc quotes:" >&2
        cat "$work/$i.missing" >&2
        failed=1
    fi
done
if [ "$failed" -ne 0 ]; then
    echo "$doc: some blocks failed (above)" >&2
    exit 1
fi
echo "$doc: all $count command blocks ran and printed what the document quotes"
