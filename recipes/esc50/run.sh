#!/usr/bin/env bash
# ESC-50 (2,000 environmental sounds of 50 classes, 5 s each): obtain, prepare, dump, train, generate,
# score, select, report. Run from this folder; `./run.sh --help` for options; README.md for the data, its
# licence and what a run costs. The stages are the template's (foley.sh -> ../TEMPLATE/foley.sh); this file
# says where the data comes from.
set -euo pipefail

. ./foley.sh
. ./db.sh

categories=""                 # a subset of the classes, e.g. "dog rain" (empty: all 50); ids keep ESC-50's order
corpus_help="  --categories \"A B ...\"   a subset of the 50 classes (data.categories), e.g. \"dog rain\" [all]"

corpus_dataset() {
    dataset_name=esc50 tag_dataset=esc50
    corpus_overrides=(data=esc50)  # conf/data/esc50.yaml: the table and its columns, fold 5 for validation, 5-s clips
    obtain_settings=("root=${ESC50_ROOT}" "url=${ESC50_URL}" "verify=${ESC50_VERIFY}" "full_size=${ESC50_FULL_SIZE}")
    if [ -n "${categories}" ]; then
        local names
        read -r -a names <<< "${categories//,/ }"
        [ ${#names[@]} -gt 0 ] || fail "--categories '${categories}' names no class"
        # sorted: the ids follow ESC-50's order anyway, so one subset gets one tag however it is written
        named_overrides=("data.categories=[$(sorted_lines "${names[@]}" | paste -sd, -)]")
        # a subset is a dataset of its own (data/esc50_<names>/): subsets never share prepared data
        dataset_name+=_$(sorted_lines "${names[@]}" | paste -sd- - | tr -c 'A-Za-z0-9._\n-' '_')
        [ ${#dataset_name} -le 60 ] || dataset_name=esc50_$(short_hash "${dataset_name}")
    fi
}

corpus_obtain() {  # stage 0: a link to a verified copy at $1
    local checks=()
    [ "${ESC50_VERIFY}" = true ] || checks+=(--no-verify)
    [ "${ESC50_FULL_SIZE}" = true ] || checks+=(--any-size)
    "${python}" -m toolkit.bin.obtain --dataset esc50 --root "${ESC50_ROOT}" --url "${ESC50_URL}" \
        --checksum "${ESC50_CHECKSUM}" --download-dir downloads ${checks[@]+"${checks[@]}"} --out "$1" \
        || fail "stage 0 could not obtain ESC-50 (see above)"
}

foley_run "$@"
