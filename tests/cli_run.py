"""Running the ``restish`` command as a real subprocess, for the test_cli* modules."""
import json
import os
import subprocess
import sys

TOKEN = "s3cr3t-t0ken-value"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # this checkout's restish, whatever cwd


def clean_env(**extra):
    """os.environ without RESTISH_* variables, plus ``extra``; this checkout first on PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESTISH_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [ROOT, env.get("PYTHONPATH")]))
    return {**env, **extra}


def restish(*args, env=None, **kw):
    """``python -m restish ARGS`` with RESTISH_* cleared unless ``env`` sets them; stdin is
    /dev/null unless ``input=`` or ``stdin=`` says (a piped stdin is read as the body)."""
    if "input" not in kw:
        kw.setdefault("stdin", subprocess.DEVNULL)
    return subprocess.run([sys.executable, "-m", "restish", *args], capture_output=True,
                          env=clean_env(**(env or {})), timeout=60, **kw)


def out_json(done):
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)
