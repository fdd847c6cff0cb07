# The stages every corpus shares: obtain, prepare, dump, train, generate, score, select, report.
# A corpus's run.sh (linked: <recipe>/foley.sh -> ../TEMPLATE/foley.sh, like utils/ and path.sh) does:
#
#   . ./foley.sh                 # the generic options' defaults and the stage machinery (no side effect)
#   dataset=...                  # its own options: every variable set here is a --option of run.sh
#   corpus_help="  --dataset NAME   ..."   # their lines in --help
#   corpus_dataset() { ... }     # after option parsing (path.sh sourced); no side effect. Sets
#                                #   dataset_name     names data/<dataset_name>/ and dump/<dataset_name>/
#                                #   tag_dataset      the dataset's part of the derived tag ("": none)
#                                #   obtain_settings  (KEY=VALUE ...) what stage 0's marker records
#                                # and may add Hydra overrides to
#                                #   corpus_overrides what defines the corpus (data.category_set=...): every
#                                #                    Python stage gets them; they do not name the experiment
#                                #   named_overrides  from its options (data.categories=[...]): handled like
#                                #                    command-line overrides, so they name the experiment
#   corpus_obtain() { ... }      # stage 0: put the corpus at "$1" (data/<dataset_name>/source): category
#                                # folders, or a table that corpus_overrides describe (data.table.*); or
#                                # `fail` with one line saying what to do
#   foley_run "$@"               # parses the options and runs the selected stages
#
# A library of your own (a folder of category folders, or of a metadata table with data.table.* overrides):
# corpus_dataset calls `library_dataset DIR` and corpus_obtain calls `link_library "$1"` (recipes/custom).
#
# Side effects happen inside the stage that needs them: data stages (0-2) create and lock data/<dataset>/,
# experiment stages (3-7) create and lock exp/<tag>/ and record the command in exp/<tag>/run.sh. Before
# each stage TOOLKIT_LOG_DIR is exported: data/<dataset>/logs or exp/<tag>/logs. Each stage's .done marker
# records the settings it ran with (python -m toolkit.bin.marker; the rules: toolkit/markers.py).

log() {
    local fname=${BASH_SOURCE[1]##*/}
    echo -e "$(date '+%Y-%m-%dT%H:%M:%S') (${fname}:${BASH_LINENO[0]}:${FUNCNAME[1]}) $*" >&2
}
fail() {
    echo "$(date '+%Y-%m-%dT%H:%M:%S') error: $*" >&2
    exit 1
}

foley_template_dir=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)

stage=0                       # first stage to run
stop_stage=100                # last stage to run
ngpu=0                        # 0: train on CPU; N >= 1: torchrun --standalone with N processes (one machine)
tag=""                        # experiment tag; empty: derived from --experiment and the overrides
experiment=vifs               # preset conf/experiment/<name>.yaml (the recipe's, else the template's)
inference_ckpt=last           # checkpoint(s) (exp/<tag>/checkpoints/<name>.pt) that generate and score use;
                              # several, space-separated, are compared (e.g. "initial last": untrained vs trained)
vggish_weights=""             # torchvggish state dict: score with vggish in dcase2023 mode instead of soundnet
eval_stats=""                 # folder of official DCASE statistics (<category>/gt_embedding.pkl) to score against
force=false                   # true: redo the selected stages even when their .done marker exists
recipe_overrides=""           # Hydra overrides put before the command-line ones (set by conf/*.sh)
datadir=data                  # data/<dataset>/{source,train,valid}
dumpdir=dump                  # dump/<dataset>/ (feature cache)
expdir=exp                    # exp/<tag>/
python=python                 # interpreter of the Python stages
corpus_help=""
corpus_overrides=() named_overrides=() obtain_settings=()

foley_help() {
    cat <<EOF
Usage: $0 [options] [hydra overrides...]

Stages: 0 obtain data, 1 prepare manifests, 2 dump features, 3 train, 4 generate, 5 score,
        6 select, 7 report. A stage whose .done marker exists is skipped (--force true redoes it).

Options (defaults in brackets):
  --stage N                first stage to run [${stage}]
  --stop-stage N           last stage to run [${stop_stage}]
${corpus_help}
  --ngpu N                 GPUs of this machine for training (torchrun --standalone when N >= 1) [${ngpu}];
                           several machines: run torchrun yourself (docs/training.md)
  --tag TAG                experiment folder exp/TAG [derived from --experiment and the overrides]
  --experiment NAME        preset conf/experiment/NAME.yaml [${experiment}]
  --inference-ckpt "N..."  checkpoint(s) that generate and score use; several are compared [${inference_ckpt}]
  --vggish-weights PATH    score with VGGish in dcase2023 mode (official FAD) instead of SoundNet
  --eval-stats DIR         score against official statistics (<category>/gt_embedding.pkl), needs VGGish
  --force true|false       redo stages even when they are marked done [${force}]
  --config FILE            shell file of option values (e.g. conf/demo.sh)
  --help                   this message

Everything after the options is passed to every Python stage as Hydra overrides, e.g.
  ./run.sh --stage 3 model/prior_encoder=vits train.max_steps=1000
model.*, train.* and data.* overrides (and model=, model/<slot>= choices) name the experiment, except
model.optim.*, model.loss.* and train.max_steps/train.epochs, which a resumed training may change (e.g. a
lower learning rate, a longer training); generate.* settings name the generated set
exp/TAG/gen_<checkpoint>_<hash> and score.* settings (and --vggish-weights, --eval-stats) its scores
gen_*/score_<hash>: rescoring never generates again.
EOF
}

