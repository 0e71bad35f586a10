"""core.hooks.Registry: keyed, ordered, replace on re-register."""

import pytest

from servicebook.core.hooks import Registry


def test_runs_in_order_with_the_arguments_and_replaces_by_key():
    calls = []
    hooks = Registry("test")
    hooks.register(lambda **kw: calls.append(("a", kw["n"])), key="a")
    hooks.register(lambda **kw: calls.append(("b", kw["n"])), key="b")
    hooks.register(lambda **kw: calls.append(("a2", kw["n"])), key="a")  # a second ready()
    hooks.run(n=1)
    assert calls == [("a2", 1), ("b", 1)]
    hooks.unregister("a")
    hooks.unregister("missing")
    hooks.run(n=2)
    assert calls[-1] == ("b", 2) and len(calls) == 3


def test_a_refusal_stops_the_run_and_reaches_the_caller():
    hooks = Registry("test")
    seen = []

    def refuse(**kw):
        raise ValueError("no")

    hooks.register(refuse, key="refuse")
    hooks.register(lambda **kw: seen.append(kw), key="after")
    with pytest.raises(ValueError, match="no"):
        hooks.run(x=1)
    assert seen == []
