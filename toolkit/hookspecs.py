"""pluggy hook specifications: the 1:N extension points of the toolkit.

Hooks are called with keyword arguments only. Implementations must not give their parameters default
values (pluggy 1.6 and 1.7 treat such defaults differently).
"""
import pluggy

PROJECT = "foley_toolkit"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def toolkit_register_configs(config_store):
    """Add config presets: ``config_store`` is Hydra's ``ConfigStore``; store nodes under any group."""


# --- Training loggers. The trainer calls them on rank 0 only, in the order toolkit_log_start, any number of
# toolkit_log_scalars/images/audio, toolkit_log_close (also when training fails). An implementation may
# declare any subset of a hook's arguments: one written for (step, scalars) alone keeps working.


@hookspec
def toolkit_log_start(exp_dir, config, rank, world_size, step):
    """A training run starts, or resumes at global ``step`` > 0: ``exp_dir`` is the experiment folder (an
    absolute ``pathlib.Path``, holding ``config.yaml`` and ``checkpoints/``), ``config`` the resolved config as
    a plain dict, ``rank`` the calling process (0) of ``world_size`` training processes."""


@hookspec
def toolkit_log_scalars(step, scalars):
    """Log training scalars: ``scalars`` maps a tag (e.g. ``loss/g/mel``) to a float, at global ``step``."""


@hookspec
def toolkit_log_images(step, images):
    """Log images: ``images`` maps a tag to an HxWx3 uint8 numpy array."""


@hookspec
def toolkit_log_audio(step, clips, sample_rate):
    """Log audio: ``clips`` maps a tag to a 1-D float numpy array in [-1, 1] at ``sample_rate`` Hz."""


@hookspec
def toolkit_log_close(step, status):
    """The run ends at global ``step``; ``status`` is ``finished``, ``failed`` (an exception) or ``interrupted``
    (Ctrl-C). Flush and release files and connections here."""


@hookspec
def toolkit_register_scorers(registry):
    """Add metrics: ``registry`` is a ``toolkit.score.scorers.ScorerRegistry``; call ``registry.add(name, fn)``."""


# --- Model sizes (model/size=NAME) ------------------------------------------------------------------------


@hookspec
def toolkit_model_sizes():
    """Sizes for this plugin's components: return ``{size: {slot: {component: {key: value}}}}``, e.g.
    ``{"tiny": {"prior_encoder": {"noise": {"n_layers": 2}}}}``. ``model/size=tiny`` merges the entry over the
    chosen component's config; the sizes are the toolkit's (toolkit/models/sizes.yaml: tiny, micro)."""
