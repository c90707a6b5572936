"""``import restish`` stays light: Plone is imported only when restish.plone is used."""
import json
import subprocess
import sys


def test_import_restish_loads_nothing_of_plone_until_restish_plone_is_used():
    script = ("import json, sys, restish; restish.Client('http://h').people; "
              "heavy = lambda: sorted({m.split('.')[0] for m in sys.modules} & {'plone', 'Products', 'Zope2'}); "
              "before = heavy(); restish.plone.client; print(json.dumps([before, heavy()]))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    before, after = json.loads(done.stdout)
    assert before == [] and "plone" in after
