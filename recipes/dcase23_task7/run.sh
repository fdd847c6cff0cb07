#!/usr/bin/env bash
# DCASE 2023 Task 7 (Foley sound synthesis): obtain data, prepare manifests, dump features, train,
# generate, score, select an ensemble, write a report. Run from this folder; `./run.sh --help` for options.
# The stages are the template's (foley.sh -> ../TEMPLATE/foley.sh); this file says where the data comes from.
set -euo pipefail

. ./foley.sh
. ./db.sh

dataset=dcase23               # dcase23 | demo | a folder of category folders (<Category>/<clip>.wav)
demo_clips_per_category=40    # --dataset demo: clips synthesised per category
demo_seed=0                   # --dataset demo: seed of the synthesiser
corpus_help="  --dataset NAME|DIR       dcase23, demo or a folder of category folders (your own sounds) [${dataset}]
  --demo-clips-per-category N   clips per category of the demo set [${demo_clips_per_category}]
  --demo-seed N            seed of the demo synthesiser [${demo_seed}]"

corpus_dataset() {
    for name in demo_clips_per_category demo_seed; do
        [[ "${!name}" =~ ^[0-9]+$ ]] || fail "--${name//_/-} must be a non-negative integer, not '${!name}'"
    done
    case "${dataset}" in
        dcase23|demo)
            dataset_name=${dataset} tag_dataset=${dataset#dcase23}  # the default dataset does not enter the tag
            corpus_overrides=(data.category_set=dcase23)  # the 7 official names and ids
            obtain_settings=("dataset=${dataset}") ;;
        *)
            [ -d "${dataset}" ] || fail "--dataset ${dataset}: not dcase23, demo or an existing folder"
            library_dataset "${dataset}"  # your own sounds (recipes/custom is meant for them)
            case "${dataset_name}" in dcase23|demo) dataset_name+="_folder" tag_dataset+="_folder" ;; esac ;;
    esac
    [ "${dataset_name}" != demo ] || obtain_settings+=("clips_per_category=${demo_clips_per_category}" "seed=${demo_seed}")
}

corpus_obtain() {  # out: the dataset in the <Category>/<clip>.wav layout at $1
    case "${dataset_name}" in
        demo) "${python}" -m toolkit.bin.obtain --dataset demo --clips-per-category "${demo_clips_per_category}" \
                  --seed "${demo_seed}" --out "$1" || fail "stage 0 could not synthesise the demo set (see above)" ;;
        dcase23)
            local verify=()
            [ "${DCASE23_VERIFY}" = true ] || verify=(--no-verify)
            "${python}" -m toolkit.bin.obtain --dataset dcase23 --root "${DCASE23_ROOT}" --url "${DCASE23_URL}" \
                --checksum "${DCASE23_CHECKSUM}" --download-dir downloads ${verify[@]+"${verify[@]}"} --out "$1" \
                || fail "stage 0 could not obtain the DCASE 2023 data (see above);" \
                        "--dataset demo runs every stage on a synthesised set without it" ;;
        *) link_library "$1" ;;
    esac
}

foley_run "$@"
