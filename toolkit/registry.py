"""The component registry: kinds, entry-point discovery with isolated loading, ABC checks, config nodes.

Every component (ours and third-party) is declared as an entry point in the group of its kind,
``foley_toolkit.<kind>s``. At start-up each entry point is imported in its own try/except, so a broken
plugin is listed with its error and fails only when selected. Our own built-ins are also declared in code
(:data:`BUILTIN_COMPONENTS`), so a plain source checkout works without installation.
"""
from __future__ import annotations

import importlib
import importlib.metadata as metadata
import inspect
import logging
import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from toolkit.errors import ComponentError, ConfigError

logger = logging.getLogger(__name__)

TOOLKIT_DISTRIBUTION = "foley-toolkit"
DISABLE_ENV = "TOOLKIT_DISABLE_PLUGINS"

#: kind -> (entry-point group, "module:Class" of the kind's abstract base class)
KINDS: dict[str, tuple[str, str]] = {
    "prior_encoder": ("foley_toolkit.prior_encoders", "toolkit.components.abs_prior_encoder:AbsPriorEncoder"),
    "posterior_encoder": (
        "foley_toolkit.posterior_encoders",
        "toolkit.components.abs_posterior_encoder:AbsPosteriorEncoder",
    ),
    "flow": ("foley_toolkit.flows", "toolkit.components.abs_flow:AbsFlow"),
    "decoder": ("foley_toolkit.decoders", "toolkit.components.abs_decoder:AbsDecoder"),
    "discriminator": ("foley_toolkit.discriminators", "toolkit.components.abs_discriminator:AbsDiscriminator"),
    "augmentation": ("foley_toolkit.augmentations", "toolkit.components.abs_augmentation:AbsAugmentation"),
    "embedding": ("foley_toolkit.embeddings", "toolkit.score.abs_embedding:AbsEmbedding"),
}

#: kinds that are slots of the model config (``model/<kind>=<name>``)
MODEL_SLOTS = ("prior_encoder", "posterior_encoder", "flow", "decoder", "discriminator", "augmentation")

#: Our own components; setup.cfg declares the same entry points (a test keeps the two in step).
BUILTIN_COMPONENTS: dict[str, dict[str, str]] = {
    "prior_encoder": {
        "vifs": "toolkit.components.prior_encoders.vifs:VIFSPriorEncoder",
        "vits": "toolkit.components.prior_encoders.vits:VITSPriorEncoder",
    },
    "posterior_encoder": {
        "wavenet": "toolkit.components.posterior_encoders.wavenet:WaveNetPosteriorEncoder",
    },
    "flow": {"residual_coupling": "toolkit.components.flows.residual_coupling:ResidualCouplingFlow"},
    "decoder": {
        "hifigan": "toolkit.components.decoders.hifigan:HiFiGANDecoder",
        "hifigan_multiscale": "toolkit.components.decoders.hifigan:MultiScaleHiFiGANDecoder",
        "alias_free": "toolkit.components.decoders.alias_free:AliasFreeHiFiGANDecoder",
        "alias_free_multiscale": "toolkit.components.decoders.alias_free:MultiScaleAliasFreeHiFiGANDecoder",
    },
    "discriminator": {
        "mpd_msd": "toolkit.components.discriminators.mpd_msd:MultiPeriodScaleDiscriminator",
        "avocodo": "toolkit.components.discriminators.avocodo:AvocodoDiscriminator",
    },
    "augmentation": {
        "none": "toolkit.components.augmentations.identity:NoAugmentation",
        "phaseaug": "toolkit.components.augmentations.phaseaug:PhaseAugmentation",
    },
    "embedding": {
        "vggish": "toolkit.score.vggish:VGGishEmbedding",
        "soundnet": "toolkit.score.soundnet:SoundNetEmbedding",
    },
}

#: Model-level dimensions the builder passes to any component constructor parameter of the same name.
SHARED_DIMENSIONS = (
    "n_categories",
    "inter_channels",
    "hidden_channels",
    "gin_channels",
    "spec_channels",
    "num_frames",
    "hop_length",
    "segment_size",
    "sample_rate",
)


def canonical_distribution(name: str) -> str:
    """PEP 503 normalisation, so ``Foo_Bar`` and ``foo-bar`` name the same distribution."""
    return re.sub(r"[-_.]+", "-", name).lower()


def disabled_distributions(environ: Mapping[str, str] | None = None) -> set[str]:
    """Distributions named in ``TOOLKIT_DISABLE_PLUGINS`` (our own cannot be disabled)."""
    raw = (environ if environ is not None else os.environ).get(DISABLE_ENV, "")
    names = {canonical_distribution(n.strip()) for n in raw.split(",") if n.strip()}
    if canonical_distribution(TOOLKIT_DISTRIBUTION) in names:
        logger.warning("%s cannot disable the toolkit's own built-in components; ignored", DISABLE_ENV)
        names.discard(canonical_distribution(TOOLKIT_DISTRIBUTION))
    return names


