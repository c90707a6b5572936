"""Session-wide loopback servers (see servers.py); each stops at session end."""
import pytest

from servers import FaultServer, RecordingProxy, WSGIServer, httpbin_server
from token_server import TokenApp

pytest_plugins = ["realservers.fixtures"]


@pytest.fixture(scope="session")
def httpbin():
    """The URL of an httpbin served by waitress, e.g. ``http://127.0.0.1:PORT``."""
    with httpbin_server() as server:
        yield server.url


@pytest.fixture(scope="session")
def httpbin2():
    """A second httpbin on another port: another origin, for redirect tests."""
    with httpbin_server() as server:
        yield server.url


@pytest.fixture(scope="session")
def fault():
    """The FaultServer itself: ``fault.url``, ``fault.hits(key)``, ``fault.requests``."""
    with FaultServer() as server:
        yield server


@pytest.fixture(scope="session")
def proxy():
    """A RecordingProxy: ``proxy.url`` to put in HTTP_PROXY or ``proxies=``."""
    with RecordingProxy() as server:
        yield server


@pytest.fixture
def tokens():
    """A fresh token server (tests/token_server.py): alice / s3cret-pw."""
    app = TokenApp()
    with WSGIServer(app) as server:
        app.url = server.url
        yield app


@pytest.fixture(scope="session")
def tls_ca():
    """A trustme certificate authority; ``tls_ca.cert_pem.write_to_path(path)`` gives its bundle."""
    import trustme
    return trustme.CA()


@pytest.fixture(scope="session")
def tls_fault(tls_ca, tmp_path_factory):
    """A FaultServer over https with a certificate for 127.0.0.1 from ``tls_ca``; ``.ca_path`` is the CA bundle."""
    import ssl
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls_ca.issue_cert("127.0.0.1").configure_cert(context)
    with FaultServer(tls=context) as server:
        server.ca_path = str(tmp_path_factory.mktemp("ca") / "ca.pem")
        tls_ca.cert_pem.write_to_path(server.ca_path)
        yield server
