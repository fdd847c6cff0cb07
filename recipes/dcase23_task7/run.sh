#!/usr/bin/env bash
# DCASE 2023 Task 7 (Foley sound synthesis): obtain data, prepare manifests, dump features, train,
# generate, score, select an ensemble, write a report. Run from this folder; `./run.sh --help` for options.
set -euo pipefail

log() {
    local fname=${BASH_SOURCE[1]##*/}
    echo -e "$(date '+%Y-%m-%dT%H:%M:%S') (${fname}:${BASH_LINENO[0]}:${FUNCNAME[1]}) $*" >&2
}
fail() {
    echo "$(date '+%Y-%m-%dT%H:%M:%S') error: $*" >&2
    exit 1
}

recipe_args=("$@")  # the exact command line, recorded in exp/<tag>/run.sh

stage=0                       # first stage to run
stop_stage=100                # last stage to run
dataset=dcase23               # dcase23 | demo | a folder of category folders (<Category>/<clip>.wav)
ngpu=0                        # 0: train on CPU; N >= 1: torchrun --standalone with N processes (one machine)
tag=""                        # experiment tag; empty: derived from --experiment and the overrides
experiment=vifs               # preset conf/experiment/<name>.yaml
inference_ckpt=last           # checkpoint(s) (exp/<tag>/checkpoints/<name>.pt) that generate and score use;
                              # several, space-separated, are compared (e.g. "initial last": untrained vs trained)
vggish_weights=""             # torchvggish state dict: score with vggish in dcase2023 mode instead of soundnet
eval_stats=""                 # folder of official DCASE statistics (<category>/gt_embedding.pkl) to score against
force=false                   # true: redo the selected stages even when their .done marker exists
demo_clips_per_category=40    # --dataset demo: clips synthesised per category
demo_seed=0                   # --dataset demo: seed of the synthesiser
recipe_overrides=""           # Hydra overrides put before the command-line ones (set by conf/*.sh)
datadir=data                  # data/<dataset>/{source,train,valid}
dumpdir=dump                  # dump/<dataset>/ (feature cache)
expdir=exp                    # exp/<tag>/
python=python                 # interpreter of the Python stages

help_message=$(cat <<EOF
Usage: $0 [options] [hydra overrides...]

Stages: 0 obtain data, 1 prepare manifests, 2 dump features, 3 train, 4 generate, 5 score,
        6 select, 7 report. A stage whose .done marker exists is skipped (--force true redoes it).

Options (defaults in brackets):
  --stage N                first stage to run [${stage}]
  --stop-stage N           last stage to run [${stop_stage}]
  --dataset NAME|DIR       dcase23, demo or a folder of category folders (your own sounds) [${dataset}]
  --ngpu N                 GPUs of this machine for training (torchrun --standalone when N >= 1) [${ngpu}];
                           several machines: run torchrun yourself (docs/training.md)
  --tag TAG                experiment folder exp/TAG [derived from --experiment and the overrides]
  --experiment NAME        preset conf/experiment/NAME.yaml [${experiment}]
  --inference-ckpt "N..."  checkpoint(s) that generate and score use; several are compared [${inference_ckpt}]
  --vggish-weights PATH    score with VGGish in dcase2023 mode (official FAD) instead of SoundNet
  --eval-stats DIR         score against official statistics (<category>/gt_embedding.pkl), needs VGGish
  --force true|false       redo stages even when they are marked done [${force}]
  --demo-clips-per-category N   clips per category of the demo set [${demo_clips_per_category}]
  --demo-seed N            seed of the demo synthesiser [${demo_seed}]
  --config FILE            shell file of option values (e.g. conf/demo.sh)
  --help                   this message

Everything after the options is passed to every Python stage as Hydra overrides, e.g.
  ./run.sh --stage 3 model/prior_encoder=vits train.max_steps=1000
model.*, train.* and data.* overrides (and model=, model/<slot>= choices) name the experiment, except
model.optim.* and model.loss.*, which a resumed training may change (e.g. a lower learning rate);
generate.* settings name the generated set exp/TAG/gen_<checkpoint>_<hash> and score.* settings (and
--vggish-weights, --eval-stats) its scores gen_*/score_<hash>: rescoring never generates again.
EOF
)

. ./utils/parse_options.sh
n_options=$(( ${#recipe_args[@]} - $# ))  # recorded options come before "$@" in exp/<tag>/run.sh
. ./path.sh
. ./db.sh

for name in stage stop_stage ngpu demo_clips_per_category demo_seed; do
    [[ "${!name}" =~ ^[0-9]+$ ]] || fail "--${name//_/-} must be a non-negative integer, not '${!name}'"
done

short_hash() {
    if command -v sha1sum >/dev/null 2>&1; then printf '%s' "$1" | sha1sum | cut -c1-8
    else printf '%s' "$1" | shasum | cut -c1-8; fi
}
sorted_lines() {
    [ $# -eq 0 ] || printf '%s\n' "$@" | LC_ALL=C sort
}

# --- Overrides: those that name the experiment, the model ones, and the generation/scoring options.
read -r -a preset_overrides <<< "${recipe_overrides}"
overrides=(${preset_overrides[@]+"${preset_overrides[@]}"} "$@")
tag_overrides=() model_overrides=() data_overrides=() later_overrides=()
for override in ${overrides[@]+"${overrides[@]}"}; do
    key=${override%%=*}
    while [[ "${key}" == [+~]* ]]; do key=${key:1}; done
    case "${key}" in
        model.optim|model.optim.*|model.loss|model.loss.*) ;;  # training settings: a resume may change them
        model|model.*|model/*) tag_overrides+=("${override}"); model_overrides+=("${override}") ;;
        data|data.*) tag_overrides+=("${override}"); data_overrides+=("${override}"); later_overrides+=("${override}") ;;
        train|train.*) tag_overrides+=("${override}"); later_overrides+=("${override}") ;;
        *) later_overrides+=("${override}") ;;
    esac
done

# --- Dataset name: the folders data/<name>/ and dump/<name>/.
category_set=folders  # the category set: one per folder, named exactly as it (dcase23: the 7 official ones)
case "${dataset}" in
    dcase23|demo) dataset_name=${dataset}; category_set=dcase23 ;;
    *)
        [ -d "${dataset}" ] || fail "--dataset ${dataset}: not dcase23, demo or an existing folder"
        dataset=$(cd "${dataset}" && pwd)
        dataset_name=$(basename "${dataset}" | tr -c 'A-Za-z0-9._\n-' '_')
        case "${dataset_name}" in dcase23|demo) dataset_name+="_folder" ;; esac ;;
esac

# --- Experiment tag: deterministic, from the experiment name and the overrides that define the model.
if [ -z "${tag}" ]; then
    tag=${experiment}
    [ "${dataset_name}" = dcase23 ] || tag+="_${dataset_name}"
    if [ ${#tag_overrides[@]} -gt 0 ]; then
        suffix=$(sorted_lines "${tag_overrides[@]}" | sed -e 's/^[+~]*//' -e 's#[/=]#-#g' \
            -e 's/[^A-Za-z0-9._-]/_/g' | paste -sd_ -)
        [ ${#suffix} -le 60 ] || suffix=$(short_hash "${suffix}")
        tag+="_${suffix}"
    fi
fi
[[ "${tag}" =~ ^[A-Za-z0-9._-]+$ ]] || fail "--tag '${tag}' may only use letters, digits, '.', '_' and '-'"
if [ "${stage}" -ge 4 ] && [ ${#model_overrides[@]} -gt 0 ]; then
    fail "model override '${model_overrides[0]}' given to stage ${stage}: stages >= 4 rebuild the model from" \
        "the checkpoint's saved config; to use the model trained with it, run with --tag ${tag} and no model override"
fi

exp=${expdir}/${tag}
data_dir=${datadir}/${dataset_name}
# Scoring: SoundNet (offline) against the validation split, unless VGGish weights or official statistics are given.
score_overrides=("score.reference_dir=${eval_stats:-${data_dir}/valid/manifest.jsonl}")
if [ -n "${vggish_weights}" ] || [ -n "${eval_stats}" ]; then
    score_overrides+=(score.embedding=vggish score.mode=dcase2023)
    [ -z "${vggish_weights}" ] || score_overrides+=("score.vggish_weights=$(cd "$(dirname "${vggish_weights}")" && pwd)/$(basename "${vggish_weights}")")
fi

dump_dir=${dumpdir}/${dataset_name}
data_settings=$(sorted_lines ${data_overrides[@]+"${data_overrides[@]}"})

# --- One run per experiment at a time (and one data preparation per dataset at a time).
mkdir -p "${exp}" "${data_dir}"
take_lock() {  # lock file, what it guards, advice
    local fd
    exec {fd}>"$1"
    if command -v flock >/dev/null 2>&1; then
        flock -n "${fd}" || fail "another run.sh is working on $2 (lock $1 is held); $3"
    else
        log "warning: flock not found; a second run on $2 is not stopped"
    fi
}
take_lock "${exp}/.lock" "${exp}" "wait for it to finish or choose another --tag"
if [ "${stage}" -le 2 ] && [ "${stop_stage}" -ge 0 ]; then
    take_lock "${data_dir}/.lock" "${data_dir}" "wait for it to finish (every experiment on this dataset shares its data)"
fi
{
    echo "#!/usr/bin/env bash"
    echo "# The command that last ran experiment ${tag}; rerun it to resume (add --stage N to start at stage N)."
    printf 'cd %q && ./run.sh' "$(pwd)"
    [ "${n_options}" -eq 0 ] || printf ' %q' "${recipe_args[@]:0:${n_options}}"
    printf ' "$@"'
    [ $# -eq 0 ] || printf ' %q' "$@"
    echo
} > "${exp}/.run.sh.tmp"
chmod +x "${exp}/.run.sh.tmp"
mv "${exp}/.run.sh.tmp" "${exp}/run.sh"
log "experiment ${tag}: ${exp} (dataset ${dataset_name}, stages ${stage}-${stop_stage})"
# Each Python stage appends its log to ${TOOLKIT_LOG_DIR}/<stage>.log (toolkit/log.py): data/<dataset>/logs
# for stages 0-2, exp/<tag>/logs from stage 3 on.
export TOOLKIT_LOG_DIR=${data_dir}/logs

# --- Stage helpers: .done markers hold the settings a stage ran with.
skip_stage() {  # marker settings: true when the stage is done with these settings and not forced
    [ "${force}" = false ] && [ -f "$1" ] || return 1
    local before
    before=$(paste -sd' ' "$1")
    if [ "$(cat "$1")" != "$2" ]; then
        fail "$1 was made with other settings (${before:-defaults}); add" \
            "--force true to redo the stage (other experiments on this dataset then use the new data)"
    fi
    log "skipped ($1 exists)"
}
mark_done() {  # marker settings [markers of later stages to invalidate...]
    printf '%s\n' "$2" | sed '/^$/d' > "$1.tmp"
    mv "$1.tmp" "$1"
    local later
    for later in "${@:3}"; do rm -f "${later}"; done
}
launcher=("${python}")
python_stage() {  # module, name, overrides...: a Hydra stage with the recipe's config and output folders
    local module=$1 name=$2
    shift 2
    local args=(--config-dir "$(pwd)/conf" "+experiment=${experiment}" "exp_dir=${exp}"
                "hydra.run.dir=${exp}/hydra/${name}" "data.dataset=${dataset_name}" "data.category_set=${category_set}"
                "data.data_dir=${data_dir}" "data.dump_dir=${dump_dir}" "$@")
    log "${launcher[*]} -m ${module} ${args[*]}"
    "${launcher[@]}" -m "${module}" "${args[@]}"
}
declare -A gen_dirs=() score_dirs=()  # per checkpoint name, once asked for
stage_dirs() {  # checkpoint name: sets gen_dir and score_dir, the folders stages 4 and 5 write for it
    if [ -z "${gen_dirs[$1]:-}" ]; then
        local dirs
        dirs=$(python_stage toolkit.bin.stage_dirs dirs "generate.checkpoint=${exp}/checkpoints/$1.pt" \
            "${score_overrides[@]}" ${later_overrides[@]+"${later_overrides[@]}"})
        gen_dirs[$1]=${dirs%%$'\n'*}
        score_dirs[$1]=${dirs#*$'\n'}
    fi
    gen_dir=${gen_dirs[$1]} score_dir=${score_dirs[$1]}
}
obtain_done=${data_dir}/.obtain.done
prepare_done=${data_dir}/.prepare.done
dump_done=${dump_dir}/.dump.done

if [ "${stage}" -le 0 ] && [ "${stop_stage}" -ge 0 ]; then
    case "${dataset_name}" in
        demo) settings="demo clips_per_category=${demo_clips_per_category} seed=${demo_seed}"
              obtain_args=(--dataset demo --clips-per-category "${demo_clips_per_category}" --seed "${demo_seed}") ;;
        dcase23) settings="dcase23"
                 obtain_args=(--dataset dcase23 --root "${DCASE23_ROOT}" --url "${DCASE23_URL}"
                              --checksum "${DCASE23_CHECKSUM}" --download-dir downloads)
                 [ "${DCASE23_VERIFY}" = true ] || obtain_args+=(--no-verify) ;;
        *) settings="folder ${dataset}"
           obtain_args=(--dataset "${dataset}") ;;
    esac
    log "Stage 0: obtain ${dataset} -> ${data_dir}/source"
    if ! skip_stage "${obtain_done}" "${settings}"; then
        obtained=0
        "${python}" -m toolkit.bin.obtain "${obtain_args[@]}" --out "${data_dir}/source" || obtained=$?
        if [ "${obtained}" -ne 0 ]; then
            [ "${dataset_name}" != dcase23 ] || fail "stage 0 could not obtain the DCASE 2023 data (see above);" \
                "--dataset demo runs every stage on a synthesised set without it"
            fail "stage 0 could not obtain ${dataset} (see above)"
        fi
        mark_done "${obtain_done}" "${settings}" "${prepare_done}" "${dump_done}"
    fi
fi

if [ "${stage}" -le 1 ] && [ "${stop_stage}" -ge 1 ]; then
    log "Stage 1: prepare ${data_dir}/source -> ${data_dir}/{train,valid}/manifest.jsonl, ${data_dir}/rejected.tsv"
    if ! skip_stage "${prepare_done}" "${data_settings}"; then
        python_stage toolkit.bin.prepare prepare ${overrides[@]+"${overrides[@]}"}
        mark_done "${prepare_done}" "${data_settings}" "${dump_done}"
    fi
fi

if [ "${stage}" -le 2 ] && [ "${stop_stage}" -ge 2 ]; then
    log "Stage 2: dump features of ${data_dir}/{train,valid}/manifest.jsonl -> ${dump_dir}"
    if ! skip_stage "${dump_done}" "${data_settings}"; then
        python_stage toolkit.bin.dump dump ${overrides[@]+"${overrides[@]}"}
        mark_done "${dump_done}" "${data_settings}"
    fi
fi

export TOOLKIT_LOG_DIR=${exp}/logs
if [ "${stage}" -le 3 ] && [ "${stop_stage}" -ge 3 ]; then
    log "Stage 3: train ${tag} on ${dump_dir} -> ${exp}/checkpoints (resumes from last.pt)"
    if ! skip_stage "${exp}/.train.done" ""; then
        [ "${ngpu}" -eq 0 ] || launcher=(torchrun --standalone --nproc_per_node "${ngpu}")
        # what the trainer's divergence advice tells the user to run (with a lower learning rate appended)
        TOOLKIT_RERUN="$(printf '%q' "$(cd "${exp}" && pwd)/run.sh") --stage 3 --stop-stage 3"
        export TOOLKIT_RERUN
        python_stage toolkit.bin.train train ${overrides[@]+"${overrides[@]}"}
        unset TOOLKIT_RERUN
        launcher=("${python}")
        mark_done "${exp}/.train.done" ""
    fi
fi

if [ "${stage}" -le 4 ] && [ "${stop_stage}" -ge 4 ]; then
    for ckpt in ${inference_ckpt}; do
        stage_dirs "${ckpt}"
        log "Stage 4: generate from ${exp}/checkpoints/${ckpt}.pt -> ${gen_dir}"
        if ! skip_stage "${gen_dir}/.generate.done" ""; then
            python_stage toolkit.bin.generate generate "generate.checkpoint=${exp}/checkpoints/${ckpt}.pt" \
                "generate.out_dir=${gen_dir}" ${later_overrides[@]+"${later_overrides[@]}"}
            mark_done "${gen_dir}/.generate.done" "" "${gen_dir}"/score_*/.score.done
        fi
    done
fi

if [ "${stage}" -le 5 ] && [ "${stop_stage}" -ge 5 ]; then
    for ckpt in ${inference_ckpt}; do
        stage_dirs "${ckpt}"
        log "Stage 5: score ${gen_dir}/audio against ${score_overrides[0]#*=} -> ${score_dir}/score.{json,md,png}"
        [ -f "${gen_dir}/.generate.done" ] || fail "${gen_dir} was not generated with these generate.* settings;" \
            "generate it first: ./run.sh --stage 4 (with the same options)"
        if ! skip_stage "${score_dir}/.score.done" ""; then
            python_stage toolkit.bin.score_stage score "score.generated_dir=${gen_dir}/audio" \
                "score.out_dir=${score_dir}" "${score_overrides[@]}" ${later_overrides[@]+"${later_overrides[@]}"}
            mark_done "${score_dir}/.score.done" ""
        fi
    done
    "${python}" -m toolkit.bin.compare "${exp}"
    # Audible and varied? The last checkpoint's set against the real validation clips (and, for FAD/KAD,
    # the untrained model's set when "initial" was generated too) -> exp/<tag>/quality.{json,md}
    trained_ckpt=${inference_ckpt##* }
    stage_dirs "${trained_ckpt}"
    quality_args=("${gen_dir}" "${data_dir}/valid/manifest.jsonl" --out "${exp}")
    if [ "${trained_ckpt}" != initial ] && [[ " ${inference_ckpt} " == *" initial "* ]]; then
        stage_dirs initial
        quality_args+=(--untrained "${gen_dir}")
    fi
    "${python}" -m toolkit.bin.quality "${quality_args[@]}" > /dev/null
    log "Audibility and variety against the targets: ${exp}/quality.md"
fi

if [ "${stage}" -le 6 ] && [ "${stop_stage}" -ge 6 ]; then
    log "Stage 6: select checkpoints x noise scales per category for ${exp} -> ${exp}/select/ensemble.yaml"
    if ! skip_stage "${exp}/.select.done" ""; then
        python_stage toolkit.bin.select select "${score_overrides[@]}" ${later_overrides[@]+"${later_overrides[@]}"}
        mark_done "${exp}/.select.done" ""
    fi
    log "Generate from the ensemble: ./run.sh --tag ${tag} --stage 4 --stop-stage 5 generate.ensemble=${exp}/select/ensemble.yaml"
fi

if [ "${stage}" -le 7 ] && [ "${stop_stage}" -ge 7 ]; then
    log "Stage 7: report of ${exp} -> ${exp}/report/index.html"
    if ! skip_stage "${exp}/.report.done" ""; then
        "${python}" -m toolkit.bin.report "${exp}"
        mark_done "${exp}/.report.done" ""
    fi
fi

if [ "${stop_stage}" -ge 4 ]; then
    for ckpt in "${!gen_dirs[@]}"; do
        [ ! -d "${gen_dirs[${ckpt}]}" ] || log "Generated sounds (${ckpt}): ${gen_dirs[${ckpt}]}/audio"
    done
    [ "${stop_stage}" -lt 5 ] || [ ! -f "${exp}/scores.md" ] || log "Score table: ${exp}/scores.md"
    [ "${stop_stage}" -lt 7 ] || [ ! -f "${exp}/report/index.html" ] || log "Report: ${exp}/report/index.html"
fi
if [ "${stop_stage}" -ge 5 ] && [ -f "${exp}/quality.md" ]; then
    cat "${exp}/quality.md"
fi
log "Successfully finished. [elapsed=${SECONDS}s]"
