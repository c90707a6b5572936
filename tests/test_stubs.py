"""``restish stubs``: the generated .pyi checked by mypy, as an editor user's type checker would."""
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
KINTO = REPO / "tests" / "data" / "kinto-swagger2.json"
ENV = {**os.environ, "PYTHONPATH": str(REPO)}


def stubs(*args):
    return subprocess.run([sys.executable, "-m", "restish", "stubs", *args], cwd=REPO, env=ENV,
                          capture_output=True, text=True, timeout=60)


def mypy(directory, *scripts):
    """mypy over the scripts, restish imported from this checkout but checked silently (as an
    installed package is); returns {script: [error lines]}."""
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--follow-imports=silent", "--no-error-summary", "--strict",
         "--cache-dir", str(directory / ".mypy_cache"), *scripts],
        cwd=directory, env={**ENV, "MYPYPATH": str(REPO)}, capture_output=True, text=True, timeout=300)
    errors = {script: [] for script in scripts}
    for line in done.stdout.splitlines():
        name = line.split(":", 1)[0]
        if name in errors and ": error:" in line:
            errors[name].append(line)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    return errors


def script(directory, name, module, cls, body):
    head = f"""\
        from typing import TYPE_CHECKING
        import restish
        if TYPE_CHECKING:
            from {module} import {cls}
        """
    (directory / name).write_text(textwrap.dedent(head) + textwrap.dedent(body))
    return name


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """Both stubs written by the command, and mypy's verdict on a correct and a wrong script of each."""
    directory = tmp_path_factory.mktemp("stubs")
    maxapi = stubs("--name", "MaxApi")
    assert maxapi.returncode == 0, maxapi.stderr
    (directory / "maxapi.pyi").write_text(maxapi.stdout)
    kinto = stubs("--openapi", str(KINTO), "--name", "Kinto")
    assert kinto.returncode == 0, kinto.stderr
    (directory / "kintoapi.pyi").write_text(kinto.stdout)
    scripts = [
        script(directory, "good_max.py", "maxapi", "MaxApi", """\
            api: "MaxApi" = restish.Client("http://localhost:8081")
            token: str = api.login("alice", "demo")
            api.people['alice'].activities.post(object_content='hi')
            api.people['alice'].activities.get(qs={'limit': 10})
            api.people['alice'].avatar.post(upload_file=open('me.png', 'rb'))
            api.getUser(username='alice')
            api.contexts['x'].get()
            print(api.people.path, api.people['alice'].methods, api.last_response)
            for activity in api.people['alice'].activities.iterate(limit=50):
                print(activity)
            with api:
                pass
            """),
        script(directory, "bad_max.py", "maxapi", "MaxApi", """\
            api: "MaxApi" = restish.Client("http://localhost:8081")
            api.peple['alice'].get()
            api.people['alice'].activities.patch()
            api.getUser()
            api.people['alice'].activites.get()
            """),
        script(directory, "good_kinto.py", "kintoapi", "Kinto", """\
            kinto: "Kinto" = restish.Client.from_openapi("http://localhost:8888/v1/__api__")
            kinto.create_collection(bucket_id="b", data_id="c")
            kinto.buckets['b'].collections['c'].records.get(_limit=10)
            """),
        script(directory, "bad_kinto.py", "kintoapi", "Kinto", """\
            kinto: "Kinto" = restish.Client.from_openapi("http://localhost:8888/v1/__api__")
            kinto.bukets['b'].get()
            kinto.create_collection(data_id="c")
            """),
    ]
    return mypy(directory, *scripts), maxapi.stdout


def test_a_correct_script_passes_mypy(checked):
    errors, _ = checked
    assert errors["good_max.py"] == []
    assert errors["good_kinto.py"] == []


def test_misspelt_names_forbidden_verbs_and_missing_route_variables_fail(checked):
    errors, _ = checked
    bad = "\n".join(errors["bad_max.py"])
    assert re.search(r"bad_max.py:6: error: .*has no attribute \"peple\"; maybe \"people\"", bad), bad
    assert re.search(r"bad_max.py:7: error: .*has no attribute \"patch\"", bad), bad
    assert re.search(r"bad_max.py:8: error: Missing named argument \"username\" for \"getUser\"", bad), bad
    assert re.search(r"bad_max.py:9: error: .*has no attribute \"activites\"", bad), bad
    assert len(errors["bad_max.py"]) == 4
    kinto = "\n".join(errors["bad_kinto.py"])
    assert 'has no attribute "bukets"' in kinto and 'Missing named argument "bucket_id"' in kinto, kinto


def test_the_stub_carries_the_maps_docs_and_default_payloads(checked):
    _, text = checked
    activities = text[text.index("class _People_Username_Activities("):]
    activities = activities[:activities.index("\n\n\n")]
    assert "def post(self, /, **kwargs: Any) -> Any:" in activities
    assert 'Default payload: {"object": {"objectType": "note"}}' in activities
    assert "def patch" not in activities and "def put" not in activities


def test_names_that_are_not_identifiers_or_are_shadowed_go_through_getitem(tmp_path):
    (tmp_path / "map.yaml").write_text(textwrap.dedent("""\
        /user-groups/{id}:
          methods: [GET]
        /session:
          methods: [GET]
        /things/url:
          methods: [DELETE]
        """) + "  doc: 'A \"quoted\" doc with a backslash \\\\ and \"\"\" triple quotes \"'\n")
    done = stubs("--resources", str(tmp_path / "map.yaml"), "--name", "Odd")
    assert done.returncode == 0, done.stderr
    (tmp_path / "odd.pyi").write_text(done.stdout)
    good = script(tmp_path, "good.py", "odd", "Odd", """\
        api: "Odd" = restish.Client("http://h", resources="map.yaml")
        api['user-groups']['g1'].get()
        api['session'].get()
        api.things['url'].delete()
        """)
    bad = script(tmp_path, "bad.py", "odd", "Odd", """\
        api: "Odd" = restish.Client("http://h", resources="map.yaml")
        api.things['url'].get()
        api['sesion'].get()
        """)
    errors = mypy(tmp_path, good, bad)
    assert errors[good] == []
    assert len(errors[bad]) == 2, errors[bad]
    assert "def session" not in done.stdout  # Client.session is the requests.Session


def test_bad_name_and_bad_map_are_usage_errors(tmp_path):
    assert stubs("--name", "not a name").returncode == 2
    (tmp_path / "bad.yaml").write_text("/x: {methods: [FETCH]}\n")
    done = stubs("--resources", str(tmp_path / "bad.yaml"))
    assert done.returncode == 2 and "FETCH" in done.stderr


def test_an_rpc_name_of_a_merged_route_has_its_own_variables(tmp_path):
    # GitHub's attestations: one route, two spellings; each name asks for the variables of its own.
    (tmp_path / "map.yaml").write_text(textwrap.dedent("""\
        /att/{attestation_id}:
          methods: [GET, DELETE]
          names: {get: listAtt, delete: deleteAtt}
          templates: {get: '/att/{subject_digest}'}
        /compare/{base}...{head}:
          methods: [GET]
          names: {get: compare}
        """))
    done = stubs("--resources", str(tmp_path / "map.yaml"), "--name", "Merged")
    assert done.returncode == 0, done.stderr
    assert "def listAtt(self, /, *, subject_digest: Any, **kwargs: Any)" in done.stdout
    assert "def deleteAtt(self, /, *, attestation_id: Any, **kwargs: Any)" in done.stdout
    assert "def compare(self, /, *, base: Any, head: Any, **kwargs: Any)" in done.stdout
