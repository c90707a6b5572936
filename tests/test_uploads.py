"""Streaming uploads (upload_file=) and downloads (stream_to=), with progress.

httpbin shows what a multipart upload looks like to a real form parser; the
PartsServer (transfer_server.py) parses uploads in pieces and reports sizes
and hashes, so 50 MiB travel end to end without either side holding them.
"""
import hashlib
import io
import json
import os
import re
import tracemalloc
import uuid

import pytest
import urllib3

import restish
from servers import CHUNK, pattern_bytes
from transfer_server import PartsServer, TruncatingServer

MiB = 1 << 20
BIG = 50 * MiB
MAP = {"/anything": {"methods": ["GET", "POST", "PUT"]},
       "/anything/{name}/avatar": {"methods": ["POST"]}}
DEFAULTS = {"/anything/{name}/avatar": {"post": {"generator": "restish", "object": {"objectType": "image"}}}}


@pytest.fixture(scope="module")
def parts():
    with PartsServer() as server:
        yield server


@pytest.fixture
def bin_api(httpbin):
    with restish.Client(httpbin, resources=MAP, defaults=DEFAULTS) as client:
        yield client


@pytest.fixture
def api(parts):
    with restish.Client(parts.url, resources=None, retries=0) as client:
        yield client


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    """A 50 MiB file of random bytes and its sha256."""
    path = tmp_path_factory.mktemp("big") / "big.bin"
    digest = hashlib.sha256()
    with open(path, "wb") as out:
        for _ in range(BIG // MiB):
            block = os.urandom(MiB)
            digest.update(block)
            out.write(block)
    return path, digest.hexdigest()


def write(path, data=b"hello, restish"):
    path.write_bytes(data)
    return path


def open_paths():
    """Paths of this process's open file descriptors (Linux)."""
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            found.add(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            pass
    return found


needs_proc = pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd")


class Recorder:
    """A progress callable that keeps every (done, total)."""

    def __init__(self):
        self.calls = []

    def __call__(self, done, total):
        self.calls.append((done, total))

    def assert_monotonic_to(self, total):
        dones = [done for done, _ in self.calls]
        assert len(dones) > 1
        assert dones == sorted(dones)
        assert self.calls[-1] == (total, total)
        assert {t for _, t in self.calls} == {total}


# --------------------------------------------------------------------------
# Uploads: what goes over the wire


def test_upload_file_and_payload_as_json_data(bin_api, tmp_path):
    avatar = write(tmp_path / "me.png", b"\x89PNG fake")
    echo = bin_api.anything["alice"].avatar.post(upload_file=str(avatar), displayName="Alice",
                                                object_content="hi")
    assert echo["files"] == {"file": "data:image/png;base64,iVBORyBmYWtl"}
    assert json.loads(echo["form"]["json_data"]) == {
        "generator": "restish", "displayName": "Alice",
        "object": {"objectType": "image", "content": "hi"}}
    assert echo["headers"]["Content-Type"].startswith("multipart/form-data; boundary=")
    assert echo["json"] is None  # the payload went only as the json_data field


def test_several_files_and_field_names(bin_api, tmp_path):
    with open(write(tmp_path / "notes.txt", b"notes"), "rb") as notes:
        echo = bin_api.anything.post(upload_file=tmp_path / "notes.txt",
                                     upload_file_attachment=notes,
                                     upload_file_extra=("data.bin", io.BytesIO(b"\x00\x01")))
        assert not notes.closed  # the caller's file is left open
    assert set(echo["files"]) == {"file", "attachment", "extra"}
    assert echo["files"]["file"] == echo["files"]["attachment"] == "notes"
    assert echo["form"] == {}  # no payload, no json_data


def test_filename_and_content_type(api, tmp_path):
    photo = write(tmp_path / "photo.jpeg")
    raw = write(tmp_path / "raw.unknownext")
    with open(photo, "rb") as opened:
        answer = api.parts.post(upload_file_a=photo, upload_file_b=str(raw), upload_file_c=opened,
                                upload_file_d=("report.pdf", io.BytesIO(b"x")),
                                upload_file_e=("given.bin", io.BytesIO(b"x"), "text/csv"),
                                upload_file_f=io.BytesIO(b"no name"))
    seen = {name: (p["filename"], p["content_type"]) for name, p in answer["parts"].items()}
    assert seen == {
        "a": ("photo.jpeg", "image/jpeg"),
        "b": ("raw.unknownext", "application/octet-stream"),
        "c": ("photo.jpeg", "image/jpeg"),
        "d": ("report.pdf", "application/pdf"),
        "e": ("given.bin", "text/csv"),
        "f": ("f", "application/octet-stream"),  # no name: the field's name
    }


def test_big_upload_streams_with_progress(api, big_file):
    path, sha = big_file
    progress = Recorder()
    tracemalloc.start()
    try:
        answer = api.parts.put(upload_file=path, progress=progress, note="big")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    part = answer["parts"]["file"]
    assert (part["bytes"], part["sha256"]) == (BIG, sha)
    assert json.loads(answer["parts"]["json_data"]["head"]) == {"note": "big"}
    assert answer["chunked"] is False
    progress.assert_monotonic_to(answer["bytes"])  # total is the Content-Length sent
    assert peak < 8 * MiB, f"peak traced memory {peak / MiB:.1f} MiB for a {BIG // MiB} MiB upload"


def test_pipe_upload_goes_chunked(api):
    read_end, write_end = os.pipe()
    data = pattern_bytes(50_000)  # fits in a pipe's buffer: written before the upload reads it
    os.write(write_end, data)
    os.close(write_end)
    progress = Recorder()
    with os.fdopen(read_end, "rb") as pipe:  # its size is unknown until it ends
        answer = api.parts.post(upload_file=("stream.bin", pipe), progress=progress)
    assert answer["chunked"] is True
    assert answer["parts"]["file"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert progress.calls and {total for _, total in progress.calls} == {None}
    assert progress.calls[-1][0] == answer["bytes"]


@needs_proc
def test_paths_restish_opened_are_closed_whatever_happens(api, fault, tmp_path):
    path = str(write(tmp_path / "a.bin"))
    client = restish.Client(fault.url, resources=None, retries=0)
    api.parts.post(upload_file=path)
    assert path not in open_paths()
    with pytest.raises(restish.InternalServerError):
        client.status["500"].post(upload_file=path)
    with pytest.raises(restish.TransportError):
        client.drop.post(upload_file=path)
    with pytest.raises(restish.InvalidValue):  # the second value is bad: the first is closed
        client.upload.post(upload_file=path, upload_file_b=tmp_path / "missing")
    with pytest.raises(ValueError):  # requests refuses the header after the file was opened
        client.upload.post(upload_file=path, headers={"X-Bad": "a\nb"})
    assert path not in open_paths()
    client.close()


def test_data_and_payload_types_are_checked_before_io(fault, tmp_path):
    client = restish.Client(fault.url, resources=None)
    path = write(tmp_path / "a.bin")
    before = fault.hits("/upload")
    with pytest.raises(restish.InvalidValue, match=r"POST /upload: data= .* upload_file"):
        client.upload.post(upload_file=path, data=b"raw")
    with pytest.raises(restish.InvalidValue, match="not JSON-serialisable"):
        client.upload.post(upload_file=path, when=object())
    with pytest.raises(restish.InvalidValue, match="GET /upload: uploads need a body verb"):
        client.upload.get(upload_file=path)
    with pytest.raises(restish.InvalidValue, match="clashes with the json_data field"):
        client.upload.post(upload_file_json_data=path, note="x")
    assert fault.hits("/upload") == before


# --------------------------------------------------------------------------
# Uploads: bad values, each refused before anything is sent


@pytest.mark.parametrize("make_value, message", [
    (lambda tmp: tmp / "missing.png", r"upload_file= no such file: '.*missing\.png'"),
    (lambda tmp: tmp, r"upload_file= '.*' is a directory"),
    (lambda tmp: open(write(tmp / "t.txt"), "r"), r"upload_file= file '.*t\.txt' is open in text mode"),
    (lambda tmp: io.StringIO("text"), r"upload_file= the StringIO is open in text mode"),
    (lambda tmp: open(tmp / "w.bin", "wb"), r"upload_file= file '.*w\.bin' is not open for reading"),
    (lambda tmp: _closed(write(tmp / "c.bin")), r"upload_file= file '.*c\.bin' is closed"),
    (lambda tmp: 42, r"upload_file= expects an open binary file, a path .* not int"),
    (lambda tmp: b"raw bytes", r"upload_file= expects a binary file, a path .* not bytes"),
    (lambda tmp: ("name",), r"upload_file= a tuple must be \(filename, file\)"),
    (lambda tmp: (None, io.BytesIO()), r"upload_file= a tuple must be \(filename, file\)"),
    (lambda tmp: ("a.png", io.BytesIO(b"x"), 5), r"upload_file= a tuple's content type must be a str .* not int"),
    (lambda tmp: ("a.png", io.BytesIO(b"x"), b"image/png"),
     r"upload_file= a tuple's content type must be a str .* not bytes"),
])
def test_bad_upload_values(fault, tmp_path, make_value, message):
    client = restish.Client(fault.url, resources=None)
    value = make_value(tmp_path)
    before = fault.hits("/upload")
    try:
        with pytest.raises(restish.InvalidValue, match=r"^POST /upload: " + message):
            client.upload.post(upload_file=value)
    finally:
        getattr(value, "close", lambda: None)()
    assert fault.hits("/upload") == before


def _closed(path):
    file = open(path, "rb")
    file.close()
    return file


def test_bad_upload_keyword(fault, tmp_path):
    client = restish.Client(fault.url, resources=None)
    with pytest.raises(restish.InvalidValue, match="unknown keyword 'upload_files'"):
        client.upload.post(upload_files=write(tmp_path / "a"))
    with pytest.raises(restish.InvalidValue, match="unknown keyword 'upload_file_'"):
        client.upload.post(upload_file_=write(tmp_path / "a"))


class ShrinkingFile(io.BytesIO):
    """Seekable, but its reads end early: a file cut short while it is sent."""

    def read(self, size=-1):
        return b"" if self.tell() >= 1000 else super().read(min(size, 1000 - self.tell()))


def test_file_that_ends_early_is_refused_not_sent_short(api):
    with pytest.raises(restish.InvalidValue, match=r"upload_file= \(short.bin\): the file ended after 1000 of 5000"):
        api.parts.post(upload_file=("short.bin", ShrinkingFile(b"x" * 5000)))
    assert api.parts.post(upload_file=("ok.bin", io.BytesIO(b"y")))["parts"]["file"]["bytes"] == 1


# --------------------------------------------------------------------------
# Uploads sent twice: rewound when they can be, never sent short


def test_redirect_307_rewinds_a_seekable_upload(parts, tmp_path):
    data = os.urandom(3 * MiB)
    path = write(tmp_path / "again.bin", data)
    progress = Recorder()
    client = restish.Client(parts.url, resources=None, retries=0)
    answer = client.redirect.post(qs={"status": 307, "to": "/parts/redirected"},
                                  upload_file=path, progress=progress)
    assert answer["parts"]["file"]["sha256"] == hashlib.sha256(data).hexdigest()
    restarts = [i for i, (done, _) in enumerate(progress.calls) if i and done < progress.calls[i - 1][0]]
    assert len(restarts) == 1  # sent twice: to the redirect, then to its target
    assert progress.calls[-1][0] == answer["bytes"]


def test_redirect_307_refuses_to_resend_a_pipe(parts):
    read_end, write_end = os.pipe()
    os.write(write_end, b"once only")
    os.close(write_end)
    client = restish.Client(parts.url, resources=None, retries=0)
    with os.fdopen(read_end, "rb") as pipe:
        with pytest.raises(restish.RedirectError, match=r"^POST .*/redirect\?.* -> .*rewound"):
            client.redirect.post(qs={"status": 307, "to": "/parts/never"}, upload_file=pipe)
    assert parts.hits("/parts/never") == 0


def test_retry_rewinds_a_seekable_upload(parts, tmp_path):
    data = os.urandom(2 * MiB)
    path = write(tmp_path / "retry.bin", data)
    client = restish.Client(parts.url, resources=None, retries=2)
    answer = client.parts["retry-seekable"].put(qs={"fail": 1}, upload_file=path)
    assert answer["hits"] == 2
    assert answer["parts"]["file"]["sha256"] == hashlib.sha256(data).hexdigest()


def test_retry_after_a_reset_rewinds_a_seekable_upload(parts, tmp_path):
    data = os.urandom(2 * MiB)
    path = write(tmp_path / "reset.bin", data)
    client = restish.Client(parts.url, resources=None, retries=2)
    answer = client.cut["retry-reset"].put(qs={"fail": 1, "after": MiB}, upload_file=path)
    assert answer["hits"] == 2
    assert answer["parts"]["file"]["sha256"] == hashlib.sha256(data).hexdigest()


def filled_pipe(data=b"once only"):
    """The read end of a pipe holding ``data``, its write end closed: a file that cannot seek."""
    read_end, write_end = os.pipe()
    os.write(write_end, data)
    os.close(write_end)
    return os.fdopen(read_end, "rb")


class GeneratedFile(io.RawIOBase):
    """A binary file fed by a generator: readable, not seekable, size unknown."""

    def __init__(self, chunks):
        self._chunks, self._left = iter(chunks), b""

    def readable(self):
        return True

    def readinto(self, buffer):
        while not self._left:
            self._left = next(self._chunks, None)
            if self._left is None:
                self._left = b""
                return 0
        n = min(len(buffer), len(self._left))
        buffer[:n], self._left = self._left[:n], self._left[n:]
        return n


# The 503 is not retried (the body cannot be sent again), and not lost either: it surfaces
# with the server's answer, which shows that the whole body arrived, once. (This used to be
# a TransportError naming UnrewindableBodyError: urllib3 drained the 503, then failed to rewind.)
@pytest.mark.parametrize("make_file", [filled_pipe, lambda: GeneratedFile([b"once ", b"only"])],
                         ids=["pipe", "generator"])
def test_retry_never_resends_an_unseekable_upload_and_the_503_surfaces(parts, make_file, caplog):
    key = f"retry-once-{uuid.uuid4().hex}"
    client = restish.Client(parts.url, resources=None, retries=2)
    with make_file() as file, caplog.at_level("DEBUG", logger="restish.retry"):
        with pytest.raises(restish.ServiceUnavailable) as caught:
            client.parts[key].put(qs={"fail": 1}, upload_file=("once.bin", file))
    assert parts.hits(f"/parts/{key}") == 1
    answer = caught.value.response.json()
    assert answer["hits"] == 1 and answer["chunked"] is True
    assert answer["parts"]["file"]["sha256"] == hashlib.sha256(b"once only").hexdigest()
    assert "UnrewindableBodyError" not in str(caught.value)
    assert any("cannot be rewound" in r.getMessage() for r in caplog.records)


def test_retry_never_resends_a_pipe_after_a_reset_mid_body(parts):
    key = f"reset-pipe-{uuid.uuid4().hex}"
    client = restish.Client(parts.url, resources=None, retries=2)
    with filled_pipe(b"x" * 50_000) as pipe:  # fits in a pipe's buffer
        with pytest.raises(restish.TransportError) as caught:
            client.cut[key].put(qs={"fail": 1, "after": 1000}, upload_file=pipe)
    assert parts.hits(f"/cut/{key}") == 1  # a retry would have found the server answering 200
    message = str(caught.value)
    assert re.match(rf"PUT .*/cut/{key}.* -> ", message)
    assert "rewind" not in message.lower()


def test_a_seekable_upload_is_still_rewound_and_retried_after_a_503(parts):
    key = f"retry-seekable-{uuid.uuid4().hex}"
    client = restish.Client(parts.url, resources=None, retries=2)
    answer = client.parts[key].put(qs={"fail": 1}, upload_file=("again.bin", io.BytesIO(b"twice over")))
    assert answer["hits"] == 2 and parts.hits(f"/parts/{key}") == 2
    assert answer["parts"]["file"]["sha256"] == hashlib.sha256(b"twice over").hexdigest()


def test_a_plain_urllib3_retry_still_fails_rewinding_a_pipe(parts):
    """A urllib3 Retry given as retries= is used as given: it does not look at the body first."""
    key = f"plain-retry-{uuid.uuid4().hex}"
    client = restish.Client(parts.url, resources=None,
                            retries=urllib3.Retry(2, status_forcelist=[503], backoff_factor=0, raise_on_status=False))
    with filled_pipe() as pipe:
        with pytest.raises(restish.TransportError, match=r"^PUT .* -> UnrewindableBodyError"):
            client.parts[key].put(qs={"fail": 1}, upload_file=pipe)
    assert parts.hits(f"/parts/{key}") == 1  # never sent twice, whatever the policy


# --------------------------------------------------------------------------
# Downloads


def pattern_sha256(n):
    digest, block = hashlib.sha256(), pattern_bytes(CHUNK)
    for start in range(0, n, CHUNK):
        digest.update(block[: min(CHUNK, n - start)])
    return digest.hexdigest()


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(MiB), b""):
            digest.update(block)
    return digest.hexdigest()


def test_big_download_to_path(fault, tmp_path):
    client = restish.Client(fault.url, resources=None)
    target = tmp_path / "down.bin"
    progress = Recorder()
    tracemalloc.start()
    try:
        written = client.bytes.get(n=BIG, stream_to=target, progress=progress)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written == BIG == target.stat().st_size
    assert file_sha256(target) == pattern_sha256(BIG)
    progress.assert_monotonic_to(BIG)
    assert os.listdir(tmp_path) == ["down.bin"]  # no temporary file left behind
    assert peak < 8 * MiB, f"peak traced memory {peak / MiB:.1f} MiB for a {BIG // MiB} MiB download"


def test_download_to_open_file_chunked(fault):
    client = restish.Client(fault.url, resources=None)
    out = io.BytesIO()
    progress = Recorder()
    assert client.bytes.get(n=200_000, chunked=1, stream_to=out, progress=progress) == 200_000
    assert out.getvalue() == pattern_bytes(200_000)
    assert not out.closed
    assert {total for _, total in progress.calls} == {None}  # no Content-Length
    assert progress.calls[-1][0] == 200_000


def test_download_replaces_an_existing_file_only_on_success(fault, tmp_path):
    client = restish.Client(fault.url, resources=None)
    target = write(tmp_path / "keep.bin", b"old")
    assert client.bytes.get(n=10, stream_to=str(target)) == 10
    assert target.read_bytes() == pattern_bytes(10)


def test_errors_are_raised_before_anything_is_written(fault, tmp_path):
    client = restish.Client(fault.url, resources=None)
    out = io.BytesIO()
    with pytest.raises(restish.NotFound):
        client.status["404"].get(stream_to=tmp_path / "nothing.bin")
    with pytest.raises(restish.ServiceUnavailable):
        client.status["503"].get(stream_to=out)
    assert os.listdir(tmp_path) == [] and out.getvalue() == b""


@pytest.mark.parametrize("existing", [None, b"the old, complete file"])
def test_broken_download_leaves_nothing_that_looks_complete(tmp_path, existing):
    target = tmp_path / "partial.bin"
    if existing is not None:
        target.write_bytes(existing)
    with TruncatingServer(promised=1_000_000, sent=300_000) as server:
        client = restish.Client(server.url, resources=None, retries=0)
        with pytest.raises(restish.TransportError,
                           match=r"^GET http://127\.0\.0\.1:\d+/file -> download broken after \d+ of 1000000 bytes"):
            client.file.get(stream_to=target)
        assert server.served == 1
    assert os.listdir(tmp_path) == ([] if existing is None else ["partial.bin"])
    if existing is not None:
        assert target.read_bytes() == existing


def test_progress_that_raises_aborts_and_cleans_up(fault, tmp_path):
    def cancel(done, total):
        if done > 100_000:
            raise KeyboardInterrupt

    client = restish.Client(fault.url, resources=None)
    with pytest.raises(KeyboardInterrupt):
        client.bytes.get(n=1_000_000, stream_to=tmp_path / "cancelled.bin", progress=cancel)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("make_target, message", [
    (lambda tmp: tmp / "no" / "such" / "dir.bin", r"stream_to= cannot write '.*dir\.bin': directory '.*such' does not exist"),
    (lambda tmp: tmp, r"stream_to= '.*' is a directory; name the file to write"),
    (lambda tmp: open(tmp / "t.txt", "w"), r"stream_to= file '.*t\.txt' is open in text mode"),
    (lambda tmp: open(write(tmp / "r.bin"), "rb"), r"stream_to= file '.*r\.bin' is not open for writing"),
    (lambda tmp: 7, r"stream_to= must be a path or an open binary file, not int"),
])
def test_bad_stream_to(fault, tmp_path, make_target, message):
    client = restish.Client(fault.url, resources=None)
    target = make_target(tmp_path)
    before = fault.hits("/bytes")
    try:
        with pytest.raises(restish.InvalidValue, match=r"^GET /bytes: " + message):
            client.bytes.get(stream_to=target)
    finally:
        getattr(target, "close", lambda: None)()
    assert fault.hits("/bytes") == before


def test_progress_must_be_callable(fault):
    client = restish.Client(fault.url, resources=None)
    with pytest.raises(restish.InvalidValue, match=r"^GET /bytes: progress= must be a callable"):
        client.bytes.get(stream_to=io.BytesIO(), progress="50%")
