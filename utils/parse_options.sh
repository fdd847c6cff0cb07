# Kaldi-style option parsing for recipe scripts; source it after declaring the defaults:
#
#   stage=0; stop_stage=100; use_gpu=false
#   . utils/parse_options.sh     # leaves the non-option arguments in "$@"
#
# - `--foo-bar VALUE` and `--foo_bar VALUE` set the shell variable foo_bar, which must already exist;
#   an undeclared option is an error. `--opt=value` forms are refused (write `--opt value`).
# - A variable whose current value is true or false accepts only true or false.
# - `--config FILE` sources FILE (shell assignments) before any other option is applied, so options on
#   the command line win over the file whatever their order.
# - `--help` (or -h) prints $help_message and exits 0.
# - Parsing stops at the first argument that is not an option, or after `--`.

__po_fail() {
    echo "${0##*/}: $*" >&2
    exit 1
}

# Pass 1: source every --config file in order.
__po_args=("$@")
__po_i=0
while [ "${__po_i}" -lt "${#__po_args[@]}" ]; do
    __po_arg=${__po_args[${__po_i}]}
    case "${__po_arg}" in
        --config)
            __po_file=${__po_args[$((__po_i + 1))]:-}
            [ -n "${__po_file}" ] || __po_fail "option --config needs a file"
            [ -f "${__po_file}" ] || __po_fail "config file '${__po_file}' does not exist"
            # shellcheck disable=SC1090
            . "${__po_file}"
            __po_i=$((__po_i + 2)) ;;
        --) break ;;
        --*) __po_i=$((__po_i + 2)) ;;
        -h) __po_i=$((__po_i + 1)) ;;
        *) break ;;
    esac
done

# Pass 2: every other option.
while [ $# -gt 0 ]; do
    case "$1" in
        --help|-h)
            printf '%s\n' "${help_message:-no help available for ${0##*/}}"
            exit 0 ;;
        --)
            shift
            break ;;
        --config)
            shift 2 ;;
        --*=*)
            __po_fail "write '${1%%=*} ${1#*=}' instead of '$1' (options take their value as the next argument)" ;;
        --*)
            __po_name=${1#--}
            __po_name=${__po_name//-/_}
            [[ "${__po_name}" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || __po_fail "invalid option '$1'"
            declare -p "${__po_name}" >/dev/null 2>&1 || __po_fail "unknown option '$1' (see --help)"
            [ $# -ge 2 ] || __po_fail "option '$1' needs a value"
            __po_old=${!__po_name}
            if { [ "${__po_old}" = true ] || [ "${__po_old}" = false ]; } && [ "$2" != true ] && [ "$2" != false ]; then
                __po_fail "option '$1' takes true or false, not '$2'"
            fi
            printf -v "${__po_name}" '%s' "$2"
            shift 2 ;;
        *)
            break ;;
    esac
done
unset __po_args __po_i __po_arg __po_file __po_name __po_old
unset -f __po_fail
