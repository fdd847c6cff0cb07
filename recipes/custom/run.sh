#!/usr/bin/env bash
# Your own sound library through every stage: obtain (link), prepare, dump, train, generate, score,
# select, report. Run from this folder: ./run.sh --dataset /path/to/MySounds (one folder per category,
# <Category>/<clip>.wav; the folder names are the categories), or a folder holding a metadata table with
# data.table.* overrides (README, "Train on your own sounds"). `./run.sh --help` for options.
# The stages are the template's (foley.sh -> ../TEMPLATE/foley.sh); this file says where the data comes from.
set -euo pipefail

. ./foley.sh

dataset=""                    # the library: a folder of category folders, or of a table (data.table.path=...)
corpus_help="  --dataset DIR            your library (required): one folder per category (<Category>/<clip>.wav),
                           or a folder holding a metadata table (with data.table.path=... overrides)"

corpus_dataset() {
    [ -n "${dataset}" ] || fail "--dataset DIR is required: your library, one folder per category (<Category>/<clip>.wav)" \
                                "or a folder holding a metadata table (with data.table.path=...)"
    [ -d "${dataset}" ] || fail "--dataset ${dataset}: no such folder"
    library_dataset "${dataset}"
}

corpus_obtain() { link_library "$1"; }  # stage 0: a link to the library

foley_run "$@"