def import_object(value: str) -> Any:
    """Import ``"package.module:Attr.sub"``."""
    module_name, _, attr = value.partition(":")
    obj = importlib.import_module(module_name)
    for part in filter(None, attr.split(".")):
        obj = getattr(obj, part)
    return obj


def load_isolated(load: Callable[[], Any], what: str) -> tuple[Any, str | None]:
    """``(load(), None)``, or ``(None, one-line error)`` when loading a plugin fails in any way but Ctrl-C,
    including ``sys.exit()`` at import: one broken plugin must not end start-up or stop the others."""
    try:
        return load(), None
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # isolation: SystemExit included, on purpose
        logger.debug("failed to load %s", what, exc_info=True)
        return None, f"{type(exc).__name__}: {exc}".splitlines()[0]


def distribution_version(distribution: str) -> str:
    """The installed version of ``distribution``, or ``source`` (a checkout on sys.path, not installed)."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "source"


@dataclass
class ComponentInfo:
    """One name offered for one kind, with where it came from and whether it loaded."""

    kind: str
    name: str
    value: str
    distribution: str
    version: str
    cls: type | None = None
    error: str | None = None
    conflicts: list[str] = field(default_factory=list)

    @property
    def builtin(self) -> bool:
        return canonical_distribution(self.distribution) == canonical_distribution(TOOLKIT_DISTRIBUTION)

    @property
    def status(self) -> str:
        if self.conflicts:
            return "conflict: also offered by " + ", ".join(self.conflicts)
        return "ok" if self.error is None else f"error: {self.error}"

    @property
    def usable(self) -> bool:
        return self.cls is not None and self.error is None and not self.conflicts


@dataclass(frozen=True)
class EntryPointSpec:
    """What the registry needs of an entry point (tests build these directly)."""

    group: str
    name: str
    value: str
    distribution: str

    def load(self) -> Any:
        return import_object(self.value)


def installed_entry_points(groups: Iterable[str]) -> list[EntryPointSpec]:
    """Entry points of the given groups from installed distributions, de-duplicated."""
    seen: set[tuple[str, str, str, str]] = set()
    specs = []
    for group in groups:
        for ep in metadata.entry_points(group=group):
            dist = ep.dist.name if ep.dist is not None else "unknown"
            key = (group, ep.name, ep.value, canonical_distribution(dist))
            if key not in seen:
                seen.add(key)
                specs.append(EntryPointSpec(group, ep.name, ep.value, dist))
    return specs


class Registry:
    """Named components by kind, discovered from entry points and validated against each kind's ABC."""

    def __init__(
        self,
        entry_points: Callable[[Iterable[str]], list[EntryPointSpec]] = installed_entry_points,
        environ: Mapping[str, str] | None = None,
        include_builtins: bool = True,
    ):
        self._entries: dict[str, dict[str, ComponentInfo]] = {kind: {} for kind in KINDS}
        self._load(entry_points, environ, include_builtins)

    # -- discovery -------------------------------------------------------------------------------
    def _load(self, entry_points, environ, include_builtins: bool) -> None:
        disabled = disabled_distributions(environ)
        group_to_kind = {group: kind for kind, (group, _) in KINDS.items()}
        specs: list[EntryPointSpec] = []
        if include_builtins:
            for kind, names in BUILTIN_COMPONENTS.items():
                for name, value in names.items():
                    specs.append(EntryPointSpec(KINDS[kind][0], name, value, TOOLKIT_DISTRIBUTION))
        specs.extend(entry_points(list(group_to_kind)))
        for spec in specs:
            kind = group_to_kind.get(spec.group)
            if kind is None:
                continue
            if canonical_distribution(spec.distribution) in disabled:
                logger.info("skipping %s '%s' from disabled distribution %s", kind, spec.name, spec.distribution)
                continue
            self._add(kind, spec)

    def _add(self, kind: str, spec: EntryPointSpec) -> None:
        existing = self._entries[kind].get(spec.name)
        if existing is not None:
            same_dist = canonical_distribution(existing.distribution) == canonical_distribution(spec.distribution)
            if same_dist and existing.value == spec.value:
                return  # the same declaration seen twice (built-in table + installed metadata)
            if not same_dist:
                existing.conflicts.append(spec.distribution)
                logger.error(
                    "%s '%s' is offered by two distributions, %s and %s: uninstall one of them",
                    kind, spec.name, existing.distribution, spec.distribution,
                )
                return
        info = ComponentInfo(kind, spec.name, spec.value, spec.distribution, distribution_version(spec.distribution))
        obj, info.error = load_isolated(spec.load, f"{kind} '{spec.name}' from {spec.distribution}")
        if info.error is None:
            base = self.base_class(kind)
            if not (inspect.isclass(obj) and issubclass(obj, base)):
                info.error = f"{spec.value} is not a subclass of {base.__name__}"
            else:
                info.cls = obj
        self._entries[kind][spec.name] = info

    def register(self, kind: str, name: str, cls: type, distribution: str = TOOLKIT_DISTRIBUTION) -> None:
        """Register a class in code (used for built-ins and tests)."""
        self._check_kind(kind)
        spec = EntryPointSpec(KINDS[kind][0], name, f"{cls.__module__}:{cls.__qualname__}", distribution)
        self._add(kind, _LoadedSpec(spec, cls))

    # -- queries ---------------------------------------------------------------------------------
    @staticmethod
    def base_class(kind: str) -> type:
        return import_object(KINDS[kind][1])

    def _check_kind(self, kind: str) -> None:
        if kind not in KINDS:
            raise ComponentError(f"unknown component kind '{kind}'; kinds: {', '.join(KINDS)}")

    def infos(self, kind: str | None = None) -> list[ComponentInfo]:
        kinds = [kind] if kind else list(KINDS)
        for k in kinds:
            self._check_kind(k)
        return [info for k in kinds for _, info in sorted(self._entries[k].items())]

    def names(self, kind: str) -> list[str]:
        """Names that can be selected for ``kind`` (loaded, right type, no conflict)."""
        self._check_kind(kind)
        return sorted(name for name, info in self._entries[kind].items() if info.usable)

    def info(self, kind: str, name: str) -> ComponentInfo:
        self._check_kind(kind)
        info = self._entries[kind].get(name)
        if info is None:
            raise ComponentError(
                f"unknown {kind} '{name}'; available: {', '.join(self.names(kind)) or '(none)'}"
            )
        return info

    def get(self, kind: str, name: str) -> type:
        """The class registered as ``name`` for ``kind``, or one clear error."""
        info = self.info(kind, name)
        if info.conflicts:
            raise ComponentError(
                f"{kind} '{name}' is offered by two distributions, {info.distribution} and "
                f"{', '.join(info.conflicts)}: uninstall one, or disable one with {DISABLE_ENV}"
            )
        if info.error is not None:
            raise ComponentError(
                f"{kind} '{name}' from distribution {info.distribution} failed to load ({info.error}); "
                f"reinstall or fix that package, or disable it with {DISABLE_ENV}={info.distribution}"
            )
        return info.cls

    def build(self, kind: str, node: Mapping[str, Any], shared: Mapping[str, Any] | None = None, **runtime):
        """Instantiate the component a config node names: ``{name: ..., <constructor kwargs>}``.

        Constructor parameters not in the node are filled from ``shared`` (model-level dimensions) and
        ``runtime`` when the constructor accepts them. Keys the constructor does not accept are an error.
        """
        node = dict(node)
        name = node.pop("name", None)
        if name is None:
            raise ConfigError(f"the {kind} config has no 'name' key; choose one of: {', '.join(self.names(kind))}")
        cls = self.get(kind, str(name))
        params = inspect.signature(cls.__init__).parameters
        accepts_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
        unknown = [key for key in node if key not in params and not accepts_any]
        if unknown:
            valid = [p for p in params if p != "self" and params[p].kind is not inspect.Parameter.VAR_KEYWORD]
            raise ConfigError(
                f"unknown key(s) {', '.join(unknown)} for {kind} '{name}'; valid keys: {', '.join(valid)}"
            )
        for source in (shared or {}, runtime):
            for key, value in source.items():
                if key in params and key not in node:
                    node[key] = value
        return cls(**node)

    def config_node(self, kind: str, name: str) -> dict[str, Any]:
        """A config node built from the constructor's defaults (used for plugin components)."""
        cls = self.get(kind, name)
        node: dict[str, Any] = {"name": name}
        for pname, param in inspect.signature(cls.__init__).parameters.items():
            if pname == "self" or pname in SHARED_DIMENSIONS or param.default is inspect.Parameter.empty:
                continue
            if param.kind in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL):
                continue
            node[pname] = _plain(param.default)
        return node

    def store_plugin_configs(self, config_store) -> None:
        """Store a ConfigStore node for every usable third-party model component."""
        for kind in MODEL_SLOTS:
            for info in self.infos(kind):
                if info.builtin or not info.usable:
                    continue
                try:
                    node = self.config_node(kind, info.name)
                except (TypeError, ValueError) as exc:
                    logger.warning("no config node for %s '%s': %s", kind, info.name, exc)
                    continue
                config_store.store(group=f"model/{kind}", name=info.name, node=node, provider=info.distribution)


class _LoadedSpec(EntryPointSpec):
    """An entry point whose object is already at hand."""

    def __init__(self, spec: EntryPointSpec, obj: Any):
        super().__init__(spec.group, spec.name, spec.value, spec.distribution)
        object.__setattr__(self, "_obj", obj)

    def load(self) -> Any:
        return self._obj


def _plain(value: Any) -> Any:
    """Constructor defaults as plain config values (tuples become lists)."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"default {value!r} is not a plain config value")


_REGISTRY: Registry | None = None


def get_registry() -> Registry:
    """The process-wide registry, loaded on first use."""
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = Registry()
    return _REGISTRY
