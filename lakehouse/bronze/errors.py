"""The error a reader raises when a whole file cannot be taken."""


class FileRejected(ValueError):
    """The file cannot be read at all; ``reason`` is Vietnamese and names the file."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason
