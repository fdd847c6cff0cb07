"""pluggy hooks: specs, keyword-only calls, validation of implementations, check_pending."""
from __future__ import annotations

import pluggy
import pytest

from toolkit import hookimpl, hookspecs
from toolkit.plugins import get_plugin_manager, load_plugin_manager


class RecordingLogger:
    def __init__(self):
        self.calls = []

    @hookimpl
    def toolkit_log_scalars(self, step, scalars):
        self.calls.append((step, dict(scalars)))


def test_loaded_manager_has_no_pending_implementations():
    pm, failures = load_plugin_manager()
    assert failures == []
    pm.check_pending()  # every installed hook plugin implements only hooks that exist


def test_hooks_are_called_with_keywords_only():
    pm, _ = load_plugin_manager()
    logger = RecordingLogger()
    pm.register(logger)
    pm.hook.toolkit_log_scalars(step=3, scalars={"loss": 1.5})
    assert logger.calls == [(3, {"loss": 1.5})]
    with pytest.raises(TypeError):
        pm.hook.toolkit_log_scalars(3, {"loss": 1.5})


def test_misspelt_hook_is_caught_by_check_pending():
    class Typo:
        @hookimpl
        def toolkit_log_scalar(self, step, scalars):  # missing "s"
            pass

    pm, _ = load_plugin_manager()
    pm.register(Typo())
    with pytest.raises(pluggy.PluginValidationError):
        pm.check_pending()


def test_unknown_hook_argument_is_rejected_at_registration():
    class Wrong:
        @hookimpl
        def toolkit_log_audio(self, step, clips, rate):
            pass

    pm, _ = load_plugin_manager()
    with pytest.raises(pluggy.PluginValidationError):
        pm.register(Wrong())


def test_hookspecs_have_no_default_arguments():
    import inspect

    for name in dir(hookspecs):
        if name.startswith("toolkit_"):
            params = inspect.signature(getattr(hookspecs, name)).parameters.values()
            assert all(p.default is inspect.Parameter.empty for p in params), name


def test_project_name_is_shared():
    assert get_plugin_manager().project_name == hookspecs.PROJECT == "foley_toolkit"
