class LocalBatch:
    """Not a database session: `begin()` here only starts collecting keys."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    def begin(self) -> "LocalBatch":
        return self

    def __enter__(self) -> "LocalBatch":
        return self

    def __exit__(self, *exc: object) -> None:
        self.keys.clear()


batch = LocalBatch()