short_hash() {
    if command -v sha1sum >/dev/null 2>&1; then printf '%s' "$1" | sha1sum | cut -c1-8
    else printf '%s' "$1" | shasum | cut -c1-8; fi
}
sorted_lines() {
    [ $# -eq 0 ] || printf '%s\n' "$@" | LC_ALL=C sort
}
stage_selected() {  # N: true when stage N is between --stage and --stop-stage
    [ "${stage}" -le "$1" ] && [ "${stop_stage}" -ge "$1" ]
}
take_lock() {  # lock file, what it guards, advice
    local fd
    exec {fd}>"$1"
    if command -v flock >/dev/null 2>&1; then
        flock -n "${fd}" || fail "another run.sh is working on $2 (lock $1 is held); $3"
    else
        log "warning: flock not found; a second run on $2 is not stopped"
    fi
}

library_dataset() {  # DIR: the corpus is this folder, named by its base name; sets what corpus_dataset sets
    dataset=$(cd "$1" && pwd)
    dataset_name=$(basename "${dataset}" | tr -c 'A-Za-z0-9._\n-' '_')
    tag_dataset=${dataset_name}
    corpus_overrides=(data.category_set=folders)  # one category per folder, named exactly as it
    obtain_settings=("dataset=${dataset}")
}
link_library() {  # out: stage 0 of a library, a link to it at $1
    "${python}" -m toolkit.bin.obtain --dataset "${dataset}" --out "$1" || fail "stage 0 could not link ${dataset} (see above)"
}

# --- Entering a stage: its folder, lock and log folder (nothing of this happens before the stage runs).
data_stage() {  # at the start of stages 0-2
    stage_home=${data_dir}
    if [ -z "${data_entered:-}" ]; then
        mkdir -p "${data_dir}"
        take_lock "${data_dir}/.lock" "${data_dir}" "wait for it to finish (every experiment on this dataset shares its data)"
        data_entered=true
    fi
    export TOOLKIT_LOG_DIR=${data_dir}/logs
    mkdir -p "${TOOLKIT_LOG_DIR}"
}
experiment_stage() {  # at the start of stages 3-7
    stage_home=${exp}
    if [ -z "${exp_entered:-}" ]; then
        mkdir -p "${exp}"
        take_lock "${exp}/.lock" "${exp}" "wait for it to finish or choose another --tag"
        record_command
        exp_entered=true
    fi
    export TOOLKIT_LOG_DIR=${exp}/logs
    mkdir -p "${TOOLKIT_LOG_DIR}"
}
record_command() {  # exp/<tag>/run.sh: the command line of this run, to resume it
    {
        echo "#!/usr/bin/env bash"
        echo "# The command that last ran experiment ${tag}; rerun it to resume (add --stage N to start at stage N)."
        printf 'cd %q && ./run.sh' "$(pwd)"
        [ "${n_options}" -eq 0 ] || printf ' %q' "${recipe_args[@]:0:${n_options}}"
        printf ' "$@"'
        [ ${#command_overrides[@]} -eq 0 ] || printf ' %q' "${command_overrides[@]}"
        echo
    } > "${exp}/.run.sh.tmp"
    chmod +x "${exp}/.run.sh.tmp"
    mv "${exp}/.run.sh.tmp" "${exp}/run.sh"
}

# --- Python stages and .done markers.
launcher=()
hydra_stage_args() {  # name: sets stage_args, the Hydra arguments every Python stage gets (no name: no record)
    local searchpath=() record=("hydra.run.dir=${stage_home}/hydra/$1")
    [ -n "$1" ] || record=(hydra.run.dir=. hydra.output_subdir=null)
    [ ! -d conf ] || searchpath+=("file://$(pwd)/conf")
    searchpath+=("file://${foley_template_dir}/conf")
    stage_args=("hydra.searchpath=[$(IFS=,; echo "${searchpath[*]}")]" "+experiment=${experiment}" "exp_dir=${exp}"
                "${record[@]}" "data.dataset=${dataset_name}" "data.data_dir=${data_dir}"
                "data.dump_dir=${dump_dir}" ${corpus_overrides[@]+"${corpus_overrides[@]}"})
}
python_stage() {  # module, name, overrides...: a Hydra stage with the recipe's config and output folders
    local module=$1 name=$2
    shift 2
    hydra_stage_args "${name}"
    log "${launcher[*]:-${python}} -m ${module} ${stage_args[*]} $*"
    "${launcher[@]:-${python}}" -m "${module}" "${stage_args[@]}" "$@"
}
must_run() {  # stage, marker, overrides (obtain: KEY=VALUE settings)...: true when the stage is to run;
              # sets marker_settings (what mark_done records); a refused change stops run.sh
    local decision
    if [ "$1" = obtain ]; then
        decision=$("${python}" -m toolkit.bin.marker obtain "$2" "${force}" "${@:3}") || exit 1
    else
        hydra_stage_args ""
        decision=$("${python}" -m toolkit.bin.marker "$1" "$2" "${force}" "${stage_args[@]}" "${@:3}") || exit 1
    fi
    marker_settings=${decision#*$'\n'}
    [ "${decision%%$'\n'*}" = skip ] || return 0
    log "skipped ($2 exists)"
    return 1
}
already_done() {  # marker: true (logged) when it exists and --force is false (its folder's name holds the settings)
    [ "${force}" = false ] && [ -f "$1" ] || return 1
    log "skipped ($1 exists)"
}
mark_done() {  # marker settings [markers of later stages to invalidate...]
    printf '%s\n' "$2" | sed '/^$/d' > "$1.tmp"
    mv "$1.tmp" "$1"
    rm -f "${@:3}"
}
declare -gA gen_dirs=() score_dirs=()  # per checkpoint name, once asked for
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

foley_run() {
    recipe_args=("$@")  # the exact command line, recorded in exp/<tag>/run.sh
    help_message=$(foley_help)
    . ./utils/parse_options.sh
    n_options=$(( ${#recipe_args[@]} - $# ))  # recorded options come before "$@" in exp/<tag>/run.sh
    command_overrides=("$@")
    . ./path.sh
    for name in stage stop_stage ngpu; do
        [[ "${!name}" =~ ^[0-9]+$ ]] || fail "--${name//_/-} must be a non-negative integer, not '${!name}'"
    done
    corpus_dataset
    foley_setup
    foley_data_stages
    foley_experiment_stages
    log "Successfully finished. [elapsed=${SECONDS}s]"
}

foley_setup() {  # names: overrides by role, tag, folders (no side effect)
    local preset_overrides override key suffix
    read -r -a preset_overrides <<< "${recipe_overrides}"
    overrides=(${preset_overrides[@]+"${preset_overrides[@]}"} ${named_overrides[@]+"${named_overrides[@]}"}
               ${command_overrides[@]+"${command_overrides[@]}"})
    tag_overrides=() model_overrides=() later_overrides=()
    for override in ${overrides[@]+"${overrides[@]}"}; do
        key=${override%%=*}
        while [[ "${key}" == [+~]* ]]; do key=${key:1}; done
        case "${key}" in
            # how training proceeds, not what it trains: a resumed training may change them
            model.optim|model.optim.*|model.loss|model.loss.*) ;;
            train.max_steps|train.epochs) later_overrides+=("${override}") ;;
            model|model.*|model/*) tag_overrides+=("${override}"); model_overrides+=("${override}") ;;
            data|data.*|train|train.*) tag_overrides+=("${override}"); later_overrides+=("${override}") ;;
            *) later_overrides+=("${override}") ;;
        esac
    done
    # the experiment tag: deterministic, from the experiment name, the dataset and the overrides that name it
    if [ -z "${tag}" ]; then
        tag=${experiment}${tag_dataset:+_${tag_dataset}}
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
    dump_dir=${dumpdir}/${dataset_name}
    # scoring: SoundNet (offline) against the validation split, unless VGGish weights or official statistics are given
    score_overrides=("score.reference_dir=${eval_stats:-${data_dir}/valid/manifest.jsonl}")
    if [ -n "${vggish_weights}" ] || [ -n "${eval_stats}" ]; then
        score_overrides+=(score.embedding=vggish score.mode=dcase2023)
        [ -z "${vggish_weights}" ] || score_overrides+=("score.vggish_weights=$(cd "$(dirname "${vggish_weights}")" && pwd)/$(basename "${vggish_weights}")")
    fi
    obtain_done=${data_dir}/.obtain.done
    prepare_done=${data_dir}/.prepare.done
    dump_done=${dump_dir}/.dump.done
    log "experiment ${tag}: ${exp} (dataset ${dataset_name}, stages ${stage}-${stop_stage})"
}

foley_data_stages() {
    if stage_selected 0; then
        data_stage
        log "Stage 0: obtain ${dataset_name} -> ${data_dir}/source"
        if must_run obtain "${obtain_done}" ${obtain_settings[@]+"${obtain_settings[@]}"}; then
            corpus_obtain "${data_dir}/source"
            mark_done "${obtain_done}" "${marker_settings}" "${prepare_done}" "${dump_done}"
        fi
    fi
    if stage_selected 1; then
        data_stage
        log "Stage 1: prepare ${data_dir}/source -> ${data_dir}/{train,valid}/manifest.jsonl, ${data_dir}/rejected.tsv"
        if must_run prepare "${prepare_done}" ${overrides[@]+"${overrides[@]}"}; then
            python_stage toolkit.bin.prepare prepare ${overrides[@]+"${overrides[@]}"}
            mark_done "${prepare_done}" "${marker_settings}" "${dump_done}"
        fi
    fi
    if stage_selected 2; then
        data_stage
        log "Stage 2: dump features of ${data_dir}/{train,valid}/manifest.jsonl -> ${dump_dir}"
        if must_run dump "${dump_done}" ${overrides[@]+"${overrides[@]}"}; then
            python_stage toolkit.bin.dump dump ${overrides[@]+"${overrides[@]}"}
            mark_done "${dump_done}" "${marker_settings}"
        fi
    fi
}

foley_experiment_stages() {
    local ckpt trained_ckpt quality_args
    if stage_selected 3; then
        experiment_stage
        log "Stage 3: train ${tag} on ${dump_dir} -> ${exp}/checkpoints (resumes from last.pt)"
        if must_run train "${exp}/.train.done" ${overrides[@]+"${overrides[@]}"}; then
            [ "${ngpu}" -eq 0 ] || launcher=(torchrun --standalone --nproc_per_node "${ngpu}")
            # what the trainer's divergence advice tells the user to run (with a lower learning rate appended)
            TOOLKIT_RERUN="$(printf '%q' "$(cd "${exp}" && pwd)/run.sh") --stage 3 --stop-stage 3"
            export TOOLKIT_RERUN
            python_stage toolkit.bin.train train ${overrides[@]+"${overrides[@]}"}
            unset TOOLKIT_RERUN
            launcher=()
            mark_done "${exp}/.train.done" "${marker_settings}"
        fi
    fi

    if stage_selected 4; then
        experiment_stage
        for ckpt in ${inference_ckpt}; do
            stage_dirs "${ckpt}"
            log "Stage 4: generate from ${exp}/checkpoints/${ckpt}.pt -> ${gen_dir}"
            if ! already_done "${gen_dir}/.generate.done"; then
                python_stage toolkit.bin.generate generate "generate.checkpoint=${exp}/checkpoints/${ckpt}.pt" \
                    "generate.out_dir=${gen_dir}" ${later_overrides[@]+"${later_overrides[@]}"}
                mark_done "${gen_dir}/.generate.done" "" "${gen_dir}"/score_*/.score.done
            fi
        done
    fi

    if stage_selected 5; then
        experiment_stage
        for ckpt in ${inference_ckpt}; do
            stage_dirs "${ckpt}"
            log "Stage 5: score ${gen_dir}/audio against ${score_overrides[0]#*=} -> ${score_dir}/score.{json,md,png}"
            [ -f "${gen_dir}/.generate.done" ] || fail "${gen_dir} was not generated with these generate.* settings;" \
                "generate it first: ./run.sh --stage 4 (with the same options)"
            if ! already_done "${score_dir}/.score.done"; then
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

    if stage_selected 6; then
        experiment_stage
        log "Stage 6: select checkpoints x noise scales per category for ${exp} -> ${exp}/select/ensemble.yaml"
        if must_run select "${exp}/.select.done" "${score_overrides[@]}" ${later_overrides[@]+"${later_overrides[@]}"}; then
            python_stage toolkit.bin.select select "${score_overrides[@]}" ${later_overrides[@]+"${later_overrides[@]}"}
            mark_done "${exp}/.select.done" "${marker_settings}"
        fi
        log "Generate from the ensemble: ./run.sh --tag ${tag} --stage 4 --stop-stage 5 generate.ensemble=${exp}/select/ensemble.yaml"
    fi

    if stage_selected 7; then
        experiment_stage
        log "Stage 7: report of ${exp} -> ${exp}/report/index.html"
        if ! already_done "${exp}/.report.done"; then
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
}
