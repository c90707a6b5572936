"""WSGI apps and files shared by the in-process transport tests (test_wsgi, test_demo_client)."""
import io
import os


class Download:
    """An app that streams ``count`` blocks made by ``block(n)``, and sinks to stream them to.

    ``produced`` counts the blocks the app has yielded; a sink's ``written_after``
    holds, for each block written out, how many the app had yielded by then: a
    streamed download writes each block before the app has made the next few.
    """

    def __init__(self, count, block):
        self.count, self.block, self.produced = count, block, 0
        self.written_after = []

    def app(self, environ, start_response):
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        for n in range(self.count):
            self.produced += 1
            yield self.block(n)

    def sink(self):
        """A binary file that keeps nothing and notes ``produced`` at each write."""
        download = self

        class Sink(io.RawIOBase):
            def writable(self):
                return True

            def write(self, data):
                download.written_after.append(download.produced)
                return len(data)

        return Sink()

    def streamed(self, lead):
        """True when the first block was written, and each later one, at most ``lead`` blocks
        after the app yielded it, in order."""
        after = self.written_after
        return (bool(after) and after[0] <= lead and after == sorted(after)
                and all(count - index <= lead for index, count in enumerate(after)))


def pipe_holding(data):
    """The read end of a pipe that holds ``data`` and then ends: a file that cannot seek,
    so an upload of unknown length (sent chunked)."""
    assert len(data) < 60_000  # fits in the pipe's buffer, so no writer thread is needed
    read_end, write_end = os.pipe()
    with os.fdopen(write_end, "wb") as writer:
        writer.write(data)
    return os.fdopen(read_end, "rb")
