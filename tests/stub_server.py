"""The stub model server (bench/stub_llm.py) for tests that need it on the wire: bench/ is not
a package, so it is loaded by its path, once."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def load_stub() -> ModuleType:
    """bench/stub_llm.py as a module (`StubLLM`, `StubProcess`, ...)."""
    if "stub_llm" in sys.modules:
        return sys.modules["stub_llm"]
    path = Path(__file__).resolve().parents[1] / "bench" / "stub_llm.py"
    spec = importlib.util.spec_from_file_location("stub_llm", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["stub_llm"] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module
