"""The layering rules that keep DL Lab's core reusable and its start-up fast."""

import subprocess
import sys

from tests.conftest import ROOT


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_core_never_imports_gradio():
    code = (
        "import sys, pkgutil, importlib, core\n"
        "for m in pkgutil.iter_modules(core.__path__):\n"
        "    importlib.import_module('core.' + m.name)\n"
        "bad = sorted(n for n in sys.modules if n == 'gradio' or n.startswith('gradio.'))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = run_python(code)
    assert result.returncode == 0, f"core pulled in gradio: {result.stdout}{result.stderr}"


def test_building_the_app_imports_no_heavy_library():
    # torch, scikit-learn and transformers load on first use, keeping start-up close to a bare Gradio app.
    code = (
        "import sys, app\n"
        "heavy = [m for m in ('torch', 'sklearn', 'transformers', 'plotly') if m in sys.modules]\n"
        "print(heavy)\n"
        "sys.exit(1 if heavy else 0)\n"
    )
    result = run_python(code)
    assert result.returncode == 0, f"app imported heavy libraries at start-up: {result.stdout}{result.stderr}"
