"""Credentials from a netrc file follow the file: an edit or a deletion counts on the next call."""
import base64

import restish


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def sent_authorization(fault):
    _method, _target, headers = fault.requests[-1]
    return headers.get("Authorization")


def test_netrc_credentials_follow_the_file(fault, tmp_path, monkeypatch):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login alice password first-pw\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    with restish.Client(fault.url, resources=None, retries=0) as api:
        api.json.get()
        assert sent_authorization(fault) == basic("alice", "first-pw")
        netrc.write_text("machine 127.0.0.1 login alice password the-second-pw\n")
        api.json.get()
        assert sent_authorization(fault) == basic("alice", "the-second-pw")
        netrc.unlink()
        api.json.get()
        assert sent_authorization(fault) is None
        netrc.write_text("machine 127.0.0.1 login bob password third\n")
        api.json.get()
        assert sent_authorization(fault) == basic("bob", "third")
